import AWS
import Foundation
import LecternCore
import SearchIndex

/// `GET /v1/courses/{course}/search?q=&cursor=`: access as for the course's lecture list.
struct SearchHandlers: Sendable {
    let store: LectureStore
    let cache: SearchIndexCache

    /// One cache per application (per replica), in its own temporary directory.
    init(services: APIServices) {
        store = services.store
        let indexes = CourseSearchStore(
            dynamo: services.store.dynamo,
            table: services.store.table,
            s3: services.s3,
            bucket: services.bucket
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lectern-search-\(UUID().uuidString)"
        )
        cache = SearchIndexCache(store: indexes, directory: directory)
    }

    static let queryLimit = 200
    /// Lectures read to decide visibility and titles; a course holds far fewer.
    static let lectureLimit = 5_000

    func search(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let course = context.parameter("course")
        guard LectureHandlers.isCourseName(course) else {
            throw APIProblem.badRequest("a course name is 1…64 letters, digits, '-', '_' or '.'")
        }
        try LectureAccess.requireList(course: course, by: caller)
        let text = context.request.query["q"] ?? ""
        guard text.count <= Self.queryLimit else {
            throw APIProblem.badRequest("a search is at most \(Self.queryLimit) characters; shorten it")
        }
        let cursor = try context.request.query["cursor"].map { token throws(APIProblem) in
            guard let cursor = SearchCursor(token: token) else {
                throw APIProblem.badRequest("this results link has expired or is damaged; search again")
            }
            return cursor
        }
        guard let query = SearchQuery(text) else {
            throw APIProblem.badRequest("type a word to search for (letters or digits)")
        }
        // Visibility is decided now, against the lecture list, for everyone: students see ready lectures visible
        // to them; staff see ready lectures. A lecture deleted but still in an index version is never answered.
        let now = Date()
        var titles: [String: String] = [:]
        var startAfter: DynamoDBItem?
        repeat {
            let page = try await store.list(course: course, limit: 100, startAfter: startAfter)
            for record in page.records where record.state == .ready {
                if caller.role == .student, !record.isVisibleToStudents(at: now) { continue }
                titles[record.lectureId] = record.title
            }
            startAfter = page.next
        } while startAfter != nil && titles.count < Self.lectureLimit
        let page = try await cache.search(
            course: course,
            query: query,
            visibleLectures: Set(titles.keys),
            cursor: cursor
        )
        let results = page.hits.map { hit in
            SearchLectureView(
                lectureId: hit.lectureId,
                title: titles[hit.lectureId] ?? hit.lectureId,
                matchCount: hit.matchCount,
                moments: hit.moments.map(SearchMomentView.init)
            )
        }
        return .json(SearchResultsView(query: text, results: results, nextCursor: page.nextCursor?.token))
    }
}
