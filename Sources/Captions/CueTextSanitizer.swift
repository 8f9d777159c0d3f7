/// Cue text reduced to WebVTT cue markup. A caption file is user input that ends up in players and in the portal's
/// transcript panel, so only the tags WebVTT defines survive (`c`, `i`, `b`, `u`, `v`, `lang`, `ruby`, `rt`, and
/// timestamps), with class names and annotations cleaned; every other tag is dropped (the text of `script` and
/// `style` with it), attributes never survive, and a `&` or `>` that is not markup is escaped.
public enum CueTextSanitizer {
    static let allowedTags: Set<String> = ["c", "i", "b", "u", "v", "lang", "ruby", "rt"]
    /// Tags whose content is code, not text: dropped whole.
    static let droppedWithContent: Set<String> = ["script", "style"]
    static let namedEntities: Set<String> = ["amp", "lt", "gt", "lrm", "rlm", "nbsp"]

    public static func sanitize(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        var skippingUntil: String?
        while let open = rest.firstIndex(where: { $0 == "<" || $0 == "&" || $0 == ">" }) {
            if skippingUntil == nil { output += rest[..<open] }
            let mark = rest[open]
            rest = rest[rest.index(after: open)...]
            switch mark {
            case ">":
                if skippingUntil == nil { output += "&gt;" }
            case "&":
                guard skippingUntil == nil else { continue }
                if let entity = entity(at: rest) {
                    output += "&" + entity + ";"
                    rest = rest.dropFirst(entity.count + 1)
                } else {
                    output += "&amp;"
                }
            default:
                // Like an HTML tokenizer: `<` opens a tag only before a letter, a digit (timestamp) or `/`.
                guard let next = rest.first, next.isLetter || next.isNumber || next == "/",
                    let close = rest.firstIndex(where: { $0 == ">" || $0 == "<" }), rest[close] == ">"
                else {
                    // A `<` that opens no tag is text.
                    if skippingUntil == nil { output += "&lt;" }
                    continue
                }
                let tag = rest[..<close]
                rest = rest[rest.index(after: close)...]
                let name = tagName(tag)
                if let waiting = skippingUntil {
                    if tag.hasPrefix("/"), name == waiting { skippingUntil = nil }
                    continue
                }
                if !tag.hasPrefix("/"), droppedWithContent.contains(name) {
                    skippingUntil = name
                    continue
                }
                output += cleanTag(tag, name: name) ?? ""
            }
        }
        if skippingUntil == nil { output += rest }
        return output
    }

    /// The lower-cased element name of a tag's inside (`/b` → `b`, `c.red` → `c`, `v Bob` → `v`).
    static func tagName(_ tag: Substring) -> String {
        let body = tag.hasPrefix("/") ? tag.dropFirst() : tag
        return String(body.prefix { $0.isLetter || $0.isNumber }).lowercased()
    }

    /// The tag as WebVTT markup, or nil to drop it.
    static func cleanTag(_ tag: Substring, name: String) -> String? {
        if tag.first?.isNumber == true {
            // A timestamp tag, `<00:00:01.500>`.
            return CaptionTimestamp.parse(tag, lenient: false).map { "<" + CaptionTimestamp.format($0) + ">" }
        }
        guard allowedTags.contains(name) else { return nil }
        if tag.hasPrefix("/") { return "</" + name + ">" }
        var body = tag.dropFirst(name.count)
        // Classes: `.a.b`, letters, digits, `-`, `_` only.
        var classes: [String] = []
        while body.first == "." {
            body = body.dropFirst()
            let className = body.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            if !className.isEmpty { classes.append(String(className)) }
            body = body.dropFirst(className.count)
            if body.first != ".", body.first?.isWhitespace == false {
                body = body.drop(while: { !$0.isWhitespace && $0 != "." })
            }
        }
        var result = "<" + name + classes.map { "." + $0 }.joined()
        // Only `v` (speaker) and `lang` (language tag) carry an annotation; it is text, never an attribute.
        if name == "v" || name == "lang" {
            let annotation = annotationText(body)
            if !annotation.isEmpty { result += " " + annotation }
        }
        return result + ">"
    }

    static func annotationText(_ body: Substring) -> String {
        let kept = body.filter { !"\"'`=&<>".contains($0) && !$0.isNewline }
        return kept.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The entity name (or `#123`, `#x1F`) if `rest` starts with one followed by `;`.
    static func entity(at rest: Substring) -> String? {
        guard let semicolon = rest.prefix(12).firstIndex(of: ";") else { return nil }
        let name = rest[..<semicolon]
        if namedEntities.contains(String(name)) { return String(name) }
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            let digits = name.dropFirst(2)
            return !digits.isEmpty && digits.allSatisfy(\.isHexDigit) ? String(name) : nil
        }
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber } ? String(name) : nil
        }
        return nil
    }

    /// SRT files carry SubStation override codes (`{\an8}`, `{\i1}`) that no WebVTT player reads: dropped.
    static func strippingOverrideCodes(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{\\") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                rest = rest[open.lowerBound...]
                break
            }
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }
}
