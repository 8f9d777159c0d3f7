import Foundation
import LecternCore
import Testing

/// The caption draft's queue message next to encode jobs, and its settings.
@Suite("Caption draft message and settings") struct CaptionDraftMessageTests {
    @Test func aDraftMessageRoundTripsAndAnEncodeJobIsNotOne() throws {
        let message = CaptionDraftMessage(
            lectureID: "lec_abc",
            outputVersion: "v1-x",
            step: .poll,
            polls: 3,
            retries: 1
        )
        #expect(try CaptionDraftMessage.decodeIfDraft(message.encoded())?.get() == message)
        #expect(
            CaptionDraftMessage.decodeIfDraft(
                JobMessage(lectureID: "lec_abc", sourceKey: "uploads/lec_abc/source", outputVersion: "v1").encoded()
            ) == nil
        )
        #expect(CaptionDraftMessage.decodeIfDraft("not json") == nil)
    }

    /// What a worker that predates drafts does with one: `JobMessage.decode` reads the schema version first and
    /// answers `unsupportedVersion`, which such a worker sends to the DLQ untouched, writing to no lecture.
    @Test func aWorkerThatKnowsOnlyEncodeJobsSeesAnUnsupportedVersion() {
        let body = CaptionDraftMessage(lectureID: "lec_abc", outputVersion: "v1", step: .start).encoded()
        #expect(throws: JobMessage.DecodingProblem.unsupportedVersion(2)) { try JobMessage.decode(body) }
    }

    @Test func aDraftMessageWithUnusableIdentifiersIsRefused() {
        let bad =
            #"""
            {"schemaVersion":2,"kind":"captionDraft","lectureID":"../x","outputVersion":"v1",\#
            "step":"poll","polls":0,"retries":0}
            """#
        guard case .failure(let problem)? = CaptionDraftMessage.decodeIfDraft(bad), problem.kind == .invalid else {
            Issue.record("accepted \(bad)")
            return
        }
        let unknownStep =
            #"""
            {"schemaVersion":2,"kind":"captionDraft","lectureID":"lec_1","outputVersion":"v1",\#
            "step":"fly","polls":0,"retries":0}
            """#
        guard case .failure(let problem)? = CaptionDraftMessage.decodeIfDraft(unknownStep), problem.kind == .malformed
        else {
            Issue.record("accepted \(unknownStep)")
            return
        }
    }

    @Test func settingsAreOffUnlessConfiguredAndRefuseWhatTranscribeWouldNot() throws {
        #expect(try CaptionDraftSettings.fromEnvironment([:]) == .off)
        let on = try CaptionDraftSettings.fromEnvironment([
            "LECTERN_CAPTIONS_ENGINE": "transcribe", "LECTERN_CAPTIONS_LANGUAGES": "en-US, de-DE,fr-FR",
        ])
        #expect(on.engine == .transcribe && on.languages == ["en-US", "de-DE", "fr-FR"])
        #expect(throws: CaptionDraftSettings.Problem.self) {
            try CaptionDraftSettings.fromEnvironment(["LECTERN_CAPTIONS_ENGINE": "pocketsphinx"])
        }
        #expect(throws: CaptionDraftSettings.Problem.self) {
            try CaptionDraftSettings.fromEnvironment(["LECTERN_CAPTIONS_LANGUAGES": "english"])
        }
        #expect(throws: CaptionDraftSettings.Problem.self) {
            try CaptionDraftSettings.fromEnvironment([
                "LECTERN_CAPTIONS_LANGUAGES": "en-US,de-DE,fr-FR,es-ES,it-IT,pt-BR"
            ])
        }
    }

    @Test func pollsBackOffDoublingUpToSQSsLongestDelay() {
        let settings = CaptionDraftSettings(engine: .transcribe, firstPollSeconds: 60)
        #expect((0..<7).map(settings.pollDelay(polls:)) == [60, 120, 240, 480, 900, 900, 900])
    }
}
