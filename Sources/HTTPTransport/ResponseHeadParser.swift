/// Turns the header lines curl hands us into a status and headers. curl reports every response head
/// it reads — a `100 Continue` before the real answer included — so each status line starts afresh and
/// only the last (final) head survives.
struct ResponseHeadParser {
    private(set) var status: Int?
    private(set) var headers = HTTPHeaders()
    /// The blank line after the current head has been seen.
    private(set) var isComplete = false

    /// Whether the head read so far is the final one (not 1xx) and complete.
    var hasFinalHead: Bool {
        guard let status, isComplete else { return false }
        return status >= 200
    }

    mutating func consume(line raw: some Collection<UInt8>) {
        var line = Array(raw)
        while let last = line.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: "\n") { line.removeLast() }

        if line.starts(with: Array("HTTP/".utf8)) {
            // "HTTP/1.1 200 OK" or "HTTP/2 200": the code is the second space-separated field.
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: true)
            status = fields.count >= 2 ? Int(String(decoding: fields[1], as: UTF8.self)) : nil
            headers = HTTPHeaders()
            isComplete = false
        } else if line.isEmpty {
            isComplete = true
        } else if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            // Obsolete line folding: the line continues the previous field's value.
            if var last = headers.fields.last {
                last.value += " " + trimmed(line)
                var fields = headers.fields
                fields[fields.count - 1] = last
                headers = HTTPHeaders(fields)
            }
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: line[..<colon], as: UTF8.self)
            headers.add(name, trimmed(line[(colon + 1)...]))
        }
    }

    private func trimmed(_ bytes: some Collection<UInt8>) -> String {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let array = Array(bytes)
        guard let start = array.firstIndex(where: { !isSpace($0) }),
            let end = array.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: array[start...end], as: UTF8.self)
    }
}
