import AWS
import Foundation
import LecternCore

/// The production importer: publishes a finished Transcribe draft as the lecture's `machine` caption track through
/// the same `CaptionPublisher` professors' uploads go through (parsed, sanitised, segmented for HLS, never re-encoding
/// video). A poll delivered twice must not add a second track: an existing machine track in the same language is
/// replaced (a new version), so importing is idempotent in what students see. A professor's track is never touched.
public struct PublishMachineTrack: MachineCaptionImporter {
    let publisher: CaptionPublisher
    let store: LectureStore

    public init(store: LectureStore, s3: S3Client, bucket: String) {
        self.store = store
        publisher = CaptionPublisher(store: store, s3: s3, bucket: bucket)
    }

    /// BCP 47 "undetermined" when Transcribe named no language.
    static let unknownLanguage = "und"

    public func importDraft(_ draft: MachineCaptionDraft) async throws {
        let language = draft.language.flatMap { CaptionLanguage.isValid($0) ? $0 : nil } ?? Self.unknownLanguage
        let existing = try await store.get(draft.lectureID)?.captions?.first {
            $0.source == .machine && $0.language == language
        }
        try await publisher.publish(
            lectureID: draft.lectureID,
            track: CaptionTrackInput(language: language, label: draft.label, kind: .captions, source: .machine),
            file: Data(draft.vtt.utf8),
            replacing: existing?.id
        )
    }
}
