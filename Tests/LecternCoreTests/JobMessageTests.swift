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
