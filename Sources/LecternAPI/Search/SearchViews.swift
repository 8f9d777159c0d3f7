import SearchIndex

/// GET /v1/courses/{course}/search: lectures with their matching moments, best lecture first.
public struct SearchResultsView: Codable, Sendable, Equatable {
    public var query: String
    public var results: [SearchLectureView]
    public var nextCursor: String?
}

public struct SearchLectureView: Codable, Sendable, Equatable {
    public var lectureId: String
    public var title: String
    public var matchCount: Int
    public var moments: [SearchMomentView]
}

public struct SearchMomentView: Codable, Sendable, Equatable {
    /// `caption` or `slide`.
    public var kind: String
    /// Seconds from the start of the lecture.
    public var start: Double
    public var end: Double
    /// The text around the match; parts with `match: true` are the matched words.
    public var snippet: [SnippetPart]

    init(_ moment: SearchMoment) {
        kind = moment.kind.rawValue
        start = moment.start
        end = moment.end
        snippet = moment.snippet
    }
}
