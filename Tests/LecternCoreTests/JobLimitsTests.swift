import Foundation
import LecternCore
import Testing

@Suite struct JobLimitsTests {
    @Test func theReceiveBackstopStaysAboveWhatTheAttemptsAndIdleReceivesReach() {
        for attempts in 1...20 {
            let limits = JobLimits(encodeAttempts: attempts)
            // Each attempt may bring its own delivery plus a hidden duplicate: the backstop must leave room for both.
            #expect(limits.queueMaxReceiveCount > 2 * attempts)
        }
        #expect(JobLimits(encodeAttempts: 0).encodeAttempts == 1)
    }

    func record(_ state: LectureState, version: String = "v1", attempts: Int, lease: Date? = nil) -> LectureRecord {
        var record = LectureRecord(
            lectureId: "lec_1",
            courseId: "CS101",
            ownerId: "p",
            title: "t",
            filename: "f.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: "uploads/lec_1/source",
            state: state
        )
        record.jobVersion = version
        record.attempts = attempts
        record.leaseExpiresAt = lease
        return record
    }

    @Test func aLectureHasExhaustedItsAttemptsOnlyWhenNobodyHoldsItsCurrentEncode() {
        let now = Date()
        #expect(record(.queued, attempts: 3).hasExhaustedAttempts(of: "v1", limit: 3, now: now))
        #expect(record(.processing, attempts: 3, lease: now - 1).hasExhaustedAttempts(of: "v1", limit: 3, now: now))
        #expect(!record(.processing, attempts: 3, lease: now + 30).hasExhaustedAttempts(of: "v1", limit: 3, now: now))
        #expect(!record(.queued, attempts: 2).hasExhaustedAttempts(of: "v1", limit: 3, now: now))
        #expect(!record(.queued, version: "v2", attempts: 3).hasExhaustedAttempts(of: "v1", limit: 3, now: now))
        #expect(!record(.ready, attempts: 3).hasExhaustedAttempts(of: "v1", limit: 3, now: now))
    }

    @Test func theDeadLetterSweepActsOnlyOnTheLecturesCurrentEncode() {
        let now = Date()
        let job = JobMessage(lectureID: "lec_1", sourceKey: "uploads/lec_1/source", outputVersion: "v1")
        func action(_ record: LectureRecord?, reason: String? = nil) -> DeadLetterSweep.Action {
            DeadLetterSweep.action(for: job, failureReason: reason, record: record, now: now)
        }
        #expect(
            action(record(.processing, attempts: 5, lease: now - 1))
                == .failLecture(reason: JobLimits.exhaustedReason(attempts: 5))
        )
        #expect(
            action(record(.queued, attempts: 1), reason: "Gave up after 1 attempts: S3 down")
                == .failLecture(reason: "Gave up after 1 attempts: S3 down")
        )
        if case .failLecture(let reason) = action(record(.queued, attempts: 0)) {
            #expect(reason.contains("Retry"))
        } else {
            Issue.record("not failed")
        }
        #expect(action(record(.processing, attempts: 1, lease: now + 30)) == .keep)
        #expect(action(record(.failed, attempts: 3)) == .keep)
        #expect(action(record(.ready, attempts: 1)) == .remove)
        #expect(action(record(.failed, version: "v2", attempts: 0)) == .remove)
        #expect(action(nil) == .remove)
        #expect(DeadLetterSweep.action(for: nil, failureReason: nil, record: nil, now: now) == .keep)
    }

    @Test func aSplitPartInTheDeadLetterQueueFailsItsLectureUnlessAnotherDeliveryFinishedIt() {
        let now = Date()
        let whole = JobMessage(lectureID: "lec_1", sourceKey: "uploads/lec_1/source", outputVersion: "v1")
        var split = LectureSplit(outputVersion: "v1", chunks: [.init(start: 0, end: 6), .init(start: 6, end: 12)])
        split.chunks[1].done = true
        var lecture = record(.processing, attempts: 1, lease: now - 1)
        lecture.split = split
        func action(_ part: SplitPart) -> DeadLetterSweep.Action {
            DeadLetterSweep.action(
                for: .part(split.jobPart(part), of: whole),
                failureReason: "Part 1 of 2: S3 down",
                record: lecture,
                now: now
            )
        }
        #expect(action(.video(1)) == .remove)
        #expect(action(.video(0)) == .failLecture(reason: "Part 1 of 2: S3 down"))
        #expect(action(.audio) == .failLecture(reason: "Part 1 of 2: S3 down"))
    }
}
