import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// The lecture's own `attempts` is the limit (`JobLimits`), not SQS's receive count (issue #13).
@Suite("Worker attempt limit") struct WorkerAttemptLimitTests {
    @Test func aDeliveryOfALectureThatUsedItsAttemptsFailsItWithAReasonInsteadOfEncodingAgain() async throws {
        // Given a lecture (with a good source) that three workers claimed and died on, its lease long lapsed
        let harness = try await WorkerHarness.make(maxReceiveCount: 10)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(seconds: 1))
        for claim in 0..<3 {
            try await harness.store.claim(
                job.lectureID,
                version: job.outputVersion,
                workerID: "dead-\(claim)",
                leaseSeconds: 5,
                attemptLimit: 100,
                now: Date().addingTimeInterval(-600 + Double(claim) * 10)
            )
        }

        // When its message is delivered to a worker allowed three attempts
        var configuration = harness.configuration()
        configuration.maxEncodeAttempts = 3
        let worker = harness.startWorker(configuration)
        let record = try await harness.waitForRecord(job.lectureID) { $0.state != .processing }
        let letters = try await harness.deadLetters(expecting: 1)
        try await harness.waitForEmptyQueue()
        try await worker.stop()

        // Then the lecture failed, saying why, without a fourth encode; the DLQ copy carries the same reason
        #expect(record.state == .failed)
        #expect(record.attempts == 3)
        #expect(record.failureReason == JobLimits.exhaustedReason(attempts: 3))
        #expect(letters.map(\.body) == [job.encoded()])
        #expect(letters.first?.messageAttributes["FailureReason"]?.stringValue == record.failureReason)
        #expect(try await harness.keys(under: "renditions/").isEmpty)
    }

    @Test func aTransientFailureOnTheLastAttemptGivesUpEvenWithRoomLeftInTheRedrivePolicy() async throws {
        // Given a job whose source never appears, a queue that would redrive only after 10 receives
        let harness = try await WorkerHarness.make(maxReceiveCount: 10)
        let job = try await harness.enqueue(sourcePath: nil)
        var configuration = harness.configuration()
        configuration.maxEncodeAttempts = 2
        let worker = harness.startWorker(configuration)

        // Then the second attempt gives up: the lecture says why and the DLQ holds its copy
        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .failed }
        let letters = try await harness.deadLetters(expecting: 1)
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.attempts == 2)
        #expect(record.failureReason?.hasPrefix("Gave up after 2 attempts") == true)
        #expect(letters.first?.messageAttributes["FailureReason"]?.stringValue == record.failureReason)
    }
}
