import Foundation
import LecternCore
import Testing

@testable import LecternWorker

@Suite("Job validation") struct JobValidationTests {
    static let id = "lec_0123abcd"
    static func job(
        lectureID: String = id,
        sourceKey: String? = nil,
        version: String = "v1-abc",
        ladder: [Int] = [720, 360]
    ) -> JobMessage {
        JobMessage(
            lectureID: lectureID,
            sourceKey: sourceKey ?? ObjectKeys.source(lectureID: lectureID),
            outputVersion: version,
            ladder: ladder
        )
    }

    @Test func theAPIsJobsAreValid() {
        #expect(JobValidation.problem(in: Self.job()) == nil)
        let fresh = ObjectKeys.newLectureID()
        #expect(JobValidation.problem(in: Self.job(lectureID: fresh, version: ObjectKeys.newOutputVersion())) == nil)
    }

    @Test(arguments: [
        "", "/uploads/lec_0123abcd/source", "uploads/lec_other/source", "uploads/lec_0123abcd",
        "uploads/lec_0123abcd/../lec_other/source", "uploads/lec_0123abcd//source", "uploads/lec_0123abcd/./source",
        "uploads/lec_0123abcd/so\nurce", "renditions/lec_0123abcd/v1/master.m3u8",
        "uploads/lec_0123abcd/" + String(repeating: "a", count: 1_100),
    ])
    func unsafeSourceKeysAreProblems(key: String) throws {
        let problem = try #require(JobValidation.problem(in: Self.job(sourceKey: key)))
        #expect(problem.reason.contains("reference to the uploaded recording"))
        #expect(!problem.detail.isEmpty)
    }

    @Test(arguments: [[Int](), [100], [5_000], [720, 720], Array(repeating: 360, count: 9)])
    func badLaddersAreProblems(ladder: [Int]) throws {
        let problem = try #require(JobValidation.problem(in: Self.job(ladder: ladder)))
        #expect(problem.reason.contains("video qualities"))
    }

    @Test(arguments: ["../../etc", "lec/x", ".", "..", "", String(repeating: "x", count: 129), "lec x", "lec_é"])
    func unsafeIdentifiersAreRefused(text: String) {
        #expect(!JobValidation.isSafeIdentifier(text))
        #expect(JobValidation.problem(in: Self.job(lectureID: text, sourceKey: "uploads/x/source")) != nil)
        #expect(JobValidation.problem(in: Self.job(version: text)) != nil)
    }

    @Test func theIdentityOfAnUndecodableJobIsSalvagedOnlyWhenSafe() {
        let typed =
            #"""
            {"schemaVersion":1,"lectureID":"lec_1","sourceKey":"uploads/lec_1/source",\#
            "outputVersion":"v9","ladder":"720p"}
            """#
        #expect(JobValidation.salvageIdentity(typed)?.lectureID == "lec_1")
        #expect(JobValidation.salvageIdentity(typed)?.outputVersion == "v9")
        let noVersion = #"{"schemaVersion":1,"lectureID":"lec_1","outputVersion":"../v"}"#
        #expect(JobValidation.salvageIdentity(noVersion)?.lectureID == "lec_1")
        #expect(JobValidation.salvageIdentity(noVersion)?.outputVersion == nil)
        #expect(JobValidation.salvageIdentity(#"{"schemaVersion":1,"lectureID":"../x"}"#) == nil)
        #expect(JobValidation.salvageIdentity(#"{"schemaVersion":1,"lectureID":7}"#) == nil)
        #expect(JobValidation.salvageIdentity("[1,2]") == nil)
        #expect(JobValidation.salvageIdentity("not json") == nil)
    }
}

@Suite("Job validation of undecodable messages") struct UndecodableJobTests {
    @Test func theDamagedFieldIsNamed() {
        let error = "malformed"
        let source = JobValidation.problem(
            undecodable: #"{"lectureID":"lec_1","sourceKey":"uploads/lec_2/x","ladder":[240]}"#,
            lectureID: "lec_1",
            decodingError: error
        )
        #expect(source.reason.contains("reference to the uploaded recording"))
        let ladder = JobValidation.problem(
            undecodable: #"{"lectureID":"lec_1","sourceKey":"uploads/lec_1/source","ladder":"720p"}"#,
            lectureID: "lec_1",
            decodingError: error
        )
        #expect(ladder.reason.contains("video qualities"))
        let other = JobValidation.problem(
            undecodable: #"{"lectureID":"lec_1","sourceKey":"uploads/lec_1/source","ladder":[240]}"#,
            lectureID: "lec_1",
            decodingError: error
        )
        #expect(other.reason.contains("could not be read"))
        #expect(other.detail == error)
    }
}
