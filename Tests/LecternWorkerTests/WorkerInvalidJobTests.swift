import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// Messages that are JSON of a known version but whose fields cannot be worked on.
@Suite("Invalid job fields (moto)") struct WorkerInvalidJobTests {
    /// A job body for `id` with any field replaced (raw JSON values).
    static func body(_ id: String, version: String, sourceKey: String? = nil, ladder: String = "[240]") -> String {
        let key = sourceKey ?? ObjectKeys.source(lectureID: id)
        let keyJSON = String(decoding: try! JSONEncoder().encode(key), as: UTF8.self)
        return
            #"""
            {"schemaVersion":1,"lectureID":"\#(id)","sourceKey":\#(keyJSON),"outputVersion":"\#(version)",\#
            "ladder":\#(ladder),"enqueuedAt":"2026-11-25T10:00:00Z"}
            """#
    }

    @Test func invalidFieldsFailTheLectureWithAReadableReasonAndGoToTheDLQ() async throws {
        let harness = try await WorkerHarness.make()
        // Given queued lectures whose messages are damaged in different ways…
        let foreignSource = try await harness.createQueuedRecord()
        let badLadder = try await harness.createQueuedRecord()
        let mistypedLadder = try await harness.createQueuedRecord()
        let badDate = try await harness.createQueuedRecord()
        let bodies = [
            badDate.id: Self.body(badDate.id, version: badDate.version).replacingOccurrences(
                of: "2026-11-25T10:00:00Z",
                with: "yesterday"
            ),
            foreignSource.id: Self.body(
                foreignSource.id,
                version: foreignSource.version,
                sourceKey: "uploads/lec_someone_else/source"
            ),
            badLadder.id: Self.body(badLadder.id, version: badLadder.version, ladder: "[10]"),
            mistypedLadder.id: Self.body(mistypedLadder.id, version: mistypedLadder.version, ladder: #""720p""#),
        ]
        // …a published lecture, one a live worker holds, and an id without any record.
        let published = try await harness.createQueuedRecord()
        try await harness.store.claim(published.id, version: published.version, workerID: "earlier", leaseSeconds: 60)
        try await harness.store.publish(
            published.id,
            version: published.version,
            prefix: "renditions/\(published.id)/\(published.version)/",
            durationSeconds: 3,
            workerID: "earlier"
        )
        let held = try await harness.createQueuedRecord()
        try await harness.store.claim(held.id, version: held.version, workerID: "busy", leaseSeconds: 600)
        let untouched = [
            published.id: Self.body(published.id, version: published.version, sourceKey: "uploads/../secret"),
            held.id: Self.body(held.id, version: held.version, ladder: "[]"),
            "lec_nobody": Self.body("lec_nobody", version: "v1", sourceKey: "/etc/passwd"),
        ]
        for body in bodies.values.sorted() + untouched.values.sorted() {
            try await harness.sqs.sendMessage(harness.queueURL, body: body)
        }

        // When a worker receives them.
        let worker = harness.startWorker(harness.configuration())
        let letters = try await harness.deadLetters(expecting: 7)
        try await harness.waitForEmptyQueue()
        try await worker.stop()

        // Then every message is in the DLQ with its reason, and only the lectures nobody else owns failed.
        #expect(letters.count == 7)
        let byBody = Dictionary(uniqueKeysWithValues: letters.map { ($0.body, $0) })
        let expectedWords = [
            foreignSource.id: "reference to the uploaded recording", badLadder.id: "video qualities",
            mistypedLadder.id: "video qualities", badDate.id: "could not be read",
        ]
        for (id, body) in bodies {
            let record = try #require(try await harness.store.get(id))
            #expect(record.state == .failed, "\(id)")
            let reason = try #require(record.failureReason)
            #expect(reason.contains(try #require(expectedWords[id])))
            #expect(reason.contains("upload the recording again"))
            #expect(record.failureRetryable == false, "\(id)")
            let letter = try #require(byBody[body])
            #expect(letter.messageAttributes["FailureReason"]?.stringValue == reason)
            #expect(letter.messageAttributes["LectureId"]?.stringValue == id)
            #expect(letter.messageAttributes["FailureDetail"]?.stringValue?.isEmpty == false)
        }
        #expect(try await harness.store.get(published.id)?.state == .ready)
        let stillHeld = try #require(try await harness.store.get(held.id))
        #expect(stillHeld.state == .processing)
        #expect(stillHeld.workerId == "busy")
        for body in untouched.values {
            #expect(byBody[body]?.messageAttributes["FailureReason"]?.stringValue?.isEmpty == false)
        }
        #expect(try await harness.keys(under: "renditions/").isEmpty)
    }
}
