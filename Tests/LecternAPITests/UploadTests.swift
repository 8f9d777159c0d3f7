import AWS
import Foundation
import LecternAPI
import LecternCore
import Testing

@Suite("Uploads: plans, parts, resume, complete exactly once") struct UploadTests {
    func jobs(in world: TestWorld) async throws -> [JobMessage] {
        var messages: [JobMessage] = []
        while true {
            let batch = try await world.services.sqs.receiveMessages(
                world.services.queueURL,
                maxMessages: 10,
                waitTimeSeconds: 0
            )
            if batch.isEmpty { return messages }
            messages += try batch.map { try JobMessage.decode($0.body) }
        }
    }

    @Test(arguments: Via.allCases) func singlePutThenCompleteQueuesOneJob(via: Via) async throws {
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let data = TestWorld.bytes(100_000)
            let created = try await world.createLecture(client, token: token, course: "CS101", size: Int64(data.count))
            #expect(created.lecture.state == "awaiting_upload")
            #expect(created.upload.method == .single)
            #expect(created.upload.expiresAt <= Date().addingTimeInterval(901))
            let url = try #require(created.upload.url)
            // The key is the server's, never the file name.
            #expect(!url.path.contains("week1") && url.path.contains("uploads/\(created.lecture.id)/source"))
            let put = try await TestWorld.put(data, to: url, headers: created.upload.headers ?? [:])
            #expect(put.status == 200)

            let path = "/v1/lectures/\(created.lecture.id)/upload/complete"
            let first = try await client.call("POST", path, token: token)
            #expect(first.status == 202, "\(first.text)")
            let again = try await client.call("POST", path, token: token)
            #expect(again.status == 202)
            #expect(again.body == first.body)

            let messages = try await jobs(in: world)
            #expect(messages.count == 1)
            #expect(messages.first?.lectureID == created.lecture.id)
            #expect(messages.first?.outputVersion == (try first.decode(JobAccepted.self)).jobVersion)
            let lecture = try await client.call("GET", "/v1/lectures/\(created.lecture.id)", token: token).decode(
                LectureView.self
            )
            #expect(lecture.state == "queued")
        }
    }

    @Test(arguments: Via.allCases) func multipartUploadInterruptedAndResumed(via: Via) async throws {
        // 5 MiB parts above 6 MiB (the test configuration): 12 MiB + 123 bytes is three parts, the last short.
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let data = TestWorld.bytes((12 << 20) + 123, seed: 3)
            let created = try await world.createLecture(client, token: token, course: "CS101", size: Int64(data.count))
            let plan = created.upload
            #expect(plan.method == .multipart)
            let partSize = try #require(plan.partSize)
            #expect(partSize == 5 << 20)
            #expect(plan.partCount == 3)
            func slice(_ number: Int) -> Data {
                let start = (number - 1) * Int(partSize)
                return data.subdata(in: start..<min(data.count, start + Int(partSize)))
            }

            // Part 1 goes up, then the browser "crashes".
            let first = try #require(plan.parts?.first { $0.partNumber == 1 })
            let firstPut = try await TestWorld.put(slice(1), to: first.url)
            #expect(firstPut.status == 200)

            // Resume: ask what S3 holds, fetch URLs for the rest.
            let status = try await client.call("GET", "/v1/lectures/\(created.lecture.id)/upload", token: token)
                .decode(UploadStatusResponse.self)
            #expect(status.uploadedParts?.map(\.partNumber) == [1])
            #expect(status.uploadedParts?.first?.size == partSize)
            #expect(status.missingPartNumbers == [2, 3])
            let batch = try await client.call(
                "POST",
                "/v1/lectures/\(created.lecture.id)/upload/parts",
                token: token,
                json: PartURLsRequest(partNumbers: status.missingPartNumbers ?? [])
            )
            #expect(batch.status == 200)
            var completed: [CompleteUploadRequest.Part] = status.uploadedParts!.map {
                .init(partNumber: $0.partNumber, eTag: $0.eTag)
            }
            for part in try batch.decode(PartURLsResponse.self).parts {
                let put = try await TestWorld.put(slice(part.partNumber), to: part.url)
                #expect(put.status == 200)
                completed.append(.init(partNumber: part.partNumber, eTag: try #require(put.headers["ETag"])))
            }

            // Three concurrent completes and a late one: one job, the same answer for all.
            let path = "/v1/lectures/\(created.lecture.id)/upload/complete"
            let parts = completed
            let answers = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await client.call("POST", path, token: token, json: CompleteUploadRequest(parts: parts))
                    }
                }
                return try await group.reduce(into: [APIResponse]()) { $0.append($1) }
            }
            let late = try await client.call("POST", path, token: token, json: CompleteUploadRequest(parts: completed))
            for answer in answers + [late] {
                #expect(answer.status == 202, "\(answer.text)")
                #expect(answer.body == late.body)
            }
            #expect(try await jobs(in: world).count == 1)

            // The assembled object is the file, byte for byte.
            let record = try #require(try await world.services.store.get(created.lecture.id))
            let object = try await world.services.s3.getObject(bucket: world.services.bucket, key: record.sourceKey)
            #expect(object.body == data)
            #expect(record.uploadId == nil)
        }
    }

    @Test(arguments: Via.allCases) func badInputIsRefusedClearly(via: Via) async throws {
        let world = try await TestWorld.make { $0.maxUploadBytes = 1_000_000_000 }
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            func create(size: Int64, type: String) async throws -> APIResponse {
                try await client.call(
                    "POST",
                    "/v1/lectures",
                    token: token,
                    json: CreateLectureRequest(
                        title: "W",
                        course: "CS101",
                        filename: "w.mp4",
                        size: size,
                        contentType: type
                    )
                )
            }
            let text = try await create(size: 10, type: "text/plain")
            #expect(text.status == 422)
            #expect(text.problem?.detail.contains("not a video") == true)
            let huge = try await create(size: 1_000_000_001, type: "video/mp4")
            #expect(huge.status == 422)
            #expect(huge.problem?.detail.contains("1000000000 bytes") == true)
            #expect(try await create(size: 0, type: "video/mp4").status == 400)

            // Announced 2,000 bytes, sent 1,000: complete refuses and the lecture keeps waiting for a proper upload.
            let created = try await world.createLecture(client, token: token, course: "CS101", size: 2_000)
            let path = "/v1/lectures/\(created.lecture.id)/upload/complete"
            let nothing = try await client.call("POST", path, token: token)
            #expect(nothing.status == 409)
            _ = try await TestWorld.put(
                TestWorld.bytes(1_000),
                to: created.upload.url!,
                headers: created.upload.headers ?? [:]
            )
            let short = try await client.call("POST", path, token: token)
            #expect(short.status == 422)
            #expect(short.problem?.detail == "the uploaded file is 1000 bytes, but 2000 were announced")
            let status = try await client.call("GET", "/v1/lectures/\(created.lecture.id)/upload", token: token).decode(
                UploadStatusResponse.self
            )
            #expect(status.state == "awaiting_upload" && status.uploaded == true && status.url != nil)
            #expect(try await jobs(in: world).isEmpty)

            // Part numbers outside the plan, or a single upload asked for parts.
            let multipart = try await world.createLecture(client, token: token, course: "CS101", size: 7 << 20)
            let outside = try await client.call(
                "POST",
                "/v1/lectures/\(multipart.lecture.id)/upload/parts",
                token: token,
                json: PartURLsRequest(partNumbers: [3])
            )
            #expect(outside.status == 422)
            #expect(outside.problem?.detail == "part number 3 is outside this upload's parts 1…2")
            let single = try await client.call(
                "POST",
                "/v1/lectures/\(created.lecture.id)/upload/parts",
                token: token,
                json: PartURLsRequest(partNumbers: [1])
            )
            #expect(single.status == 409)
        }
    }

    @Test(arguments: Via.allCases) func abortFreesTheUploadAndFailsTheLecture(via: Via) async throws {
        let world = try await TestWorld.make()
        let token = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(via) { client in
            let created = try await world.createLecture(client, token: token, course: "CS101", size: 7 << 20)
            _ = try await TestWorld.put(TestWorld.bytes(5 << 20), to: created.upload.parts![0].url)
            let uploadID = try #require(try await world.services.store.get(created.lecture.id)?.uploadId)
            let abort = try await client.call("DELETE", "/v1/lectures/\(created.lecture.id)/upload", token: token)
            #expect(abort.status == 204)
            await #expect(throws: AWSError.self) {
                _ = try await world.services.s3.listParts(
                    bucket: world.services.bucket,
                    key: ObjectKeys.source(lectureID: created.lecture.id),
                    uploadID: uploadID
                )
            }
            let lecture = try await client.call("GET", "/v1/lectures/\(created.lecture.id)", token: token).decode(
                LectureView.self
            )
            #expect(lecture.state == "failed")
            #expect(lecture.failureReason == "the upload was cancelled")
            #expect(
                try await client.call("DELETE", "/v1/lectures/\(created.lecture.id)/upload", token: token).status == 409
            )
            // Nothing was uploaded whole, so there is nothing to retry.
            #expect(
                try await client.call("POST", "/v1/lectures/\(created.lecture.id)/retry", token: token).status == 409
            )
        }
    }
}
