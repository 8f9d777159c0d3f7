import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

@Suite("A file that is not a recording is refused at complete") struct NotMediaUploadTests {
    @Test(arguments: Via.allCases) func aTextFileFailsAtOnceNotRetryableAndNothingIsQueued(via: Via) async throws {
        // Given a professor who uploaded lecture notes (text) instead of the recording
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let notes = Data(String(repeating: "Week 3: entropy, information, and coding.\n", count: 40).utf8)
            let created = try await world.createLecture(client, token: token, course: "CS101", size: Int64(notes.count))
            #expect(
                try await TestWorld.put(
                    notes,
                    to: try #require(created.upload.url),
                    headers: created.upload.headers ?? [:]
                ).status == 200
            )

            // When the upload is completed
            let complete = try await client.call(
                "POST",
                "/v1/lectures/\(created.lecture.id)/upload/complete",
                token: token
            )

            // Then the answer says why in a professor's words, the lecture has failed for good, and no job was sent
            #expect(complete.status == 422, "\(complete.text)")
            #expect(complete.header("Content-Type") == "application/problem+json")
            #expect(complete.problem?.detail.hasPrefix("This file is not a video or audio recording") == true)
            let lecture = try await client.call("GET", "/v1/lectures/\(created.lecture.id)", token: token).decode(
                LectureView.self
            )
            #expect(lecture.state == "failed")
            #expect(lecture.retryable == false)
            #expect(lecture.failureReason == ContainerSniffer.refusalReason)
            #expect(try await world.drain().isEmpty)

            // And a retry is refused with words, not queued
            let retry = try await client.call("POST", "/v1/lectures/\(created.lecture.id)/retry", token: token)
            #expect(retry.status == 409)
            #expect(retry.problem?.detail.contains("Retrying cannot help") == true)
            #expect(try await world.drain().isEmpty)
        }
    }

    @Test func aFailureRetryCanFixStaysRetryable() async throws {
        // A lecture the worker failed for a transient reason, and one it failed because the file cannot be decoded
        let world = try await TestWorld.make()
        let professor = try await world.token(.professor, courses: ["CS101"])
        let transient = try await world.uploadedLecture(complete: true)
        let broken = try await world.uploadedLecture(complete: true)
        for id in [transient, broken] {
            let version = try #require(try await world.services.store.get(id)?.jobVersion)
            try await world.services.store.fail(
                id,
                version: version,
                reason: "r",
                workerID: nil,
                retryable: id == transient
            )
        }
        _ = try await world.drain()
        try await world.withClient(.inProcess) { client in
            let first = try await client.call("GET", "/v1/lectures/\(transient)", token: professor).decode(
                LectureView.self
            )
            #expect(first.retryable == true)
            #expect(try await client.call("POST", "/v1/lectures/\(transient)/retry", token: professor).status == 202)
            // The new encode starts retryable again; the broken one is refused.
            #expect(try await world.services.store.get(transient)?.failureRetryable == nil)
            let second = try await client.call("GET", "/v1/lectures/\(broken)", token: professor).decode(
                LectureView.self
            )
            #expect(second.retryable == false)
            #expect(try await client.call("POST", "/v1/lectures/\(broken)/retry", token: professor).status == 409)
        }
    }
}
