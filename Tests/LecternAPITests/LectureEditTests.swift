import AWS
import Foundation
import LecternCore
import Logging
import Testing

@testable import LecternAPI

/// Issue 19: PATCH /v1/lectures/{id} changes a lecture's words and visibility, for whoever may delete it, with
/// problems that name the field, and without losing the worker's writes.
@Suite("Lecture edits") struct LectureEditTests {
    static func patch(_ client: APIClient, _ id: String, token: String, _ body: String) async throws -> APIResponse {
        try await client.call("PATCH", "/v1/lectures/\(id)", token: token, body: Data(body.utf8))
    }

    @Test(arguments: Via.allCases) func aProfessorsEditIsWhatStudentsSee(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        let id = fixture.record.lectureId
        try await world.withClient(via) { client in
            let edited = try await Self.patch(
                client,
                id,
                token: professor,
                #"""
                {"title": "  Week 1: Sets and logic  ", "description": \#
                "Slides on the course page.\nBring questions."}
                """#
            )
            #expect(edited.status == 200, "\(edited.text)")
            let view = try edited.decode(LectureView.self)
            #expect(
                view.title == "Week 1: Sets and logic"
                    && view.description == "Slides on the course page.\nBring questions."
            )
            #expect(view.visibility == "published")
            // The student's view (single and list) shows the new words; nothing was re-encoded.
            let seen = try await client.call("GET", "/v1/lectures/\(id)", token: student).decode(LectureView.self)
            #expect(
                seen.title == "Week 1: Sets and logic" && seen.description == view.description && seen.playback != nil
            )
            let page = try await client.call("GET", "/v1/courses/CS101/lectures", token: student).decode(
                LecturePage.self
            )
            #expect(page.lectures.map(\.title) == ["Week 1: Sets and logic"])
            let record = try #require(try await world.services.store.get(id))
            #expect(
                record.state == .ready && record.publishedVersion == fixture.record.publishedVersion
                    && record.jobVersion == fixture.record.jobVersion
            )
            #expect(try await world.drain().isEmpty, "an edit queued an encode")
            // null removes the description.
            let cleared = try await Self.patch(client, id, token: professor, #"{"description": null}"#).decode(
                LectureView.self
            )
            #expect(cleared.description == nil && cleared.title == "Week 1: Sets and logic")
        }
    }

    @Test(arguments: [
        (#"{"title": "   "}"#, "title"), (#"{"title": "\#(String(repeating: "x", count: 201))"}"#, "title"),
        (#"{"title": "Week\u0007 1"}"#, "title"), (#"{"title": "Week\n1"}"#, "title"),
        (#"{"description": "\#(String(repeating: "d", count: 5001))"}"#, "description"),
        (#"{"description": "bell \u0007"}"#, "description"),
        (#"{"visibility": "hidden"}"#, "visibility"), (#"{"visibility": "scheduled"}"#, "publishAt"),
        (#"{"visibility": "scheduled", "publishAt": "tomorrow"}"#, "publishAt"),
        (#"{"publishAt": "2030-01-01T00:00:00Z"}"#, "publishAt"),
        (#"{}"#, "title"),
    ])
    func badEditsAre422sThatNameTheFieldAndChangeNothing(body: String, field: String) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101", title: "Original")
        let professor = try await world.token(.professor, courses: ["CS101"])
        let before = try #require(try await world.services.store.get(fixture.record.lectureId))
        try await world.withClient(.inProcess) { client in
            let answer = try await Self.patch(client, fixture.record.lectureId, token: professor, body)
            #expect(answer.status == 422, "\(body.prefix(60)): \(answer.status) \(answer.text.prefix(300))")
            #expect(
                answer.problem?.detail.contains("'\(field)'") == true,
                "\(body.prefix(60)): \(answer.problem?.detail ?? answer.text)"
            )
        }
        let record = try #require(try await world.services.store.get(fixture.record.lectureId))
        #expect(record.title == "Original" && record.description == nil && record.visibility == nil && record == before)
    }

    @Test func descriptionsKeepLineBreaksAndTabsAndAreTrimmed() throws {
        #expect(try LectureEditRules.description("  one\n\ttwo\r\n  ") == "one\n\ttwo")
        #expect(try LectureEditRules.description("   ") == nil)
        #expect(try LectureEditRules.description(String(repeating: "é", count: 5_000))?.count == 5_000)
    }

    @Test(arguments: Via.allCases) func onlyTheCoursesProfessorsMayEdit(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101", title: "Original")
        let id = fixture.record.lectureId
        try await world.withClient(via) { client in
            let body = #"{"title": "Taken over"}"#
            let student = try await world.token(.student, courses: ["CS101"])
            let otherProfessor = try await world.token(.professor, courses: ["MA201"])
            let ops = try await world.token(.ops)
            let professor = try await world.token(.professor, courses: ["CS101"])
            #expect(try await Self.patch(client, id, token: student, body).status == 403)
            #expect(try await Self.patch(client, id, token: otherProfessor, body).status == 403)
            #expect(try await Self.patch(client, id, token: ops, body).status == 403)
            #expect(try await client.call("PATCH", "/v1/lectures/\(id)", body: Data(body.utf8)).status == 401)
            #expect(try await Self.patch(client, "lec_doesnotexist", token: professor, body).status == 404)
            #expect(
                try await client.call(
                    "PATCH",
                    "/v1/lectures/\(id)",
                    token: professor,
                    headers: ["Content-Type": "text/plain"],
                    body: Data(body.utf8)
                ).status == 415
            )
        }
        #expect(try await world.services.store.get(id)?.title == "Original")
    }

    /// No lost update: the handler reads the lecture, a worker then reports progress, then the edit is written; the
    /// edit keeps the worker's progress and the worker's next heartbeat keeps the edit. (A whole-record write of the
    /// copy the handler read would put the old progress back.)
    @Test func anEditAndTheWorkersWritesBothSurvive() async throws {
        let world = try await TestWorld.make()
        let id = try await world.uploadedLecture(complete: true)
        let store = world.services.store
        let queued = try #require(try await store.get(id))
        try await store.claim(id, version: try #require(queued.jobVersion), workerID: "w-1", leaseSeconds: 60)
        let handlers = LectureEditHandlers(
            lectures: LectureHandlers(config: world.app.config, services: world.services, logger: Logger(label: "test"))
        )
        let loaded = try await handlers.lectures.load(id)
        try await store.heartbeat(id, workerID: "w-1", leaseSeconds: 60, percent: 42, stage: "encoding")
        let request = LectureEditRequest(title: "Renamed while encoding", visibility: "draft")
        let edited = try await handlers.save(try LectureEditRules.edit(request, of: loaded), of: loaded)
        #expect(edited.title == "Renamed while encoding" && edited.progressPercent == 42)
        var record = try #require(try await store.get(id))
        #expect(record.title == "Renamed while encoding" && record.visibility == .draft)
        #expect(
            record.state == .processing && record.progressPercent == 42 && record.progressStage == "encoding"
                && record.workerId == "w-1"
        )
        try await store.heartbeat(id, workerID: "w-1", leaseSeconds: 60, percent: 60, stage: "encoding")
        record = try #require(try await store.get(id))
        #expect(record.title == "Renamed while encoding" && record.visibility == .draft && record.progressPercent == 60)
        // And through the API, the same edit answers 200 while the lecture encodes.
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let answer = try await Self.patch(client, id, token: professor, #"{"description": "Chapter 2"}"#)
            #expect(answer.status == 200, "\(answer.text)")
        }
        #expect(try await store.get(id)?.progressPercent == 60)
    }

    /// An edit racing a delete answers 404 and leaves nothing behind (an unconditional UpdateItem would create a
    /// half item with only the edited attributes, which the course index and sweeps would then trip over).
    @Test func anEditOfADeletedLectureCreatesNothing() async throws {
        let world = try await TestWorld.make()
        let store = world.services.store
        await #expect(throws: LectureStore.Conflict.self) {
            try await store.edit("lec_gone0000", LectureEdit(title: "Ghost"))
        }
        #expect(
            try await world.services.store.dynamo.getItem(table: store.table, key: ["lectureId": .s("lec_gone0000")])
                == nil
        )
    }
}
