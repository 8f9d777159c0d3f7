// A reading of RFC 9112's grammar written apart from the engine, for differential tests and the fuzz targets (which
// compile this file on its own: no imports). It favours being obviously right over being fast: every rule is a
// function named after the ABNF rule it reads, over an array of bytes and an index.
//
// One deliberate departure, shared with the engine and documented there: a request-target is any run of visible
// ASCII (browsers send `|`, `{`, `^` unencoded); the engine interprets it afterwards.

enum RFC9112Reference {
    struct Head: Equatable {
        var method: [UInt8]
        var target: [UInt8]
        var version: [UInt8]
        var fields: [Field]
    }

    struct Field: Equatable {
        var name: [UInt8]
        var value: [UInt8]
    }

    enum Chunked: Equatable {
        /// The body, and how many bytes the chunked framing took (what follows belongs to the next request).
        case complete(body: [UInt8], used: Int)
        case incomplete
        case invalid
    }

    // MARK: Characters (RFC 5234 core rules, RFC 9110 §5.6)

    static func isTchar(_ c: UInt8) -> Bool {
        if c >= 0x30 && c <= 0x39 { return true }  // DIGIT
        if c >= 0x41 && c <= 0x5A { return true }  // upper ALPHA
        if c >= 0x61 && c <= 0x7A { return true }  // lower ALPHA
        return Array("!#$%&'*+-.^_`|~".utf8).contains(c)
    }
    static func isVchar(_ c: UInt8) -> Bool { c >= 0x21 && c <= 0x7E }
    static func isObsText(_ c: UInt8) -> Bool { c >= 0x80 }
    static func isWS(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
    static func isHexdig(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }
    static func hexValue(_ c: UInt8) -> Int {
        if c <= 0x39 { return Int(c - 0x30) }
        if c <= 0x46 { return Int(c - 0x41 + 10) }
        return Int(c - 0x61 + 10)
    }

    // MARK: Head: request-line *( CRLF field-line ), the blank line that ends it already removed

    static func head(_ input: [UInt8]) -> Head? {
        // Split on CRLF; any CR or LF left inside a line is a bare one, which the grammar has no place for.
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var i = 0
        while i < input.count {
            if input[i] == 0x0D, i + 1 < input.count, input[i + 1] == 0x0A {
                lines.append(current)
                current = []
                i += 2
            } else {
                current.append(input[i])
                i += 1
            }
        }
        lines.append(current)
        for line in lines where line.contains(0x0D) || line.contains(0x0A) { return nil }
        guard var head = requestLine(lines[0]) else { return nil }
        for line in lines.dropFirst() {
            guard let field = fieldLine(line) else { return nil }
            head.fields.append(field)
        }
        return head
    }

    /// request-line = method SP request-target SP HTTP-version
    static func requestLine(_ line: [UInt8]) -> Head? {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let method = Array(parts[0]), target = Array(parts[1]), version = Array(parts[2])
        guard !method.isEmpty, method.allSatisfy(isTchar) else { return nil }
        guard !target.isEmpty, target.allSatisfy(isVchar) else { return nil }
        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT (case-sensitive)
        guard version.count == 8, Array(version[0..<5]) == Array("HTTP/".utf8), version[6] == 0x2E,
            version[5] >= 0x30, version[5] <= 0x39, version[7] >= 0x30, version[7] <= 0x39
        else { return nil }
        return Head(method: method, target: target, version: version, fields: [])
    }

    /// field-line = field-name ":" OWS field-value OWS; field-value = *field-content, whose characters are
    /// field-vchar (VCHAR / obs-text), SP and HTAB; obs-fold is refused.
    static func fieldLine(_ line: [UInt8]) -> Field? {
        guard let colon = line.firstIndex(of: 0x3A) else { return nil }
        let name = Array(line[..<colon])
        guard !name.isEmpty, name.allSatisfy(isTchar) else { return nil }
        var value = Array(line[(colon + 1)...])
        while let first = value.first, isWS(first) { value.removeFirst() }
        while let last = value.last, isWS(last) { value.removeLast() }
        guard value.allSatisfy({ isVchar($0) || isObsText($0) || isWS($0) }) else { return nil }
        return Field(name: name, value: value)
    }

    // MARK: Chunked body (§7.1)

    /// chunked-body = *chunk last-chunk trailer-section CRLF
    static func chunked(_ input: [UInt8]) -> Chunked {
        var i = 0
        var body: [UInt8] = []
        while true {
            // chunk-size [ chunk-ext ] CRLF: the line, up to the first CRLF; a LF before it is a bare one
            guard let lineEnd = crlf(input, from: i) else {
                return input[i...].contains(0x0A) ? .invalid : .incomplete
            }
            let line = Array(input[i..<lineEnd])
            var j = 0
            var size = 0
            var significant = 0
            while j < line.count, isHexdig(line[j]) {
                if size > 0 || hexValue(line[j]) > 0 { significant += 1 }
                if significant > 15 { return .invalid }  // the engine's bound (2^60), far above any body limit
                size = size * 16 + hexValue(line[j])
                j += 1
            }
            guard j > 0, chunkExt(Array(line[j...])) else { return .invalid }
            i = lineEnd + 2
            if size == 0 { break }
            // chunk-data CRLF
            guard input.count >= i + size else { return .incomplete }
            body += input[i..<(i + size)]
            i += size
            guard input.count >= i + 2 else { return .incomplete }
            guard input[i] == 0x0D, input[i + 1] == 0x0A else { return .invalid }
            i += 2
        }
        // trailer-section = *( field-line CRLF ), then the final CRLF
        while true {
            guard let lineEnd = crlf(input, from: i) else {
                return input[i...].contains(0x0A) ? .invalid : .incomplete
            }
            if lineEnd == i { return .complete(body: body, used: i + 2) }
            let line = Array(input[i..<lineEnd])
            guard !line.contains(0x0D), fieldLine(line) != nil else { return .invalid }
            i = lineEnd + 2
        }
    }

    /// The first CRLF at or after `from`, stopping at a LF that is not part of one.
    static func crlf(_ input: [UInt8], from: Int) -> Int? {
        var k = from
        while k < input.count {
            if input[k] == 0x0A { return nil }
            if input[k] == 0x0D, k + 1 < input.count, input[k + 1] == 0x0A { return k }
            k += 1
        }
        return nil
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    /// chunk-ext-name = token; chunk-ext-val = token / quoted-string
    static func chunkExt(_ ext: [UInt8]) -> Bool {
        var k = 0
        func bws() { while k < ext.count, isWS(ext[k]) { k += 1 } }
        func token() -> Bool {
            let start = k
            while k < ext.count, isTchar(ext[k]) { k += 1 }
            return k > start
        }
        func quotedString() -> Bool {
            guard k < ext.count, ext[k] == 0x22 else { return false }
            k += 1
            while k < ext.count {
                let c = ext[k]
                if c == 0x22 {
                    k += 1
                    return true
                }
                if c == 0x5C {
                    // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
                    guard k + 1 < ext.count, isWS(ext[k + 1]) || isVchar(ext[k + 1]) || isObsText(ext[k + 1]) else {
                        return false
                    }
                    k += 2
                    continue
                }
                // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
                guard isWS(c) || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E) || isObsText(c)
                else { return false }
                k += 1
            }
            return false
        }
        while k < ext.count {
            bws()
            guard k < ext.count, ext[k] == 0x3B else { return false }
            k += 1
            bws()
            guard token() else { return false }
            let save = k
            bws()
            if k < ext.count, ext[k] == 0x3D {
                k += 1
                bws()
                let start = k
                if !(quotedString()
                    || {
                        k = start
                        return token()
                    }())
                {
                    return false
                }
            } else {
                k = save
            }
        }
        return true
    }
}
