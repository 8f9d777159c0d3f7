import Foundation

/// One lecture as stored in the lectures table: what the professor uploaded, where its encode stands, and which
/// output version students see. Shared by the API (creates, enqueues, reads) and the worker (claims, publishes).
public struct LectureRecord: Codable, Sendable, Equatable {
    public var lectureId: String
    public var courseId: String
    /// The professor's `sub`.
    public var ownerId: String
    public var title: String
    /// What the lecture covers, as its professor wrote it; nil when none was written.
    public var description: String?
    /// Who may see it besides course staff; nil on records written before visibility existed, which count as
    /// published (see `visibility(at:)`).
    public var visibility: LectureVisibility?
    /// When a `scheduled` lecture becomes visible to students.
    public var publishAt: Date?
    /// The uploader's file name, for display only: object keys never come from it.
    public var filename: String
    public var contentType: String
    public var sizeBytes: Int64
    public var state: LectureState
    public var createdAt: Date
    public var updatedAt: Date

    /// Server-generated S3 key of the source.
    public var sourceKey: String
    /// The S3 multipart upload id while a multipart upload is open.
    public var uploadId: String?
    public var partSizeBytes: Int64?

    // Encoding
    /// The output version the current (or last) job writes; unique per enqueue.
    public var jobVersion: String?
    public var attempts: Int
    public var workerId: String?
    public var leaseExpiresAt: Date?
    public var progressPercent: Double?
    public var progressStage: String?
    /// When the current encode was claimed (set with every claim): with `progressPercent`, the rate the estimate of
    /// time left comes from (`EncodingEstimate`).
    public var encodeStartedAt: Date?
    /// Why the lecture failed, in words a professor can act on.
    public var failureReason: String?
    /// False when retrying cannot help (the file is not a recording, or cannot be decoded): the portal offers no
    /// Retry and `POST /retry` refuses. nil (records written before this field) counts as retryable.
    public var failureRetryable: Bool?
    /// When the lecture last became ready or failed (set by every transition to either, kept through later edits):
    /// what "ready since your last visit" compares, where `updatedAt` also moves with every title or caption edit.
    public var finishedAt: Date?

    // Published output (set only together with state = ready)
    public var publishedVersion: String?
    /// Prefix under which the published version's files live (`renditions/<lecture>/<version>/`).
    public var publishedPrefix: String?
    public var durationSeconds: Double?

    // Captions (see `CaptionPublisher`): kept on the lecture item, so reading a lecture reads its tracks too
    /// Published caption tracks, at most one with `isDefault`.
    public var captions: [CaptionTrack]?
    /// Counts caption writes: every change is conditional on it, so two editors cannot lose each other's change.
    public var captionsRevision: Int?
    /// Caption versions waiting to be deleted once no player can still be reading them.
    public var retiredCaptions: [RetiredCaptionVersion]?
    /// The automatic caption draft of a published version (`CaptionDraft`); nil when none was asked for.
    public var captionDraft: CaptionDraft?

    // Outcome e-mail (see `LectureOutcomeNotifier`)
    /// The uploader's address from their token's `email` claim at create time; nil when the token had none (no mail).
    public var uploaderEmail: String?
    /// The one e-mail about the latest outcome: which outcome and version it was for, and whether SES took it.
    public var outcomeMail: OutcomeMail?

    /// A split encode's chunks and their progress (`LectureSplit`); nil when the lecture is encoded as one job.
    public var split: LectureSplit?

    public init(
        lectureId: String,
        courseId: String,
        ownerId: String,
        title: String,
        filename: String,
        contentType: String,
        sizeBytes: Int64,
        sourceKey: String,
        state: LectureState = .awaitingUpload,
        now: Date = Date()
    ) {
        self.lectureId = lectureId
        self.courseId = courseId
        self.ownerId = ownerId
        self.title = title
        self.filename = filename
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.state = state
        self.createdAt = now
        self.updatedAt = now
        self.sourceKey = sourceKey
        self.attempts = 0
    }
}

/// Server-generated object keys: nothing a user types ever becomes part of a key.
public enum ObjectKeys {
    public static func newLectureID() -> String {
        "lec_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
    public static func newOutputVersion(now: Date = Date()) -> String {
        "v\(Int(now.timeIntervalSince1970))-" + UUID().uuidString.lowercased().prefix(8)
    }
    public static func source(lectureID: String) -> String { "uploads/\(lectureID)/source" }
    public static func renditionPrefix(lectureID: String, version: String) -> String {
        renditionsPrefix(lectureID: lectureID) + "\(version)/"
    }
    /// Every rendition version of a lecture, published or not (deleting a lecture removes them all).
    public static func renditionsPrefix(lectureID: String) -> String { "renditions/\(lectureID)/" }
    /// Whether `id` can be a lecture id `newLectureID()` made: anything else is not looked up at all.
    public static func isLectureID(_ id: String) -> Bool { id.hasPrefix("lec_") && id.count <= 64 }
    /// Where caption files of one output version live (Transcribe's drafts are written here).
    public static func captionsPrefix(lectureID: String, version: String) -> String {
        "captions/\(lectureID)/\(version)/"
    }
}
