import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

@Suite("Retry, delete and operations") struct LifecycleTests {
    func uploadAndComplete(
        _ client: APIClient,
        world: TestWorld,
        token: String,
        course: String = "CS101"
    ) async throws -> String {
        let data = TestWorld.bytes(1_000)
        let created = try await world.createLecture(client, token: token, course: course, size: Int64(data.count))
        _ = try await TestWorld.put(data, to: created.upload.url!, headers: created.upload.headers ?? [:])
        let complete = try await client.call("POST", "/v1/lectures/\(created.lecture.id)/upload/complete", token: token)
        try #require(complete.status == 202, "\(complete.text)")
        return created.lecture.id
    }

    func queueDepth(_ world: TestWorld) async throws -> Int {
        try await world.services.sqs.queueAttributes(world.services.queueURL).approximateNumberOfMessages ?? -1
    }

    @Test(arguments: Via.allCases) func aFailedLectureIsRetriedOnce(via: Via) async throws {
        let world = try await TestWorld.make()
        let professor = try await world.token(.professor, courses: ["CS101"])
        let ops = try await world.token(.ops)
        try await world.withClient(via) { client in
            let id = try await uploadAndComplete(client, world: world, token: professor)
            let firstVersion = try #require(try await world.services.store.get(id)?.jobVersion)
            // The worker gives up on it.
            try await world.services.store.transition(
                id,
                from: [.queued],
                to: .processing,
                changes: ["progressPercent": .number(40.0), "progressStage": .s("encoding")]
            )
            let processing = try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(
                LectureView.self
            )
            #expect(processing.progress?.percent == 40 && processing.progress?.stage == "encoding")
            try await world.services.store.transition(
                id,
                from: [.processing],
                to: .failed,
                changes: ["failureReason": .s("the audio stream is damaged")]
            )
            let failed = try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self)
            #expect(failed.state == "failed" && failed.failureReason == "the audio stream is damaged")
            // Completing again does not resurrect it.
            #expect(try await client.call("POST", "/v1/lectures/\(id)/upload/complete", token: professor).status == 409)

            let retry = try await client.call("POST", "/v1/lectures/\(id)/retry", token: ops)
            #expect(retry.status == 202)
            let accepted = try retry.decode(JobAccepted.self)
            #expect(accepted.jobVersion != firstVersion)
            let again = try await client.call("POST", "/v1/lectures/\(id)/retry", token: professor)
            #expect(again.status == 202 && again.body == retry.body)
            #expect(try await queueDepth(world) == 2)
            let queued = try await client.call("GET", "/v1/lectures/\(id)", token: professor).decode(LectureView.self)
            #expect(queued.state == "queued" && queued.failureReason == nil)
        }
    }

    @Test(arguments: Via.allCases) func deleteRemovesSourceEveryRenditionAndTheRecord(via: Via) async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let s3 = world.services.s3, bucket = world.services.bucket
        // An older encode left files behind too.
        try await s3.putObject(
            bucket: bucket,
            key: "renditions/\(fixture.record.lectureId)/v1-old/master.m3u8",
            data: Data("old".utf8)
        )
        // Another lecture's files stay.
        let other = try await PublishedFixture.make(in: world, course: "CS101")
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let response = try await client.call("DELETE", "/v1/lectures/\(fixture.record.lectureId)", token: professor)
            #expect(response.status == 204)
            #expect(try await s3.listAll(bucket: bucket, prefix: "renditions/\(fixture.record.lectureId)/").isEmpty)
            await #expect(throws: AWSError.self) {
                _ = try await s3.headObject(bucket: bucket, key: fixture.record.sourceKey)
            }
            #expect(try await world.services.store.get(fixture.record.lectureId) == nil)
            #expect(try await s3.listAll(bucket: bucket, prefix: other.prefix).count == other.files.count)
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(fixture.record.lectureId)", token: professor).status
                    == 404
            )
        }
    }

    @Test(arguments: Via.allCases) func opsSeeTheQueueAndRedriveTheDeadLetters(via: Via) async throws {
        let world = try await TestWorld.make()
        let professor = try await world.token(.professor, courses: ["CS101"])
        let ops = try await world.token(.ops)
        try await world.withClient(via) { client in
            _ = try await uploadAndComplete(client, world: world, token: professor)
            for index in 0..<2 {
                try await world.services.sqs.sendMessage(world.deadLetterQueueURL, body: #"{"dead":\#(index)}"#)
            }
            let stats = try await client.call("GET", "/v1/ops/queue", token: ops).decode(QueueStats.self)
            #expect(stats.visible == 1 && stats.inFlight == 0 && stats.delayed == 0 && stats.deadLetter == 2)

            let redrive = try await client.call("POST", "/v1/ops/dlq/redrive", token: ops)
            #expect(redrive.status == 200, "\(redrive.text)")
            let moved = try redrive.decode(RedriveResult.self)
            #expect(moved.moved == 2 && moved.sendFailed == 0 && moved.deleteFailed == 0)
            let after = try await client.call("GET", "/v1/ops/queue", token: ops).decode(QueueStats.self)
            #expect(after.visible == 3 && after.deadLetter == 0)
        }
    }

    @Test(arguments: Via.allCases) func readinessFollowsTheServices(via: Via) async throws {
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            let ready = try await client.call("GET", "/readyz")
            #expect(ready.status == 200)
            #expect(ready.text.contains(#""status":"ready""#))
        }
        var services = world.services
        services.bucket = "missing-\(UUID().uuidString.prefix(8).lowercased())"
        let broken = APIApplication(
            config: world.app.config,
            services: services,
            authenticator: world.app.authenticator
        )
        let answer = await broken.respond(to: APIRequest(method: "GET", path: "/readyz"))
        #expect(answer.status == 503)
        #expect(answer.text.contains(#""s3":"error NoSuchBucket""#))
        #expect(answer.text.contains(#""dynamodb":"ok""#))
    }
}
