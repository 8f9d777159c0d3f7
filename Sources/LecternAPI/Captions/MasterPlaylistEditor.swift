import LecternCore

/// Edits the worker's master playlist as the API serves it: subtitle renditions for the lecture's caption tracks
/// (RFC 8216 §4.3.4.1 `EXT-X-MEDIA:TYPE=SUBTITLES`, referenced by `SUBTITLES=` on every variant), and the variant
/// order. Players start on the first variant listed (hls.js, Safari, ExoPlayer all do before they have measured
/// bandwidth), and the worker lists its ladder bottom up, so playback began at 360p with soft slide text; the
/// 720p rung (or the tallest below it) now comes first and the rest of the ladder follows for adaptation.
enum MasterPlaylistEditor {
    static let subtitleGroup = "subs"
    static let preferredStartHeight = 720

    struct Subtitle: Sendable, Equatable {
        var name: String
        var language: String
        var isDefault: Bool
        /// The API's subtitle playlist link (grant included).
        var uri: String
    }

    static func edit(_ master: String, subtitles: [Subtitle]) -> String {
        var lines = master.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last == "" { lines.removeLast() }
        // Variants are a tag line and the URI line after it; everything else stays where it is.
        var header: [String] = []
        var variants: [(tag: String, uri: String)] = []
        var trailer: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("#EXT-X-STREAM-INF:"), index + 1 < lines.count {
                var tag = line
                if !subtitles.isEmpty, !tag.contains("SUBTITLES=") { tag += ",SUBTITLES=\"\(subtitleGroup)\"" }
                variants.append((tag, lines[index + 1]))
                index += 2
                continue
            }
            if variants.isEmpty { header.append(line) } else { trailer.append(line) }
            index += 1
        }
        if let start = startVariant(variants.map(\.tag)), start > 0 {
            variants.insert(variants.remove(at: start), at: 0)
        }
        header += subtitles.map(mediaTag)
        return (header + variants.flatMap { [$0.tag, $0.uri] } + trailer).joined(separator: "\n") + "\n"
    }

    static func mediaTag(_ subtitle: Subtitle) -> String {
        let isDefault = subtitle.isDefault ? "YES" : "NO"
        return
            """
            #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="\(subtitleGroup)",NAME="\(quoted(subtitle.name))",\
            LANGUAGE="\(quoted(subtitle.language))",DEFAULT=\(isDefault),AUTOSELECT=\(isDefault),\
            FORCED=NO,URI="\(quoted(subtitle.uri))"
            """
    }

    /// An HLS quoted-string cannot hold `"`, CR or LF (RFC 8216 §4.2), nor should it hold other controls: a label
    /// is user text, so those become a typographic quote or a space rather than ending the attribute or the line.
    static func quoted(_ text: String) -> String {
        String(
            text.unicodeScalars.map { scalar -> Character in
                if scalar == "\"" { return "\u{201D}" }
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    return " "
                }
                return Character(scalar)
            }
        )
    }

    /// The variant to start on: the one `preferredStartHeight` tall, else the tallest below it, else the shortest.
    static func startVariant(_ tags: [String]) -> Int? {
        let heights = tags.enumerated().compactMap { index, tag in height(tag).map { (index, $0) } }
        if let exact = heights.first(where: { $0.1 == preferredStartHeight }) { return exact.0 }
        if let below = heights.filter({ $0.1 < preferredStartHeight }).max(by: { $0.1 < $1.1 }) { return below.0 }
        return heights.min(by: { $0.1 < $1.1 })?.0
    }

    static func height(_ tag: String) -> Int? {
        guard let range = tag.range(of: "RESOLUTION=") else { return nil }
        let value = tag[range.upperBound...].prefix { $0.isNumber || $0 == "x" }
        guard let x = value.firstIndex(of: "x") else { return nil }
        return Int(value[value.index(after: x)...])
    }

    /// Label and language as the playlist shows them (see `quoted`).
    static func subtitles(for tracks: [CaptionTrack], uri: (CaptionTrack) -> String) -> [Subtitle] {
        tracks.map { Subtitle(name: $0.label, language: $0.language, isDefault: $0.isDefault, uri: uri($0)) }
    }
}
