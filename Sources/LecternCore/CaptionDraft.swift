import Foundation

/// Where an automatic caption draft stands. `unavailable` is never stored: the API answers it when the engine is
/// off or no draft was asked for this version.
public enum CaptionDraftState: String, Codable, Sendable, CaseIterable {
    /// Asked for after publish; the speech service has not accepted the job yet.
    case pending
    /// The speech service is transcribing.
    case running
    /// The draft was imported as a machine caption track.
    case ready
    /// No draft will come for this version; `detail` says why.
    case failed
    /// Not stored; see the type's note.
    case unavailable

    /// States no message moves on from.
    public var isFinal: Bool { self == .ready || self == .failed || self == .unavailable }
}

/// The automatic caption draft of one published version, stored on the lecture (`captionDraft`). Every write is
/// conditional on `version` being both the lecture's job version and the draft's, so a draft of an older encode
/// (a retried or re-encoded lecture) can never overwrite a newer one.
public struct CaptionDraft: Codable, Sendable, Equatable {
    public var state: CaptionDraftState
    /// The output version this draft transcribes.
    public var version: String
    /// Words for a professor: why it failed, or what the ready draft is.
    public var detail: String?
    /// Transcribe's job name, once started.
    public var jobName: String?
    /// The language Transcribe used (given or identified).
    public var language: String?
    /// The WebVTT Transcribe wrote, once ready.
    public var vttKey: String?
    /// Past this, a draft still pending or running is failed by whoever sees it next (the worker's poll, or the API's
    /// view when every poll message was lost), so no draft says "in progress" for good.
    public var deadline: Date
    public var updatedAt: Date

    public init(
        state: CaptionDraftState,
        version: String,
        detail: String? = nil,
        jobName: String? = nil,
        language: String? = nil,
        vttKey: String? = nil,
        deadline: Date,
        updatedAt: Date = Date()
    ) {
        self.state = state
        self.version = version
        self.detail = detail
        self.jobName = jobName
        self.language = language
        self.vttKey = vttKey
        self.deadline = deadline
        self.updatedAt = updatedAt
    }

    /// What a reader shows at `now`: a pending or running draft past its deadline (plus `grace`, the time one last
    /// poll needs) has failed, whatever the stored state says.
    public func effective(now: Date = Date(), grace: TimeInterval = 120) -> (state: CaptionDraftState, detail: String?)
    {
        if !state.isFinal, now > deadline.addingTimeInterval(grace) {
            return (.failed, CaptionDraftWords.timedOut)
        }
        return (state, detail)
    }
}

/// The words a professor reads about a draft, in one place so worker and API say the same.
public enum CaptionDraftWords {
    public static let pending = "Automatic captions will be drafted shortly."
    public static let running = "Automatic captions are being drafted. This takes about as long as the lecture."
    public static let ready = "Automatic captions (may contain errors) are ready. Review them before relying on them."
    public static let timedOut =
        "Automatic captions took too long and were stopped. You can still upload captions yourself."
    public static let engineOff =
        """
        Automatic captions need the production speech engine, which is not turned on here. \
        Upload captions (WebVTT or SRT) instead.
        """
    public static let notAsked = "No automatic captions were drafted for this version of the lecture."
    public static func failed(_ why: String) -> String {
        "Automatic captions could not be drafted: \(why) You can still upload captions yourself."
    }
}
