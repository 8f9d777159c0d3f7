/// What a moment in a lecture is: something said (a caption cue) or shown (a slide's text).
public enum SearchMomentKind: String, Sendable, Hashable, Codable, CaseIterable {
    case caption
    case slide
}

/// One indexed moment of a lecture: where it is (seconds from the start) and its text.
/// Caption cues and, later, detected slides share this shape so one index serves both.
public struct SearchDocument: Sendable, Hashable {
    public var lectureId: String
    public var kind: SearchMomentKind
    /// What produced it, replaced as a whole: a caption track's id, or `slides`.
    public var source: String
    public var start: Double
    public var end: Double
    public var text: String

    public init(
        lectureId: String,
        kind: SearchMomentKind,
        source: String = "",
        start: Double,
        end: Double,
        text: String
    ) {
        self.lectureId = lectureId
        self.kind = kind
        self.source = source
        self.start = start
        self.end = end
        self.text = text
    }
}
