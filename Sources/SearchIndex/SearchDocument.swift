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
    public var start: Double
    public var end: Double
    public var text: String

    public init(lectureId: String, kind: SearchMomentKind, start: Double, end: Double, text: String) {
        self.lectureId = lectureId
        self.kind = kind
        self.start = start
        self.end = end
        self.text = text
    }
}
