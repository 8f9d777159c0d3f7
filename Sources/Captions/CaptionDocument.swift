/// A parsed, validated and sanitised caption track, ready to be written as WebVTT.
public struct CaptionDocument: Sendable, Equatable {
    public enum Format: String, Sendable, Codable {
        case webVTT = "webvtt"
        case srt
    }

    /// What the uploaded file was (an SRT becomes WebVTT when serialised).
    public var sourceFormat: Format
    /// How the uploaded bytes were encoded (see `CaptionTextDecoder`).
    public var encoding: CaptionTextEncoding
    /// WebVTT `STYLE` and `REGION` blocks, in file order, each without its trailing blank line.
    public var headerBlocks: [String]
    public var cues: [CaptionCue]

    public init(
        sourceFormat: Format = .webVTT,
        encoding: CaptionTextEncoding = .utf8,
        headerBlocks: [String] = [],
        cues: [CaptionCue]
    ) {
        self.sourceFormat = sourceFormat
        self.encoding = encoding
        self.headerBlocks = headerBlocks
        self.cues = cues
    }

    /// The whole track as a WebVTT file (UTF-8, LF line ends).
    public func webVTT() -> String {
        var text = "WEBVTT\n\n"
        for block in headerBlocks { text += block + "\n\n" }
        for cue in cues { text += Self.block(for: cue) }
        return text
    }

    /// One cue as a WebVTT block, ending with its blank line.
    static func block(for cue: CaptionCue) -> String {
        var text = ""
        if let identifier = cue.identifier, !identifier.isEmpty { text += identifier + "\n" }
        text += CaptionTimestamp.format(cue.startMilliseconds) + " --> " + CaptionTimestamp.format(cue.endMilliseconds)
        if !cue.settings.isEmpty { text += " " + cue.settings }
        return text + "\n" + cue.text + "\n\n"
    }
}

/// WebVTT and SRT timestamps.
public enum CaptionTimestamp {
    /// `hh:mm:ss.mmm`, hours always written (WebVTT allows more than two digits of hours).
    public static func format(_ milliseconds: Int) -> String {
        let value = max(0, milliseconds)
        let hours = value / 3_600_000, minutes = value / 60_000 % 60, seconds = value / 1000 % 60, millis = value % 1000
        return pad(hours, 2) + ":" + pad(minutes, 2) + ":" + pad(seconds, 2) + "." + pad(millis, 3)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// WebVTT's `[hh:]mm:ss.ttt` (hours any number of digits ≥ 2 when present). SRT (`lenient`) also takes one-digit
    /// hours, a comma or a dot before the fraction, and one to three fraction digits, as real tools write them.
    public static func parse(_ text: Substring, lenient: Bool) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        let last = parts[parts.count - 1]
        guard let separator = last.firstIndex(where: { $0 == "." || (lenient && $0 == ",") }) else { return nil }
        let secondsText = last[..<separator], fractionText = last[last.index(after: separator)...]
        guard isDigits(secondsText), secondsText.count == 2, isDigits(fractionText),
            lenient ? (1...3).contains(fractionText.count) : fractionText.count == 3,
            let seconds = Int(secondsText), seconds < 60,
            let fraction = Int(fractionText)
        else { return nil }
        let millis = fraction * [1, 100, 10, 1][fractionText.count]
        let minutesText = parts[parts.count - 2]
        guard isDigits(minutesText), minutesText.count == 2, let minutes = Int(minutesText), minutes < 60 else {
            return nil
        }
        var hours = 0
        if parts.count == 3 {
            let hoursText = parts[0]
            guard isDigits(hoursText), hoursText.count >= (lenient ? 1 : 2), hoursText.count <= 6,
                let value = Int(hoursText)
            else { return nil }
            hours = value
        }
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
    }

    private static func isDigits(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
