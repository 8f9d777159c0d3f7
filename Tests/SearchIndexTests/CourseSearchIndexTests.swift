import Foundation
import Testing

@testable import SearchIndex

/// A fresh index file in its own temporary directory, removed by `cleanUp()`.
private struct TemporaryIndex {
    let directory: URL
    let index: CourseSearchIndex
    var path: String { directory.appendingPathComponent("index.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("search-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        index = try CourseSearchIndex(path: directory.appendingPathComponent("index.sqlite").path)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }
}

/// Generated caption cues: `lines` in order, 4 s each.
private func cues(
    _ lectureId: String,
    _ lines: [String],
    kind: SearchMomentKind = .caption,
    source: String = "en"
) -> [SearchDocument] {
    lines.enumerated().map { offset, line in
        SearchDocument(
            lectureId: lectureId,
            kind: kind,
            source: source,
            start: Double(offset) * 4,
            end: Double(offset) * 4 + 4,
            text: line
        )
    }
}

private func search(_ index: CourseSearchIndex, _ text: String, visible: Set<String>? = nil) throws -> SearchPage {
    let query = try #require(SearchQuery(text))
    return try index.search(query, visibleLectures: visible)
}

@Suite("CourseSearchIndex")
struct CourseSearchIndexTests {
    @Test("lectures rank by their best moment; moments come grouped per lecture in time order")
    func rankingAndGrouping() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        // Given one lecture that dwells on mitochondria and one that mentions it once among much else
        try fixture.index.replaceLecture(
            "L-dwell",
            with: cues(
                "L-dwell",
                [
                    "Today: the mitochondria.", "Mitochondria make ATP.", "The weather is fine.",
                    "Mitochondria, again mitochondria.",
                ]
            )
        )
        try fixture.index.replaceLecture(
            "L-passing",
            with: cues(
                "L-passing",
                [
                    """
                    We will cover cells, membranes, ribosomes, the nucleus, \
                    and in passing the mitochondria, though mostly transport.
                    """,
                    "Nothing relevant here.",
                ]
            )
        )
        try fixture.index.replaceLecture("L-none", with: cues("L-none", ["Plate tectonics."]))

        // When searching for it
        let page = try search(fixture.index, "mitochondria")

        // Then the dwelling lecture comes first, the unrelated one not at all
        #expect(page.hits.map(\.lectureId) == ["L-dwell", "L-passing"])
        let dwell = try #require(page.hits.first)
        #expect(dwell.matchCount == 3)
        #expect(dwell.moments.map(\.start) == [0, 4, 12])
        #expect(dwell.moments.allSatisfy { $0.kind == .caption })
        #expect(page.nextCursor == nil)
    }

    @Test("the snippet marks the matched words and only those")
    func snippetMarksMatch() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture("L1", with: cues("L1", ["The Krebs cycle happens in the matrix."]))

        let moment = try #require(try search(fixture.index, "krebs").hits.first?.moments.first)

        #expect(moment.snippet.filter(\.match).map(\.text) == ["Krebs"])
        #expect(moment.snippet.map(\.text).joined() == "The Krebs cycle happens in the matrix.")
    }

    @Test("accents and case do not matter, in either direction")
    func diacriticsAndCase() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture(
            "L-fr",
            with: cues("L-fr", ["La photosynthèse au café", "Überblick über Säuren"])
        )
        try fixture.index.replaceLecture("L-plain", with: cues("L-plain", ["naive cafe owners"]))

        #expect(try search(fixture.index, "PHOTOSYNTHESE").hits.map(\.lectureId) == ["L-fr"])
        #expect(try search(fixture.index, "ueberblick").hits.isEmpty)  // unicode61 folds, it does not transliterate
        #expect(try search(fixture.index, "uberblick sauren").hits.map(\.lectureId) == ["L-fr"])
        #expect(try search(fixture.index, "café").hits.map(\.lectureId).sorted() == ["L-fr", "L-plain"])
        #expect(try search(fixture.index, "naïve").hits.map(\.lectureId) == ["L-plain"])
    }

    @Test("replacing a lecture drops its old moments; removing it drops all; others stay")
    func replaceAndRemove() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture("L1", with: cues("L1", ["first draft says entropy"]))
        try fixture.index.replaceLecture("L2", with: cues("L2", ["entropy in the other lecture"]))

        try fixture.index.replaceLecture("L1", with: cues("L1", ["corrected text says enthalpy"]))
        #expect(try search(fixture.index, "entropy").hits.map(\.lectureId) == ["L2"])
        #expect(try search(fixture.index, "enthalpy").hits.map(\.lectureId) == ["L1"])

        try fixture.index.removeLecture("L1")
        #expect(try search(fixture.index, "enthalpy").hits.isEmpty)
        #expect(try fixture.index.lectureIds() == ["L2"])
    }

    @Test("re-publishing one caption track keeps the lecture's other tracks and slide text")
    func replaceOneSource() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture(
            "L1",
            with: cues("L1", ["spoken osmosis"], source: "en")
                + cues("L1", ["Slide: Osmosis diagram"], kind: .slide, source: "slides")
                + cues("L1", ["osmose en français"], source: "fr")
        )

        try fixture.index.replaceSource("en", lectureId: "L1", with: cues("L1", ["spoken diffusion"], source: "en"))
        try fixture.index.replaceSource("fr", lectureId: "L1", with: [])

        let kinds = try search(fixture.index, "osmosis").hits.first?.moments.map(\.kind)
        #expect(kinds == [.slide])
        #expect(try search(fixture.index, "diffusion").hits.first?.moments.map(\.kind) == [.caption])
    }

    @Test("a student's search only reaches the lectures they may see")
    func visibilityFilter() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture("L-published", with: cues("L-published", ["glycolysis overview"]))
        try fixture.index.replaceLecture("L-draft", with: cues("L-draft", ["glycolysis draft"]))

        #expect(
            try search(fixture.index, "glycolysis", visible: ["L-published"]).hits.map(\.lectureId) == ["L-published"]
        )
        #expect(try search(fixture.index, "glycolysis", visible: []).hits.isEmpty)
        #expect(try search(fixture.index, "glycolysis").hits.count == 2)
    }

    @Test("pages cover every matching lecture once, then end")
    func pagination() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        let ids = (0..<25).map { String(format: "L%02d", $0) }
        for (n, id) in ids.enumerated() {
            // n mentions of the term, so ranks differ and ties are broken by id
            try fixture.index.replaceLecture(
                id,
                with: cues(id, Array(repeating: "vector calculus", count: n % 4 + 1) + ["filler"])
            )
        }
        let query = try #require(SearchQuery("vector"))
        var seen: [String] = []
        var cursor: SearchCursor?
        var pages = 0
        repeat {
            let page = try fixture.index.search(query, pageSize: 10, cursor: cursor)
            seen += page.hits.map(\.lectureId)
            cursor = page.nextCursor.flatMap { SearchCursor(token: $0.token) }  // through its wire form
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(seen.count == 25)
        #expect(Set(seen) == Set(ids))
    }

    @Test(
        "a cursor the index did not make is refused",
        arguments: ["", "abc", "czEuMA", "czEuLTE", "eDEuMTA", String(repeating: "A", count: 80)]
    )
    func foreignCursor(token: String) {
        #expect(SearchCursor(token: token) == nil)
    }

    @Test(
        "whatever a student types, the search answers (FTS5 syntax is plain text)",
        arguments: [
            "\"", "\"\"\"", "*", "mito*", "NEAR", "NEAR(a b)", "-mitochondria", "a AND", "OR", "NOT x", "text:mito",
            "^mito",
            "(", ")", "{a b}", "a + b", "\u{0}", "'; DROP TABLE moments; --", "\u{2}mito\u{3}", "mitochondria\"",
            "émoji 🧬",
        ]
    )
    func hostileQueries(text: String) throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture("L1", with: cues("L1", ["near the mitochondria and the text of the lecture"]))

        guard let query = SearchQuery(text) else { return }  // nothing searchable: the API answers an empty page
        let page = try fixture.index.search(query)
        #expect(page.hits.count <= 1)
        #expect(try fixture.index.lectureIds() == ["L1"])
    }

    @Test("operator words are searched as words")
    func operatorWordsAreWords() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture("L1", with: cues("L1", ["near and far"]))
        try fixture.index.replaceLecture("L2", with: cues("L2", ["far away"]))

        #expect(try search(fixture.index, "NEAR").hits.map(\.lectureId) == ["L1"])
        // "-near" is the word near, not NOT.
        #expect(try search(fixture.index, "far -near").hits.map(\.lectureId) == ["L1"])
    }

    @Test("the index survives closing and reopening its file (it travels to S3 as that file)")
    func persists() throws {
        let fixture = try TemporaryIndex()
        defer { fixture.cleanUp() }
        try fixture.index.replaceLecture("L1", with: cues("L1", ["thermodynamics"]))

        let reopened = try CourseSearchIndex(path: fixture.path)
        #expect(try search(reopened, "thermodynamics").hits.map(\.lectureId) == ["L1"])
    }
}

@Suite("SearchQuery")
struct SearchQueryTests {
    @Test("words become quoted terms ANDed, quotes doubled, duplicates and punctuation-only words dropped")
    func quoting() throws {
        let query = try #require(SearchQuery("say \"hi\" -- \"HI\" *"))
        #expect(query.terms == ["say", "\"hi\""])
        #expect(query.matchExpression == #""say" AND """hi""""#)
    }

    @Test("nothing searchable gives no query", arguments: ["", "   ", "- * \"", "\u{0}"])
    func empty(text: String) {
        #expect(SearchQuery(text) == nil)
    }

    @Test("a pasted paragraph is cut to the first terms")
    func bounded() throws {
        let query = try #require(SearchQuery((0..<100).map { "word\($0)" }.joined(separator: " ")))
        #expect(query.terms.count == SearchQuery.maximumTerms)
    }
}
