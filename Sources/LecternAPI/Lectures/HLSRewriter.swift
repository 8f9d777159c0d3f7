import Foundation

/// Rewrites HLS playlists so a private bucket can serve them: the master's variant and rendition links lead back to
/// the API (media playlists must be rewritten too), and every link in a media playlist (segments, `EXT-X-MAP`
/// init segments, keys, parts) becomes a presigned S3 URL.
enum HLSRewriter {
    /// A playlist path relative to the published prefix ("video/720p/playlist.m3u8") as one URL path segment
    /// ("video~720p~playlist") and back. `~` never occurs in the worker's names; `..` and empty parts are refused.
    static func renditionID(forPlaylist path: String) -> String? {
        guard path.hasSuffix(".m3u8"), isSafeRelativePath(path) else { return nil }
        return path.dropLast(".m3u8".count).replacingOccurrences(of: "/", with: "~")
    }

    static func playlistPath(forRendition id: String) -> String? {
        let path = id.replacingOccurrences(of: "~", with: "/") + ".m3u8"
        return isSafeRelativePath(path) ? path : nil
    }

    static func isSafeRelativePath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.hasPrefix("/") && !parts.contains { $0.isEmpty || $0 == "." || $0 == ".." }
            && path.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
    }

    /// Whether a URI is absolute (left alone) rather than relative to the playlist.
    static func isAbsolute(_ uri: String) -> Bool {
        uri.contains("://") || uri.hasPrefix("/") || uri.hasPrefix("data:")
    }

    /// Applies `transform` to every URI in the playlist: URI lines and `URI="…"` attributes of tags.
    /// `transform` answers nil to leave a URI as it is.
    static func rewrite(_ text: String, transform: (String) async throws -> String?) async throws -> String {
        var output: [String] = []
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = String(rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                output.append(line)
            } else if line.hasPrefix("#") {
                output.append(try await rewriteAttributes(line, transform: transform))
            } else {
                output.append(try await transform(line) ?? line)
            }
        }
        while output.last == "" { output.removeLast() }
        return output.joined(separator: "\n") + "\n"
    }

    private static func rewriteAttributes(
        _ line: String,
        transform: (String) async throws -> String?
    ) async throws -> String {
        guard line.hasPrefix("#EXT"), line.contains("URI=\"") else { return line }
        var result = ""
        var rest = Substring(line)
        while let start = rest.range(of: "URI=\"") {
            result += rest[..<start.upperBound]
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            let uri = String(rest[..<end])
            result += try await transform(uri) ?? uri
            rest = rest[end...]
        }
        return result + rest
    }

    /// `directory` + relative `uri`, normalised; nil if it would leave the published prefix.
    static func resolve(_ uri: String, inDirectory directory: String) -> String? {
        let withoutFragment =
            uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let withoutQuery =
            withoutFragment.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
            ?? uri
        var parts = directory.split(separator: "/").map(String.init)
        for part in withoutQuery.split(separator: "/", omittingEmptySubsequences: false) {
            switch part {
            case "", ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
