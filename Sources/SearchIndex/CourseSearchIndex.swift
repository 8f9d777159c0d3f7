import Foundation

/// The full-text index of one course: every lecture's moments in an SQLite FTS5 table, in one
/// file that is stored whole in S3 and cached by API replicas.
///
/// Tokenizer `unicode61 remove_diacritics 2`: case- and accent-insensitive ("cafe" finds
/// "café", "photosynthese" finds "Photosynthèse") for Latin scripts; other scripts are split
/// on Unicode word boundaries. Not `Sendable`: one owner at a time (see `SQLiteDatabase`).
public final class CourseSearchIndex {
    /// Bumped when the table layout changes; an index of another version is rebuilt, not read.
    public static let schemaVersion = 1

    private let database: SQLiteDatabase

    /// Opens the index file at `path`, creating an empty index if the file is new.
    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.execute(
            """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '\(Self.schemaVersion)');
            CREATE VIRTUAL TABLE IF NOT EXISTS moments USING fts5(
                text, lecture UNINDEXED, kind UNINDEXED, source UNINDEXED, start UNINDEXED, stop UNINDEXED,
                tokenize = 'unicode61 remove_diacritics 2'
            );
            """
        )
        let schema = try database.prepare("SELECT value FROM meta WHERE key = 'schema'")
        try schema.bind([])
        guard try schema.step(), schema.text(0) == String(Self.schemaVersion) else {
            throw SQLiteError(
                code: 0,
                message: "index schema is not version \(Self.schemaVersion)",
                context: "opening \(path)"
            )
        }
    }

    /// Replaces everything indexed for `lectureId` with `documents`, in one transaction.
    /// Documents of other lectures in `documents` are a programming error and are skipped.
    public func replaceLecture(_ lectureId: String, with documents: [SearchDocument]) throws {
        try database.transaction {
            try database.prepare("DELETE FROM moments WHERE lecture = ?1").run([.text(lectureId)])
            try insert(documents.filter { $0.lectureId == lectureId })
        }
    }

    /// Replaces what one source of a lecture contributed (a caption track re-published or deleted, slides
    /// re-detected), keeping the rest of the lecture.
    public func replaceSource(_ source: String, lectureId: String, with documents: [SearchDocument]) throws {
        try database.transaction {
            try database.prepare("DELETE FROM moments WHERE lecture = ?1 AND source = ?2").run([
                .text(lectureId), .text(source),
            ])
            try insert(documents.filter { $0.lectureId == lectureId && $0.source == source })
        }
    }

    private func insert(_ documents: [SearchDocument]) throws {
        let insert = try database.prepare(
            "INSERT INTO moments(text, lecture, kind, source, start, stop) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        )
        for document in documents {
            let text = Self.indexable(document.text)
            guard !text.isEmpty else { continue }
            try insert.run([
                .text(text), .text(document.lectureId), .text(document.kind.rawValue), .text(document.source),
                .double(document.start), .double(document.end),
            ])
        }
    }

    /// Removes everything indexed for `lectureId` (the lecture was deleted).
    public func removeLecture(_ lectureId: String) throws {
        try database.prepare("DELETE FROM moments WHERE lecture = ?1").run([.text(lectureId)])
    }

    /// The lectures that have at least one moment indexed, sorted.
    public func lectureIds() throws -> [String] {
        let statement = try database.prepare("SELECT DISTINCT lecture FROM moments ORDER BY lecture")
        try statement.bind([])
        var ids: [String] = []
        while try statement.step() { ids.append(statement.text(0)) }
        return ids
    }

    /// Searches the course.
    /// - Parameters:
    ///   - visibleLectures: when given, only these lectures can match (a student's view: ready,
    ///     published lectures). `nil` searches all (staff).
    ///   - pageSize: lectures per page.
    ///   - momentsPerLecture: best moments shown per lecture, then sorted by time.
    public func search(
        _ query: SearchQuery,
        visibleLectures: Set<String>? = nil,
        pageSize: Int = 10,
        momentsPerLecture: Int = 5,
        cursor: SearchCursor? = nil
    ) throws -> SearchPage {
        let pageSize = max(1, min(pageSize, 50))
        let offset = cursor?.offset ?? 0
        let visible: SQLiteStatement.Value
        if let visibleLectures {
            let json = try JSONEncoder().encode(visibleLectures.sorted())
            visible = .text(String(decoding: json, as: UTF8.self))
        } else {
            visible = .null
        }
        // bm25() is lower-is-better. A lecture ranks by its best moment; ties by id so pages are
        // stable. MATERIALIZED keeps SQLite from flattening the FTS query into the GROUP BY,
        // where bm25()/snippet() cannot run. One row more than a page tells us if another follows.
        let statement = try database.prepare(
            """
            WITH matched AS MATERIALIZED (
                SELECT lecture, kind, start, stop, bm25(moments) AS score,
                       snippet(moments, 0, char(2), char(3), '…', 16) AS snip
                FROM moments
                WHERE moments MATCH ?1
                  AND (?2 IS NULL OR lecture IN (SELECT value FROM json_each(?2)))
            ),
            ranked AS (
                SELECT lecture, MIN(score) AS best, COUNT(*) AS total
                FROM matched GROUP BY lecture
                ORDER BY best, lecture LIMIT ?3 OFFSET ?4
            ),
            numbered AS (
                SELECT m.*, r.best, r.total,
                       ROW_NUMBER() OVER (PARTITION BY m.lecture ORDER BY m.score, m.start) AS n
                FROM matched m JOIN ranked r USING (lecture)
            )
            SELECT lecture, total, kind, start, stop, snip FROM numbered
            WHERE n <= ?5
            ORDER BY best, lecture, start
            """
        )
        try statement.bind([
            .text(query.matchExpression), visible, .integer(Int64(pageSize + 1)), .integer(Int64(offset)),
            .integer(Int64(max(1, momentsPerLecture))),
        ])
        var hits: [SearchHit] = []
        while try statement.step() {
            let lectureId = statement.text(0)
            let moment = SearchMoment(
                kind: SearchMomentKind(rawValue: statement.text(2)) ?? .caption,
                start: statement.double(3),
                end: statement.double(4),
                snippet: Self.parts(of: statement.text(5))
            )
            if hits.last?.lectureId == lectureId {
                hits[hits.count - 1].moments.append(moment)
            } else {
                hits.append(SearchHit(lectureId: lectureId, matchCount: Int(statement.integer(1)), moments: [moment]))
            }
        }
        let more = hits.count > pageSize
        return SearchPage(
            hits: Array(hits.prefix(pageSize)),
            nextCursor: more ? SearchCursor(offset: offset + pageSize) : nil
        )
    }

    /// Text as stored: the snippet markers (STX/ETX) and other control characters become spaces,
    /// so a marker in a snippet always came from SQLite.
    static func indexable(_ text: String) -> String {
        let scalars = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }
        return String(scalars).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Splits an FTS5 snippet marked with STX…ETX into parts.
    static func parts(of snippet: String) -> [SnippetPart] {
        var parts: [SnippetPart] = []
        var current = ""
        var inMatch = false
        func flush() {
            if !current.isEmpty { parts.append(SnippetPart(text: current, match: inMatch)) }
            current = ""
        }
        for character in snippet {
            switch character {
            case "\u{02}":
                flush()
                inMatch = true
            case "\u{03}":
                flush()
                inMatch = false
            default: current.append(character)
            }
        }
        flush()
        return parts
    }
}
