/// One cue of a caption track. Times are whole milliseconds: WebVTT and SRT both write milliseconds, so a cue
/// survives parse → serialise → parse without rounding drift.
public struct CaptionCue: Sendable, Equatable {
    /// The WebVTT cue identifier, if the file gave one (SRT's running numbers are not kept).
    public var identifier: String?
    public var startMilliseconds: Int
    public var endMilliseconds: Int
    /// WebVTT cue settings (`align:start line:0` …), only the ones WebVTT defines.
    public var settings: String
    /// Sanitised cue text: only WebVTT cue markup, entities escaped (see `CueTextSanitizer`).
    public var text: String
    /// The line of the source file holding the cue's timing line, for messages.
    public var line: Int

    public init(
        identifier: String? = nil,
        startMilliseconds: Int,
        endMilliseconds: Int,
        settings: String = "",
        text: String,
        line: Int = 0
    ) {
        self.identifier = identifier
        self.startMilliseconds = startMilliseconds
        self.endMilliseconds = endMilliseconds
        self.settings = settings
        self.text = text
        self.line = line
    }
}

/// What is wrong with an uploaded file, at which line (1-based), in words a professor can act on.
public struct CaptionProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
