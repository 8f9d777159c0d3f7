import AWS
import Captions
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// Issue 16: `GET /v1/courses/{course}/search` answers lectures with their matching caption moments, from the
/// course's index in S3, only to course members, and never a lecture a student may not see.
@Suite("Course search API") struct SearchAPITests {
    static func indexer(_ world: TestWorld) -> CourseSearchStore {
        CourseSearchStore(
            dynamo: world.services.store.dynamo,
            table: world.services.store.table,
            s3: world.services.s3,
            bucket: world.services.bucket
        )
    }

    static func search(
        _ client: APIClient,
        _ q: String,
        token: String,
        cursor: String? = nil
    ) async throws -> APIResponse {
        var query = ["q": q]
        if let cursor { query["cursor"] = cursor }
        return try await client.call("GET", "/v1/courses/CS101/search", token: token, query: query)
    }

    @Test(arguments: Via.allCases) func studentsFindWhatWasSaidButNotInDrafts(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101", title: "Cell biology")
        let id = fixture.record.lectureId
        try await Self.indexer(world).indexCaptionTrack(
            course: "CS101",
            lectureId: id,
            trackId: "cap_en",
            cues: [
                CaptionCue(startMilliseconds: 5_000, endMilliseconds: 8_000, text: "Welcome."),
                CaptionCue(
                    startMilliseconds: 754_250,
                    endMilliseconds: 757_000,
                    text: "<v Ana>The mitochondria make ATP."
                ),
            ]
        )
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, user: "stud-s", courses: ["CS101"])
        let outsider = try await world.token(.student, user: "stud-x", courses: ["BIO200"])
        try await world.withClient(via) { client in
            let found = try await Self.search(client, "Mitochondria", token: student).decode(SearchResultsView.self)
            #expect(found.results.map(\.lectureId) == [id])
            #expect(found.results.first?.title == "Cell biology")
            let moment = try #require(found.results.first?.moments.first)
            #expect(moment.start == 754.25 && moment.kind == "caption")
            #expect(moment.snippet.filter(\.match).map(\.text) == ["mitochondria"])

            #expect(try await Self.search(client, "mitochondria", token: outsider).status == 403)

            #expect(
                try await LectureEditTests.patch(client, id, token: professor, #"{"visibility": "draft"}"#).status
                    == 200
            )
            #expect(
                try await Self.search(client, "mitochondria", token: student).decode(SearchResultsView.self).results
                    .isEmpty
            )
            #expect(
                try await Self.search(client, "mitochondria", token: professor).decode(SearchResultsView.self).results
                    .count == 1
            )
        }
    }

    @Test func aNewIndexVersionIsSeenOnTheNextSearch() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let id = fixture.record.lectureId
        let indexer = Self.indexer(world)
        try await indexer.indexCaptionTrack(
            course: "CS101",
            lectureId: id,
            trackId: "cap_en",
            cues: [CaptionCue(startMilliseconds: 0, endMilliseconds: 1_000, text: "entropy")]
        )
        let student = try await world.token(.student, user: "stud-s", courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            #expect(
                try await Self.search(client, "entropy", token: student).decode(SearchResultsView.self).results.count
                    == 1
            )
            // The professor re-publishes the track with other words: the replica's cached copy is now stale.
            try await indexer.indexCaptionTrack(
                course: "CS101",
                lectureId: id,
                trackId: "cap_en",
                cues: [CaptionCue(startMilliseconds: 0, endMilliseconds: 1_000, text: "enthalpy")]
            )
            #expect(
                try await Self.search(client, "entropy", token: student).decode(SearchResultsView.self).results.isEmpty
            )
            #expect(
                try await Self.search(client, "enthalpy", token: student).decode(SearchResultsView.self).results.count
                    == 1
            )
        }
    }

    @Test func aCourseWithNothingIndexedAnswersNoResults() async throws {
        let world = try await TestWorld.make()
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let answer = try await Self.search(client, "anything", token: student)
            #expect(answer.status == 200)
            #expect(try answer.decode(SearchResultsView.self).results.isEmpty)
        }
    }

    @Test func whatCannotBeSearchedIsAClearProblemAndSyntaxIsText() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        try await Self.indexer(world).indexCaptionTrack(
            course: "CS101",
            lectureId: fixture.record.lectureId,
            trackId: "cap_en",
            cues: [CaptionCue(startMilliseconds: 0, endMilliseconds: 1_000, text: "near field")]
        )
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            for text in ["", "\"", "- * ^"] {
                let answer = try await Self.search(client, text, token: student)
                #expect(answer.status == 400, "\(text): \(answer.status)")
                #expect(answer.problem?.detail.contains("type a word") == true)
            }
            #expect(try await Self.search(client, String(repeating: "a", count: 201), token: student).status == 400)
            #expect(
                try await Self.search(client, "x", token: student, cursor: "garbage").problem?.detail.contains(
                    "search again"
                ) == true
            )
            for text in ["NEAR(near field)", "\"near", "near*", "-field", "field:near"] {
                let answer = try await Self.search(client, text, token: student)
                #expect(answer.status == 200, "\(text): \(answer.status)")
            }
            #expect(
                try await Self.search(client, "NEAR", token: student).decode(SearchResultsView.self).results.count == 1
            )
        }
    }

    @Test func publishingDeletingATrackAndDeletingTheLectureKeepTheIndexInStep() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let id = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        let vtt = Data("WEBVTT\n\n00:00:05.500 --> 00:00:07.000\nthe <b>boundary</b> layer\n".utf8)
        try await world.withClient(.inProcess) { client in
            let added = try await client.call(
                "POST",
                "/v1/lectures/\(id)/captions",
                token: professor,
                query: ["language": "en", "label": "English"],
                headers: ["Content-Type": "text/vtt"],
                body: vtt
            )
            #expect(added.status == 201, "\(added.text)")
            let found = try await Self.search(client, "boundary", token: professor).decode(SearchResultsView.self)
            #expect(found.results.first?.moments.map(\.start) == [5.5])

            let track =
                try #require(try JSONSerialization.jsonObject(with: added.body) as? [String: Any])["id"] as? String
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(id)/captions/\(try #require(track))", token: professor)
                    .status == 204
            )
            #expect(
                try await Self.search(client, "boundary", token: professor).decode(SearchResultsView.self).results
                    .isEmpty
            )
        }
        let indexed = try await Self.indexer(world).pointer("CS101")
        #expect(indexed?.indexVersion == 2)  // one write per change

        try await world.withClient(.inProcess) { client in
            let deleted = try await client.call("DELETE", "/v1/lectures/\(id)", token: professor)
            #expect(deleted.status == 204)
        }
        #expect(try await Self.indexer(world).pointer("CS101")?.indexVersion == 3)
    }
}
