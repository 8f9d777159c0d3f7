import AWS
import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// Issue 19: students never see drafts, nor scheduled lectures before their time — not in the list, not by direct
/// link (404, never 403), not through the playback routes, not with a grant minted while the lecture was published.
@Suite("Lecture visibility") struct VisibilityTests {
    /// Every student-facing route of a ready lecture, each answer's status.
    static func studentStatuses(_ client: APIClient, _ id: String, token: String) async throws -> [String: Int] {
        var statuses: [String: Int] = [:]
        for path in [
            "/v1/lectures/\(id)", "/v1/lectures/\(id)/hls/master.m3u8",
            "/v1/lectures/\(id)/hls/video~720p~playlist.m3u8",
            "/v1/lectures/\(id)/storyboard.vtt",
        ] {
            statuses[path] = try await client.call("GET", path, token: token).status
        }
        return statuses
    }

    static func listed(_ client: APIClient, token: String) async throws -> [String] {
        try await client.call("GET", "/v1/courses/CS101/lectures", token: token).decode(LecturePage.self).lectures.map(
            \.id
        )
    }

    @Test(arguments: Via.allCases) func aDraftIsInvisibleToStudentsOnEveryRoute(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let id = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, user: "stud-v", courses: ["CS101"])
        try await world.withClient(via) { client in
            // Published: the student sees it everywhere, and keeps a playback grant from that time.
            #expect(try await Self.studentStatuses(client, id, token: student).values.allSatisfy { $0 == 200 })
            #expect(try await Self.listed(client, token: student) == [id])
            let view = try await client.call("GET", "/v1/lectures/\(id)", token: student).decode(LectureView.self)
            let grantLink = try PlaybackGrantTests.split(try #require(view.playback?.hls))

            #expect(
                try await LectureEditTests.patch(client, id, token: professor, #"{"visibility": "draft"}"#).status
                    == 200
            )
            // Draft: 404 on every route (as if it did not exist), missing from the list; the old grant opens nothing.
            let statuses = try await Self.studentStatuses(client, id, token: student)
            #expect(statuses.values.allSatisfy { $0 == 404 }, "\(statuses)")
            #expect(try await Self.listed(client, token: student).isEmpty)
            let replay = try await client.call("GET", grantLink.path, query: grantLink.query)
            #expect(replay.status == 404, "a grant minted while published still plays the draft: \(replay.status)")
            #expect(
                try await client.call("GET", "/v1/lectures/\(id)", token: student).problem?.detail.contains(
                    "does not exist"
                ) == true
            )
            // Course staff still see it, marked as a draft.
            let staff = try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self)
            #expect(staff.visibility == "draft" && staff.playback != nil)
            #expect(try await Self.listed(client, token: professor) == [id])

            // Published again: visible again, and the same grant plays.
            #expect(
                try await LectureEditTests.patch(client, id, token: professor, #"{"visibility": "published"}"#).status
                    == 200
            )
            #expect(try await Self.studentStatuses(client, id, token: student).values.allSatisfy { $0 == 200 })
            #expect(try await client.call("GET", grantLink.path, query: grantLink.query).status == 200)
        }
    }

    @Test(arguments: Via.allCases) func aScheduledLectureAppearsAtItsTimeWithoutAnyJob(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let id = fixture.record.lectureId
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        let format = ISO8601DateFormatter()
        try await world.withClient(via) { client in
            let later = format.string(from: Date().addingTimeInterval(3600))
            let scheduled = try await LectureEditTests.patch(
                client,
                id,
                token: professor,
                #"{"visibility": "scheduled", "publishAt": "\#(later)"}"#
            )
            #expect(scheduled.status == 200, "\(scheduled.text)")
            #expect(try scheduled.decode(LectureView.self).visibility == "scheduled")
            #expect(try await Self.studentStatuses(client, id, token: student).values.allSatisfy { $0 == 404 })
            #expect(try await Self.listed(client, token: student).isEmpty)

            // A time in the past (or one that has come): published, read as such, with nothing having run.
            let earlier = format.string(from: Date().addingTimeInterval(-60))
            let due = try await LectureEditTests.patch(client, id, token: professor, #"{"publishAt": "\#(earlier)"}"#)
            #expect(due.status == 200, "\(due.text)")
            #expect(try due.decode(LectureView.self).visibility == "published")
            #expect(try await Self.studentStatuses(client, id, token: student).values.allSatisfy { $0 == 200 })
            #expect(try await Self.listed(client, token: student) == [id])
            #expect(
                try await world.services.store.get(id)?.visibility == .scheduled,
                "the record still says scheduled; reading decides"
            )
        }
    }

    @Test func visibilityIsEvaluatedWhenRead() {
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        var record = LectureRecord(
            lectureId: "lec_1",
            courseId: "CS101",
            ownerId: "p",
            title: "t",
            filename: "f",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: "k",
            state: .ready
        )
        #expect(record.isVisibleToStudents(at: now), "records from before visibility existed are published")
        record.visibility = .scheduled
        record.publishAt = now.addingTimeInterval(1)
        #expect(!record.isVisibleToStudents(at: now) && record.isVisibleToStudents(at: now.addingTimeInterval(1)))
        record.publishAt = nil
        #expect(!record.isVisibleToStudents(at: now), "scheduled without a time is a draft")
        record.visibility = .published
        record.state = .processing
        #expect(!record.isVisibleToStudents(at: now), "published but not ready")
    }

    @Test(arguments: Via.allCases) func newLecturesTakeTheCoursesDefaultUnlessTheyChoose(via: Via) async throws {
        let world = try await TestWorld.make()
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await CourseStore(world.services.store).put(
            CourseSettings(courseId: "CS101", name: "Computing", defaultVisibility: .draft)
        )
        try await world.withClient(via) { client in
            let plain = try await world.createLecture(client, token: professor, course: "CS101", size: 1_000)
            #expect(plain.lecture.visibility == "draft")
            let chosen = try await client.call(
                "POST",
                "/v1/lectures",
                token: professor,
                json: CreateLectureRequest(
                    title: "Open",
                    course: "CS101",
                    filename: "o.mp4",
                    size: 1_000,
                    contentType: "video/mp4",
                    visibility: .published
                )
            )
            #expect(try chosen.decode(CreateLectureResponse.self).lecture.visibility == "published")
            let unscheduled = try await client.call(
                "POST",
                "/v1/lectures",
                token: professor,
                json: CreateLectureRequest(
                    title: "Later",
                    course: "CS101",
                    filename: "l.mp4",
                    size: 1_000,
                    contentType: "video/mp4",
                    visibility: .scheduled
                )
            )
            #expect(
                unscheduled.status == 422 && unscheduled.problem?.detail.contains("'publishAt'") == true,
                "\(unscheduled.text)"
            )
            // Another course, with no registry entry: published.
            let other = try await world.createLecture(
                client,
                token: try await world.token(.professor, courses: ["MA201"]),
                course: "MA201",
                size: 1_000
            )
            #expect(other.lecture.visibility == "published")
        }
    }
}
