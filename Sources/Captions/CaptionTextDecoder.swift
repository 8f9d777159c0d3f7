import Foundation

/// The text encodings caption tools actually write. The raw value is what the API reports (`"encoding"`).
public enum CaptionTextEncoding: String, Sendable, Codable, Equatable {
    case utf8 = "utf-8"
    case utf8WithBOM = "utf-8-bom"
    case utf16LittleEndian = "utf-16le"
    case utf16BigEndian = "utf-16be"
    case windows1252 = "windows-1252"
}

/// Bytes → text. Order of the checks: a byte-order mark decides; then text that is valid UTF-8 is UTF-8 (Windows-1252
/// text with accents is almost never valid UTF-8, because its accented bytes are not followed by continuation bytes);
/// then UTF-16 without a mark, recognised by its zero bytes; everything else is read as Windows-1252, the encoding
/// Windows subtitle editors (Subtitle Workshop, Aegisub's ANSI export, old SubRip) save by default in Western Europe.
public enum CaptionTextDecoder {
    public enum Outcome: Sendable, Equatable {
        case decoded(String, CaptionTextEncoding)
        /// Not text at all (a video, an image, a zip…): what was seen, for the message.
        case binary(String)
    }

    public static func decode(_ data: Data) -> Outcome {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return checked(String(decoding: bytes.dropFirst(3), as: UTF8.self), .utf8WithBOM)
        }
        if bytes.starts(with: [0xFF, 0xFE]) { return utf16(bytes.dropFirst(2), littleEndian: true) }
        if bytes.starts(with: [0xFE, 0xFF]) { return utf16(bytes.dropFirst(2), littleEndian: false) }
        if let text = String(validating: bytes, as: UTF8.self) { return checked(text, .utf8) }
        if let littleEndian = utf16WithoutMark(bytes) { return utf16(bytes[...], littleEndian: littleEndian) }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: bytes.map(windows1252Scalar))
        return checked(String(scalars), .windows1252)
    }

    private static func utf16(_ bytes: ArraySlice<UInt8>, littleEndian: Bool) -> Outcome {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let first = UInt16(bytes[index]), second = UInt16(bytes[index + 1])
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
            index += 2
        }
        return checked(String(decoding: units, as: UTF16.self), littleEndian ? .utf16LittleEndian : .utf16BigEndian)
    }

    /// UTF-16 text without a mark has a zero byte in every other position for ASCII; nil when it does not look so.
    private static func utf16WithoutMark(_ bytes: [UInt8]) -> Bool? {
        let sample = bytes.prefix(512)
        guard sample.count >= 8, sample.count % 2 == 0 else { return nil }
        let evenZeros = stride(from: sample.startIndex, to: sample.endIndex, by: 2).filter { sample[$0] == 0 }.count
        let oddZeros = stride(from: sample.startIndex + 1, to: sample.endIndex, by: 2).filter { sample[$0] == 0 }.count
        let half = sample.count / 2
        if oddZeros * 10 >= half * 8, evenZeros * 10 < half { return true }
        if evenZeros * 10 >= half * 8, oddZeros * 10 < half { return false }
        return nil
    }

    /// Refuses text with NULs or other control characters a caption file never holds (beyond tab, LF, CR, FF).
    private static func checked(_ text: String, _ encoding: CaptionTextEncoding) -> Outcome {
        let controls = text.unicodeScalars.lazy.filter {
            $0.value < 0x20 && ![0x09, 0x0A, 0x0C, 0x0D].contains($0.value)
        }
        if let first = controls.first {
            return .binary(
                """
                it holds control character U+\(String(first.value, radix: 16, uppercase: true)) \
                (read as \(encoding.rawValue))
                """
            )
        }
        return .decoded(text, encoding)
    }

    /// Windows-1252: Latin-1 except 0x80–0x9F, which hold typographic characters (curly quotes 0x93/0x94, dashes, €).
    /// The five bytes it leaves undefined become U+FFFD.
    static func windows1252Scalar(_ byte: UInt8) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(byte) else { return Unicode.Scalar(byte) }
        let table: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
            0xFFFD, 0x017D, 0xFFFD,
            0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153,
            0xFFFD, 0x017E, 0x0178,
        ]
        return Unicode.Scalar(table[Int(byte) - 0x80]) ?? "\u{FFFD}"
    }
}
