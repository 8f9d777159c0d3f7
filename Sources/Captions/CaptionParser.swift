import Foundation

/// Uploaded bytes → a sanitised `CaptionDocument`, or every problem found (with its line) so the professor can fix
/// the file in one pass rather than one error per upload.
public enum CaptionParser {
    public enum Outcome: Sendable, Equatable {
        case parsed(CaptionDocument)
        /// The problems (in line order) and the encoding the bytes were read as, when they were text.
        case rejected([CaptionProblem], encoding: CaptionTextEncoding?)
    }

    /// - Parameter durationSeconds: the lecture's length; cues ending after it (by more than `endTolerance`) are
    ///   problems. Nil skips that check.
    public static func parse(_ data: Data, durationSeconds: Double?) -> Outcome {
        switch CaptionTextDecoder.decode(data) {
        case .binary(let why):
            return .rejected(
                [
                    CaptionProblem(
                        line: 1,
                        message: "This is not a text file, so not WebVTT or SRT: \(why). "
                            + "Export the captions from your editor as .vtt or .srt."
                    )
                ],
                encoding: nil
            )
        case .decoded(let text, let encoding):
            return parse(text: text, encoding: encoding, durationSeconds: durationSeconds)
        }
    }

    /// Caption tools round a cue's end up to their frame grid; half a second past the end is not worth an error.
    static let endToleranceMilliseconds = 500

    public static func parse(text: String, encoding: CaptionTextEncoding = .utf8, durationSeconds: Double?) -> Outcome {
        let lines = splitLines(text)
        var reader = BlockReader(
            lines: lines,
            durationMilliseconds: durationSeconds.map { Int(($0 * 1000).rounded(.up)) }
        )
        let format: CaptionDocument.Format
        let first = lines.first.map { $0.hasPrefix("\u{FEFF}") ? String($0.dropFirst()) : $0 } ?? ""
        if first == "WEBVTT" || first.hasPrefix("WEBVTT ") || first.hasPrefix("WEBVTT\t") {
            format = .webVTT
            reader.readWebVTT()
        } else if looksLikeSRT(lines) {
            format = .srt
            reader.readSRT()
        } else {
            return .rejected(
                [
                    CaptionProblem(
                        line: 1,
                        message: """
                            This is neither WebVTT nor SRT: a WebVTT file starts with the line "WEBVTT", \
                            an SRT file with a cue number and a line like "00:00:01,000 --> 00:00:04,000".
                            """
                    )
                ],
                encoding: encoding
            )
        }
        if reader.problems.isEmpty && reader.cues.isEmpty {
            reader.problems.append(CaptionProblem(line: 1, message: "The file has no cues: add at least one caption."))
        }
        guard reader.problems.isEmpty else { return .rejected(reader.problems, encoding: encoding) }
        return .parsed(
            CaptionDocument(
                sourceFormat: format,
                encoding: encoding,
                headerBlocks: reader.headerBlocks,
                cues: reader.cues
            )
        )
    }

    /// Lines without their ends: CRLF, CR and LF all end a line (WebVTT allows all three; Windows tools write CRLF).
    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" {
                if !previousWasCR {
                    lines.append(current)
                    current = ""
                }
                previousWasCR = false
            } else if scalar == "\r" {
                lines.append(current)
                current = ""
                previousWasCR = true
            } else {
                current.unicodeScalars.append(scalar)
                previousWasCR = false
            }
        }
        lines.append(current)
        return lines
    }

    /// An SRT starts (after blank lines) with a cue number followed by a timing line, or directly with a timing line.
    static func looksLikeSRT(_ lines: [String]) -> Bool {
        let content = lines.lazy.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(2)
        guard let first = content.first else { return false }
        if first.contains("-->") { return true }
        return first.allSatisfy { $0.isASCII && $0.isNumber } && content.dropFirst().first?.contains("-->") == true
    }
}

/// Walks the lines block by block (blocks are separated by blank lines), collecting cues and problems.
struct BlockReader {
    let lines: [String]
    let durationMilliseconds: Int?
    var index = 0
    var cues: [CaptionCue] = []
    var headerBlocks: [String] = []
    var problems: [CaptionProblem] = []

    init(lines: [String], durationMilliseconds: Int?) {
        self.lines = lines
        self.durationMilliseconds = durationMilliseconds
    }

    static func isBlank(_ line: String) -> Bool { line.allSatisfy(\.isWhitespace) }

    /// The next block's lines (index of its first line), skipping blank lines first; nil at the end.
    mutating func nextBlock() -> (start: Int, lines: [String])? {
        while index < lines.count, Self.isBlank(lines[index]) { index += 1 }
        guard index < lines.count else { return nil }
        let start = index
        while index < lines.count, !Self.isBlank(lines[index]) { index += 1 }
        return (start, Array(lines[start..<index]))
    }

    mutating func problem(_ lineIndex: Int, _ message: String) {
        problems.append(CaptionProblem(line: lineIndex + 1, message: message))
    }

    // MARK: WebVTT

    mutating func readWebVTT() {
        // The header block: "WEBVTT" and anything up to the first blank line (old files put X-TIMESTAMP-MAP there).
        _ = nextBlock()
        while let block = nextBlock() {
            let first = block.lines[0]
            if first == "NOTE" || first.hasPrefix("NOTE ") || first.hasPrefix("NOTE\t") { continue }
            if first.trimmingCharacters(in: .whitespaces) == "STYLE"
                || first.trimmingCharacters(in: .whitespaces) == "REGION"
            {
                if cues.isEmpty {
                    if let kept = CaptionHeaderBlock.clean(block.lines) { headerBlocks.append(kept) }
                } else {
                    problem(
                        block.start,
                        """
                        A \(first.trimmingCharacters(in: .whitespaces)) \
                        block must come before the first cue: move it up.
                        """
                    )
                }
                continue
            }
            let timingOffset = first.contains("-->") ? 0 : 1
            guard block.lines.count > timingOffset, block.lines[timingOffset].contains("-->") else {
                problem(
                    block.start,
                    "Expected a cue timing line like \"00:00:01.000 --> 00:00:04.000\" here"
                        + (timingOffset == 1 ? " or on the next line." : ".")
                )
                continue
            }
            let identifier = timingOffset == 1 ? first.trimmingCharacters(in: .whitespaces) : nil
            readCue(
                lineIndex: block.start + timingOffset,
                timing: block.lines[timingOffset],
                text: Array(block.lines.dropFirst(timingOffset + 1)),
                identifier: identifier,
                lenient: false
            )
        }
    }

    // MARK: SRT

    mutating func readSRT() {
        while let block = nextBlock() {
            var offset = 0
            let first = block.lines[0].trimmingCharacters(in: .whitespaces)
            if !first.contains("-->") {
                guard first.allSatisfy({ $0.isASCII && $0.isNumber }), block.lines.count > 1,
                    block.lines[1].contains("-->")
                else {
                    problem(
                        block.start,
                        "Expected a cue number and then a timing line like \"00:00:01,000 --> 00:00:04,000\". "
                            + "If this is caption text, remove the blank line above it."
                    )
                    continue
                }
                offset = 1
            }
            let text = block.lines.dropFirst(offset + 1).map { CueTextSanitizer.strippingOverrideCodes($0) }
            readCue(
                lineIndex: block.start + offset,
                timing: block.lines[offset],
                text: text,
                identifier: nil,
                lenient: true
            )
        }
    }

    // MARK: Cues

    mutating func readCue(lineIndex: Int, timing: String, text: [String], identifier: String?, lenient: Bool) {
        let parts = timing.components(separatedBy: "-->")
        let startText = parts[0].trimmingCharacters(in: .whitespaces)
        let afterArrow = parts.dropFirst().joined(separator: "-->").trimmingCharacters(in: .whitespaces)
        let endText = afterArrow.prefix { !$0.isWhitespace }
        let settings = afterArrow.dropFirst(endText.count)
        let example = lenient ? "00:01:02,500" : "00:01:02.500"
        guard let start = CaptionTimestamp.parse(Substring(startText), lenient: lenient) else {
            return problem(
                lineIndex,
                """
                The start time "\(startText)" is not a timestamp: write \
                hours:minutes:seconds\(lenient ? "," : ".")milliseconds, e.g. \(example).
                """
            )
        }
        guard let end = CaptionTimestamp.parse(endText, lenient: lenient) else {
            return problem(
                lineIndex,
                """
                The end time "\(endText)" is not a timestamp: write \
                hours:minutes:seconds\(lenient ? "," : ".")milliseconds, e.g. \(example).
                """
            )
        }
        guard end > start else {
            return problem(
                lineIndex,
                "This cue ends (\(CaptionTimestamp.format(end))) before it starts (\(CaptionTimestamp.format(start)))."
            )
        }
        if let duration = durationMilliseconds, end > duration + CaptionParser.endToleranceMilliseconds {
            return problem(
                lineIndex,
                """
                This cue ends at \(CaptionTimestamp.format(end)), \
                after the lecture's end at \(CaptionTimestamp.format(duration)). \
                Check that the file belongs to this lecture, or shorten the cue.
                """
            )
        }
        // Sanitised as a whole (a `<script>` may span lines); lines left empty are dropped, since a blank line
        // would end the cue in the WebVTT we write.
        let visible = CueTextSanitizer.sanitize(text.joined(separator: "\n")).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "\n")
        guard !Self.stripTags(visible).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return problem(lineIndex, "This cue has no text: add the caption or delete the cue.")
        }
        cues.append(
            CaptionCue(
                identifier: identifier.flatMap(Self.cleanIdentifier),
                startMilliseconds: start,
                endMilliseconds: end,
                settings: lenient ? "" : CaptionCueSettings.clean(String(settings)),
                text: visible,
                line: lineIndex + 1
            )
        )
    }

    /// Text a viewer would see (markup removed), for the empty-cue check.
    static func stripTags(_ text: String) -> String {
        var output = ""
        var inTag = false
        for character in text {
            if character == "<" {
                inTag = true
            } else if character == ">" {
                inTag = false
            } else if !inTag {
                output.append(character)
            }
        }
        return output
    }

    /// A cue identifier is one line of text without "-->"; anything else is dropped.
    static func cleanIdentifier(_ identifier: String) -> String? {
        guard !identifier.isEmpty, !identifier.contains("-->"), identifier.count <= 200 else { return nil }
        return identifier
    }
}
