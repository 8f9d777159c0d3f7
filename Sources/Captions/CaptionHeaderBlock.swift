/// WebVTT `STYLE` and `REGION` blocks, kept when they are what WebVTT defines and nothing more.
enum CaptionHeaderBlock {
    /// A STYLE block is CSS for `::cue`; one that could fetch something (`url(`, `@import`) or smuggle markup is
    /// dropped whole rather than repaired. A REGION block keeps only its `name:value` settings.
    static func clean(_ lines: [String]) -> String? {
        let kind = lines[0].trimmingCharacters(in: .whitespaces)
        let body = lines.dropFirst()
        switch kind {
        case "STYLE":
            let css = body.joined(separator: "\n")
            let lowered = css.lowercased()
            guard !css.isEmpty, !css.contains("-->"), !css.contains("<"),
                !["url(", "@import", "expression(", "javascript:", "\\"].contains(where: { lowered.contains($0) })
            else { return nil }
            return "STYLE\n" + css
        case "REGION":
            let settings = body.flatMap { $0.split(whereSeparator: \.isWhitespace) }.filter { setting in
                let parts = setting.split(separator: ":", maxSplits: 1)
                return parts.count == 2 && regionSettings.contains(String(parts[0]))
                    && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.,%".contains($0)) }
            }
            return settings.isEmpty ? nil : "REGION\n" + settings.joined(separator: "\n")
        default:
            return nil
        }
    }

    static let regionSettings: Set<String> = ["id", "width", "lines", "regionanchor", "viewportanchor", "scroll"]
}

/// WebVTT cue settings (`vertical`, `line`, `position`, `size`, `align`, `region`); anything else is dropped.
enum CaptionCueSettings {
    static let names: Set<String> = ["vertical", "line", "position", "size", "align", "region"]

    static func clean(_ settings: String) -> String {
        settings.split(whereSeparator: \.isWhitespace).filter { setting in
            let parts = setting.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && names.contains(String(parts[0]))
                && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.,%".contains($0)) }
        }.joined(separator: " ")
    }
}
