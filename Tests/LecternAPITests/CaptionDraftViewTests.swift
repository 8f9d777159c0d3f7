import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// `captionDraft` in GET /v1/lectures/{id}: the states the portal renders, decided from the engine setting and the
/// lecture's record, and written byte for byte as `JSONEncoder` would on the direct path.
@Suite("Caption draft in the lecture view") struct CaptionDraftViewTests {
    static let on = CaptionDraftSettings(engine: .transcribe, languages: ["en-US", "de-DE"])
    static let now = Date(timeIntervalSince1970: 1_733_000_000)

    static func record(_ state: LectureState, version: String = "v1", draft: CaptionDraft? = nil) -> LectureRecord {
        var record = LectureRecord(
            lectureId: "lec_1",
            courseId: "CS101",
            ownerId: "prof-1",
            title: "Week 1",
            filename: "w1.mp4",
            contentType: "video/mp4",
            sizeBytes: 10,
            sourceKey: "uploads/lec_1/source",
            state: state,
            now: now
        )
        record.jobVersion = version
        if state == .ready { record.publishedVersion = version }
        record.captionDraft = draft
        return record
    }

    static func draft(
        _ state: CaptionDraftState,
        version: String = "v1",
        deadlineIn seconds: TimeInterval = 3_600
    ) -> CaptionDraft {
        CaptionDraft(
            state: state,
            version: version,
            detail: "words for \(state.rawValue)",
            deadline: now.addingTimeInterval(seconds),
            updatedAt: now
        )
    }

    @Test func offMeansUnavailableWhateverTheRecordSays() {
        for state in LectureState.allCases {
            let view = CaptionDraftView(Self.record(state, draft: Self.draft(.ready)), settings: .off, now: Self.now)
            #expect(view == CaptionDraftView(state: .unavailable, detail: CaptionDraftWords.engineOff))
        }
    }

    @Test func onTheViewFollowsTheLectureAndItsDraft() {
        func view(_ record: LectureRecord, at now: Date = Self.now) -> CaptionDraftView {
            CaptionDraftView(record, settings: Self.on, now: now)
        }
        #expect(view(Self.record(.queued)).state == .pending)
        #expect(view(Self.record(.processing, draft: Self.draft(.ready, version: "v0"))).state == .pending)
        #expect(view(Self.record(.failed)).state == .unavailable)
        #expect(view(Self.record(.ready)) == CaptionDraftView(state: .unavailable, detail: CaptionDraftWords.notAsked))
        for state in [CaptionDraftState.pending, .running, .ready, .failed] {
            #expect(
                view(Self.record(.ready, draft: Self.draft(state)))
                    == CaptionDraftView(state: state, detail: "words for \(state.rawValue)")
            )
        }
        // A draft of an older version says nothing about this one.
        #expect(
            view(Self.record(.ready, version: "v2", draft: Self.draft(.ready, version: "v1"))).state == .unavailable
        )
    }

    @Test func aDraftStillRunningPastItsDeadlineReadsAsFailed() {
        let record = Self.record(.ready, draft: Self.draft(.running, deadlineIn: 60))
        #expect(CaptionDraftView(record, settings: Self.on, now: Self.now.addingTimeInterval(60)).state == .running)
        #expect(
            CaptionDraftView(record, settings: Self.on, now: Self.now.addingTimeInterval(60 + 121))
                == CaptionDraftView(state: .failed, detail: CaptionDraftWords.timedOut)
        )
        // A finished draft stays what it is.
        let ready = Self.record(.ready, draft: Self.draft(.ready, deadlineIn: 60))
        #expect(CaptionDraftView(ready, settings: Self.on, now: Self.now.addingTimeInterval(86_400)).state == .ready)
    }

    @Test(arguments: CaptionDraftState.allCases)
    func theDirectJSONWithADraftIsByteForByteWhatJSONEncoderWrites(state: CaptionDraftState) {
        for detail in [
            nil, "Automatic captions could not be drafted: the speech service said: \"no audio\" \\ </script> é 🎓",
        ] {
            for lecture in [LectureState.queued, .failed] {
                let view = LectureView(
                    Self.record(lecture),
                    captionDraft: CaptionDraftView(state: state, detail: detail)
                )
                let direct = try? #require(view.directJSON)
                #expect(
                    direct.map { String(decoding: $0, as: UTF8.self) }
                        == String(decoding: APIJSON.encode(view), as: UTF8.self)
                )
            }
        }
    }

    @Test func theAPIReadsTheEngineSettingTheWorkerReads() throws {
        let minimal = [
            "LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
            "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
        ]
        #expect(try APIConfig.fromEnvironment(minimal).captionDrafts == .off)
        var environment = minimal
        environment["LECTERN_CAPTIONS_ENGINE"] = "transcribe"
        #expect(try APIConfig.fromEnvironment(environment).captionDrafts.isOn)
        environment["LECTERN_CAPTIONS_ENGINE"] = "pocketsphinx"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { "\($0)".contains("LECTERN_CAPTIONS_ENGINE") }
    }

    @Test(arguments: [false, true])
    func getAnswersTheDraftAsThePortalExpects(engineOn: Bool) async throws {
        let world = try await TestWorld.make { if engineOn { $0.captionDrafts = Self.on } }
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let version = try #require(fixture.record.publishedVersion)
        try await world.services.store.beginCaptionDraft(
            fixture.record.lectureId,
            version: version,
            deadline: Date().addingTimeInterval(600)
        )
        let professor = try await world.token(.professor, courses: ["CS101"])
        try await world.withClient(.inProcess) { client in
            let answer = try await client.call("GET", "/v1/lectures/\(fixture.record.lectureId)", token: professor)
            #expect(answer.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])
            let draft = try #require(object["captionDraft"] as? [String: String])
            #expect(draft["state"] == (engineOn ? "pending" : "unavailable"))
            #expect(draft["detail"] == (engineOn ? CaptionDraftWords.pending : CaptionDraftWords.engineOff))
        }
    }
}
