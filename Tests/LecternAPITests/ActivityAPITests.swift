import AWS
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// Issue 19: a student's visits and watch progress through the API — always the caller's own, only on lectures they can
/// see, with the encoded duration as the truth.
@Suite("Course activity API") struct ActivityAPITests {
    struct Activity: Decodable {
        struct Progress: Decodable {
            var position: Double
            var duration: Double
            var completed: Bool
        }
        var lastVisitAt: Date?
        var previousVisitAt: Date?
        var lectures: [String: Progress]
    }

    static func report(_ client: APIClient, _ id: String, token: String, _ body: String) async throws -> APIResponse {
        try await client.call("PUT", "/v1/lectures/\(id)/progress", token: token, body: Data(body.utf8))
    }

    static func activity(_ client: APIClient, token: String, course: String = "CS101") async throws -> Activity {
        let response = try await client.call("GET", "/v1/courses/\(course)/activity", token: token)
        #expect(response.status == 200, "\(response.text)")
        return try response.decode(Activity.self)
    }

    @Test(arguments: Via.allCases) func visitsAndProgressAreTheCallersOwn(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let id = fixture.record.lectureId
        let alice = try await world.token(.student, user: "alice", courses: ["CS101"])
        let bob = try await world.token(.student, user: "bob", courses: ["CS101"])
        try await world.withClient(via) { client in
            #expect(try await Self.activity(client, token: alice).lastVisitAt == nil)
            let visit = try await client.call("POST", "/v1/courses/CS101/visits", token: alice)
            #expect(visit.status == 200, "\(visit.text)")
            let first = try visit.decode(Activity.self)
            #expect(first.lastVisitAt != nil && first.previousVisitAt == nil)
            // A reload straight away is the same visit.
            let reload = try await client.call("POST", "/v1/courses/CS101/visits", token: alice).decode(Activity.self)
            #expect(reload.lastVisitAt == first.lastVisitAt && reload.previousVisitAt == nil)

            #expect(try await Self.report(client, id, token: alice, #"{"position": 4, "duration": 10}"#).status == 204)
            let mine = try #require(try await Self.activity(client, token: alice).lectures[id])
            #expect(mine.position == 4 && mine.duration == 10 && !mine.completed)
            // Bob sees none of it, and his own report does not touch Alice's.
            let theirs = try await Self.activity(client, token: bob)
            #expect(theirs.lectures.isEmpty && theirs.lastVisitAt == nil)
            #expect(try await Self.report(client, id, token: bob, #"{"position": 9.5, "duration": 10}"#).status == 204)
            #expect(try await Self.activity(client, token: alice).lectures[id]?.position == 4)
        }
    }

    @Test func watchedSticksAndTheEncodedDurationIsTheTruth() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")  // encoded: 10 s
        let id = fixture.record.lectureId
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            // A page claiming the lecture is 1 s long cannot mark 1 s as "watched".
            let short = try await Self.report(client, id, token: student, #"{"position": 1, "duration": 1}"#)
            #expect(
                short.status == 422 && short.problem?.detail.contains("not this lecture's") == true,
                "\(short.text)"
            )
            #expect(
                try await Self.activity(client, token: student).lectures[id] == nil,
                "a refused report was recorded"
            )

            #expect(
                try await Self.report(client, id, token: student, #"{"position": 9.8, "duration": 10.2}"#).status == 204
            )
            #expect(try await Self.activity(client, token: student).lectures[id]?.completed == true)
            #expect(
                try await Self.report(client, id, token: student, #"{"position": 0, "duration": 10}"#).status == 204
            )
            let again = try #require(try await Self.activity(client, token: student).lectures[id])
            #expect(again.position == 0 && again.completed)
        }
    }

    @Test(arguments: [
        #"{"position": -1, "duration": 10}"#, #"{"position": 1, "duration": 0}"#,
        #"{"position": 30, "duration": 10}"#, #"{"position": 1, "duration": 100000}"#,
    ])
    func aBadReportIsRefusedWithAReason(body: String) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let student = try await world.token(.student, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let response = try await Self.report(client, fixture.record.lectureId, token: student, body)
            #expect(response.status == 422, "\(response.text)")
            #expect(response.problem?.detail.isEmpty == false)
            #expect(try await Self.activity(client, token: student).lectures.isEmpty)
        }
    }

    @Test func aStudentCannotRecordProgressOnALectureTheyCannotSee() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let id = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        let outsider = try await world.token(.student, user: "outsider", courses: ["CS999"])
        try await world.withClient(.inProcess) { client in
            #expect(
                try await LectureEditTests.patch(client, id, token: professor, #"{"visibility": "draft"}"#).status
                    == 200
            )
            let draft = try await Self.report(client, id, token: student, #"{"position": 9.9, "duration": 10}"#)
            #expect(draft.status == 404, "a student recorded progress on a draft: \(draft.status)")
            #expect(try await Self.activity(client, token: student).lectures.isEmpty)
            // Course staff previewing it may (harmless: their own activity).
            #expect(
                try await Self.report(client, id, token: professor, #"{"position": 1, "duration": 10}"#).status == 204
            )
            // Another course's student: 403 on the lecture and on the course's activity routes.
            #expect(
                try await Self.report(client, id, token: outsider, #"{"position": 1, "duration": 10}"#).status == 403
            )
            #expect(try await client.call("GET", "/v1/courses/CS101/activity", token: outsider).status == 403)
            #expect(try await client.call("POST", "/v1/courses/CS101/visits", token: outsider).status == 403)
            #expect(try await client.call("POST", "/v1/courses/CS101/visits").status == 401)
            #expect(try await client.call("GET", "/v1/courses/CS%23101/activity", token: student).status == 400)
        }
    }

    @Test func progressBeforeTheLectureIsReadyIsAConflict() async throws {
        let world = try await TestWorld.make()
        let professor = try await world.token(.professor, courses: ["CS101"])
        let id = ObjectKeys.newLectureID()
        let record = LectureRecord(
            lectureId: id,
            courseId: "CS101",
            ownerId: "professor-1",
            title: "Later",
            filename: "l.mov",
            contentType: "video/quicktime",
            sizeBytes: 6,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: .processing
        )
        try await world.services.store.create(record)
        try await world.withClient(.inProcess) { client in
            let response = try await Self.report(client, id, token: professor, #"{"position": 1, "duration": 10}"#)
            #expect(response.status == 409, "\(response.text)")
        }
    }
}
