import Foundation

/// The `Content-Disposition` of a lecture's MP4 download (RFC 6266 with RFC 8187's `filename*`), so the browser saves
/// `<title>.mp4` instead of opening the storage URL in its bare player: across origins the `download` attribute is
/// ignored, and the presigned link asks S3 to send this header (`response-content-disposition`).
enum DownloadDisposition {
    /// File names longer than this are cut (in characters, before `.mp4`): common file systems allow 255 bytes,
    /// and a UTF-8 character takes up to four.
    static let maxNameCharacters = 60

    /// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` for `title`.
    static func attachment(title: String, fileExtension: String = "mp4") -> String {
        let name = safeName(title)
        let fallback = asciiFallback(name)
        return
            """
            attachment; filename="\(fallback).\(fileExtension)"; \
            filename*=UTF-8''\(rfc8187Encode(name + "." + fileExtension))
            """
    }

    /// The title as a file name: control characters (CR, LF, tabs…), quotes, slashes, backslashes and the
    /// characters Windows forbids become spaces, runs of spaces one, dots and spaces trimmed at both ends (a
    /// leading dot hides a file), cut to `maxNameCharacters`; "lecture" if nothing is left.
    static func safeName(_ title: String) -> String {
        let forbidden: Set<Character> = ["\"", "/", "\\", ":", "*", "?", "<", ">", "|"]
        var result = ""
        var lastWasSpace = false
        for character in title {
            let isSpace =
                character.isWhitespace || forbidden.contains(character)
                || character.unicodeScalars.contains {
                    $0.properties.generalCategory == .control || $0.properties.generalCategory == .format
                }
            if isSpace {
                if !lastWasSpace, !result.isEmpty { result.append(" ") }
                lastWasSpace = true
            } else {
                result.append(character)
                lastWasSpace = false
            }
        }
        let trimmed = String(String(result.prefix(maxNameCharacters))).trimmingCharacters(
            in: CharacterSet(charactersIn: ". ")
        )
        return trimmed.isEmpty ? "lecture" : trimmed
    }

    /// The name in printable ASCII for `filename=` (older clients): other characters become `_`, and `%` too (some
    /// browsers decode it in the quoted form).
    static func asciiFallback(_ name: String) -> String {
        String(
            name.unicodeScalars.map { scalar -> Character in
                (0x20...0x7E).contains(scalar.value) && scalar != "%" ? Character(scalar) : "_"
            }
        )
    }

    /// RFC 8187 `value-chars`: `attr-char` kept, every other UTF-8 byte `%XX`.
    static func rfc8187Encode(_ text: String) -> String {
        let attrChars = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&+-.^_`|~".utf8)
        var out = ""
        for byte in text.utf8 {
            if attrChars.contains(byte) {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
