import AWS
import Foundation
import LecternCore
import LecternTestSupport
import LecternWorker
import Testing

/// The worker's outcome mail when it gives up on a lecture (the ready mail is seen end to end in
/// `OutcomeMailStackTests`): after the lecture's own write, once, to the uploader, with the reason.
@Suite("Worker outcome e-mail") struct WorkerOutcomeMailTests {
    @Test func aFileNoRetryCanHelpFailsAndItsUploaderIsToldWhyOnce() async throws {
        let harness = try await WorkerHarness.make()
        let sender = MotoServer.uniqueAddress("lectern")
        let professor = MotoServer.uniqueAddress()
        try await SESClient(context: harness.context).createEmailIdentity(sender)
        // The job is delivered twice: the second delivery finds the lecture failed and must not mail again.
        let (id, version) = try await harness.createQueuedRecord()
        try await harness.store.dynamo.updateItem(
            table: harness.table,
            key: ["lectureId": .s(id)],
            update: "SET uploaderEmail = :email",
            values: [":email": .s(professor)]
        )
        try await harness.uploadSource(try Clips.textFile(), lectureID: id)
        let job = JobMessage(
            lectureID: id,
            sourceKey: ObjectKeys.source(lectureID: id),
            outputVersion: version,
            ladder: [240]
        )
        let logs = LogCapture()
        let worker = harness.startWorker(
            harness.configuration(),
            logs: logs,
            mail: .ses(from: sender, portalURL: "https://lectern.uni.example")
        )
        try await harness.sqs.sendMessage(harness.queueURL, body: job.encoded())

        let record = try await harness.waitForRecord(id) { $0.state == .failed && $0.outcomeMail?.state == .sent }
        try await harness.sqs.sendMessage(harness.queueURL, body: job.encoded())
        try await harness.waitForEmptyQueue()
        _ = try await harness.deadLetters(expecting: 1)
        try await worker.stop()

        let sent = try await harness.moto.sentEmails(to: professor)
        #expect(sent.count == 1)
        #expect(sent.first?.subject == "Failed: Week 1")
        #expect(sent.first?.body.contains(LectureMailTemplates.escape(try #require(record.failureReason))) == true)
        #expect(sent.first?.body.contains("Retrying will not help") == true)
        #expect(record.outcomeMail?.outcome == .failed && record.outcomeMail?.version == version)
        #expect(logs.all.contains { $0.contains("outcome e-mail") && $0.contains("sent (SES message") })
        #expect(!logs.all.contains { $0.contains(professor) })
    }

    @Test func aLectureWhoseAttemptsAreUsedUpIsMailedAsFailed() async throws {
        // Given a lecture three workers claimed and died on, uploaded by a professor with an address
        let harness = try await WorkerHarness.make(maxReceiveCount: 10)
        let sender = MotoServer.uniqueAddress("lectern")
        let professor = MotoServer.uniqueAddress()
        try await SESClient(context: harness.context).createEmailIdentity(sender)
        let (id, version) = try await harness.createQueuedRecord()
        try await harness.store.dynamo.updateItem(
            table: harness.table,
            key: ["lectureId": .s(id)],
            update: "SET uploaderEmail = :email",
            values: [":email": .s(professor)]
        )
        for claim in 0..<3 {
            try await harness.store.claim(
                id,
                version: version,
                workerID: "dead-\(claim)",
                leaseSeconds: 5,
                attemptLimit: 100,
                now: Date().addingTimeInterval(-600 + Double(claim) * 10)
            )
        }
        let job = JobMessage(
            lectureID: id,
            sourceKey: ObjectKeys.source(lectureID: id),
            outputVersion: version,
            ladder: [240]
        )
        try await harness.sqs.sendMessage(harness.queueURL, body: job.encoded())

        // When a worker allowed three attempts receives it
        var configuration = harness.configuration()
        configuration.maxEncodeAttempts = 3
        let worker = harness.startWorker(
            configuration,
            mail: .ses(from: sender, portalURL: "https://lectern.uni.example")
        )
        try await harness.waitForRecord(id) { $0.outcomeMail?.state == .sent }
        try await worker.stop()

        // Then the uploader is told it failed and why
        let sent = try await harness.moto.sentEmails(to: professor)
        #expect(sent.map(\.subject) == ["Failed: Week 1"])
        #expect(sent.first?.body.contains(LectureMailTemplates.escape(JobLimits.exhaustedReason(attempts: 3))) == true)
    }
}
