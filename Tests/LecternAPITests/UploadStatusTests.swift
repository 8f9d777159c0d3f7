import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

/// GET …/upload at the edges schemathesis found: an upload S3 no longer has (was a 500), and an upload the
/// professor aborted (answered 200 "uploaded: true").
@Suite("Upload status edges") struct UploadStatusTests {
    @Test(arguments: Via.allCases) func aMultipartUploadGoneFromS3IsAConflictNotAServerError(via: Via) async throws {
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let created = try await world.createLecture(client, token: token, course: "CS101", size: 7 << 20)
            let record = try #require(try await world.services.store.get(created.lecture.id))
            // Aborted in S3 behind the API's back (a lifecycle rule, an operator, another tool).
            try await world.services.s3.abortMultipartUpload(
                bucket: world.services.bucket,
                key: record.sourceKey,
                uploadID: try #require(record.uploadId)
            )
            let status = try await client.call("GET", "/v1/lectures/\(created.lecture.id)/upload", token: token)
            #expect(status.status == 409, "\(status.text)")
            #expect(status.problem?.detail.contains("no longer exists") == true)
        }
    }

    @Test(arguments: Via.allCases) func afterAnAbortTheUploadIsGoneButACompletedOneIsReported(via: Via) async throws {
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let aborted = try await world.createLecture(client, token: token, course: "CS101", size: 1_000)
            _ = try await TestWorld.put(
                TestWorld.bytes(1_000),
                to: aborted.upload.url!,
                headers: aborted.upload.headers ?? [:]
            )
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(aborted.lecture.id)/upload", token: token).status == 204
            )
            #expect(
                try await client.call("GET", "/v1/lectures/\(aborted.lecture.id)/upload", token: token).status == 404
            )

            let completed = try await world.createLecture(client, token: token, course: "CS101", size: 1_000)
            _ = try await TestWorld.put(
                TestWorld.bytes(1_000),
                to: completed.upload.url!,
                headers: completed.upload.headers ?? [:]
            )
            #expect(
                try await client.call("POST", "/v1/lectures/\(completed.lecture.id)/upload/complete", token: token)
                    .status == 202
            )
            let status = try await client.call("GET", "/v1/lectures/\(completed.lecture.id)/upload", token: token)
            #expect(status.status == 200)
            let body = try status.decode(UploadStatusResponse.self)
            #expect(body.method == .single && body.state == "queued" && body.uploaded == true)
        }
    }
}
