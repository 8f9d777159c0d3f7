/// A piece of a snippet: text, and whether it is (part of) a match to highlight.
public struct SnippetPart: Sendable, Hashable, Codable {
    public var text: String
    public var match: Bool

    public init(text: String, match: Bool) {
        self.text = text
        self.match = match
    }
}

/// One matching moment in a lecture, with its snippet as parts so the match can be marked
/// without the client ever parsing markup.
public struct SearchMoment: Sendable, Hashable {
    public var kind: SearchMomentKind
    public var start: Double
    public var end: Double
    public var snippet: [SnippetPart]
}

/// One lecture that matched, with its best moments in time order.
public struct SearchHit: Sendable, Hashable {
    public var lectureId: String
    /// How many moments matched in all (more than `moments.count` when capped).
    public var matchCount: Int
    public var moments: [SearchMoment]
}

/// One page of hits, best lecture first; `nextCursor` is `nil` on the last page.
public struct SearchPage: Sendable, Hashable {
    public var hits: [SearchHit]
    public var nextCursor: SearchCursor?

    public init(hits: [SearchHit], nextCursor: SearchCursor?) {
        self.hits = hits
        self.nextCursor = nextCursor
    }

    public static let empty = SearchPage(hits: [], nextCursor: nil)
}
