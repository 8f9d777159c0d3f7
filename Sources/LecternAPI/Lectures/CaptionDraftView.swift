import Foundation
import LecternCore

/// `captionDraft` in a lecture's view: where its automatic caption draft stands, in words for a professor. The
/// portal renders it; the states and their meaning are fixed (OpenAPI `CaptionDraft`).
public struct CaptionDraftView: Codable, Sendable, Equatable {
    public var state: CaptionDraftState
    public var detail: String?

    public init(state: CaptionDraftState, detail: String?) {
        self.state = state
        self.detail = detail
    }

    /// - engine off: `unavailable` (automatic drafts need the production engine);
    /// - the lecture not published yet (uploading, queued, encoding): `pending`, a draft follows the publish;
    /// - published with a draft of that version: the draft, failed once past its deadline (`CaptionDraft.effective`);
    /// - published without one (before drafts were turned on, or the worker died between publish and asking), or
    ///   failed: `unavailable`.
    init(_ record: LectureRecord, settings: CaptionDraftSettings, now: Date = Date()) {
        guard settings.isOn else {
            self.init(state: .unavailable, detail: CaptionDraftWords.engineOff)
            return
        }
        switch record.state {
        case .awaitingUpload, .queued, .processing:
            self.init(state: .pending, detail: CaptionDraftWords.pending)
        case .failed:
            self.init(state: .unavailable, detail: CaptionDraftWords.notAsked)
        case .ready:
            guard let draft = record.captionDraft, draft.version == record.publishedVersion else {
                self.init(state: .unavailable, detail: CaptionDraftWords.notAsked)
                return
            }
            let shown = draft.effective(now: now)
            self.init(state: shown.state, detail: shown.detail)
        }
    }
}
