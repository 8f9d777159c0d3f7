import Foundation
import LecternCore
import Testing

@Suite struct JobMessageTests {
    @Test func roundTripsThroughItsWireForm() throws {
        let message = JobMessage(
            lectureID: "lec-1",
            sourceKey: "uploads/lec-1/source",
            outputVersion: "v1",
            enqueuedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        #expect(try JobMessage.decode(message.encoded()) == message)
    }

    @Test func unknownVersionIsRejectedWithItsNumber() {
        #expect(throws: JobMessage.DecodingProblem.unsupportedVersion(7)) {
            try JobMessage.decode(#"{"schemaVersion":7,"lectureID":"x"}"#)
        }
    }

    @Test(arguments: ["", "not json", "{}", #"{"schemaVersion":"1"}"#, "[1,2]"])
    func malformedBodiesAreRejected(body: String) {
        #expect {
            try JobMessage.decode(body)
        } throws: { error in
            if (error as? JobMessage.DecodingProblem)?.kind == .malformed { return true }
            return false
        }
    }

    @Test func missingFieldsAreMalformed() {
        #expect(throws: JobMessage.DecodingProblem.self) {
            try JobMessage.decode(#"{"schemaVersion":1,"lectureID":"x"}"#)
        }
    }

    @Test func aSplitPartTravelsAsVersionThreeAndItsWindowIsChecked() throws {
        let whole = JobMessage(lectureID: "lec_1", sourceKey: "uploads/lec_1/source", outputVersion: "v1")
        let split = LectureSplit(
            outputVersion: "v1",
            chunks: [.init(start: 0, end: 180), .init(start: 180, end: 301.5)],
            timestampOffset: 0.021
        )
        let last = JobMessage.part(split.jobPart(.video(1)), of: whole)
        #expect(last.schemaVersion == JobMessage.partSchemaVersion)
        let decoded = try JobMessage.decode(last.encoded())
        #expect(decoded.lectureID == last.lectureID && decoded.schemaVersion == last.schemaVersion)
        #expect(decoded.part == JobPart(part: .video(1), start: 180, end: nil, timestampOffset: 0.021, chunkCount: 2))
        #expect(try JobMessage.decode(JobMessage.part(split.jobPart(.audio), of: whole).encoded()).part?.part == .audio)

        // A part under version 1 (or a whole job under 3) is not guessed at, nor is a window that cannot be.
        var mislabelled = last
        mislabelled.schemaVersion = JobMessage.currentSchemaVersion
        #expect(throws: JobMessage.DecodingProblem.self) { try JobMessage.decode(mislabelled.encoded()) }
        var backwards = last
        backwards.part?.end = 100
        #expect(throws: JobMessage.DecodingProblem.self) { try JobMessage.decode(backwards.encoded()) }
        var outside = last
        outside.part?.part = .video(2)
        #expect(throws: JobMessage.DecodingProblem.self) { try JobMessage.decode(outside.encoded()) }
    }

    @Test func pathTraversalInTheSourceKeyIsInvalid() {
        let message = JobMessage(lectureID: "lec", sourceKey: "uploads/../secrets", outputVersion: "v1")
        #expect(throws: JobMessage.DecodingProblem.invalid("bad sourceKey")) {
            try JobMessage.decode(message.encoded())
        }
    }
}

@Suite struct LectureStateTests {
    @Test func wireNamesAreTheAPIs() {
        #expect(LectureState.awaitingUpload.rawValue == "awaiting_upload")
        #expect(
            LectureState.allCases.map(\.rawValue) == ["awaiting_upload", "queued", "processing", "ready", "failed"]
        )
    }

    @Test func readyIsReachedOnlyFromProcessing() {
        for state in LectureState.allCases {
            #expect(state.canMove(to: .ready) == (state == .processing))
        }
    }

    @Test func aFailedLectureCanOnlyBeRequeued() {
        #expect(LectureState.failed.allowedTransitions == [.queued])
    }
}
