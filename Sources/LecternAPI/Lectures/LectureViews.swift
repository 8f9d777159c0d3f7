import Foundation
import LecternCore

/// POST /v1/lectures
public struct CreateLectureRequest: Codable, Sendable {
    public var title: String
    public var course: String
    public var filename: String
    public var size: Int64
    public var contentType: String
    /// Optional: the course's `defaultVisibility` when absent.
    public var visibility: LectureVisibility?
    /// Required with `visibility: scheduled`.
    public var publishAt: Date?
    public var description: String?

    public init(
        title: String,
        course: String,
        filename: String,
        size: Int64,
        contentType: String,
        visibility: LectureVisibility? = nil,
        publishAt: Date? = nil,
        description: String? = nil
    ) {
        self.title = title
        self.course = course
        self.filename = filename
        self.size = size
        self.contentType = contentType
        self.visibility = visibility
        self.publishAt = publishAt
        self.description = description
    }
}

/// A lecture as clients see it.
public struct LectureView: Codable, Sendable, Equatable {
    public struct Progress: Codable, Sendable, Equatable {
        public var percent: Double?
        public var stage: String?
        /// Whole seconds the encode has left, once the estimate is stable (see `EncodingEstimate`).
        public var secondsLeft: Int?
        /// A split encode (issue #15): video parts done and planned ("7 of 20 parts").
        public var partsDone: Int? = nil
        public var partsTotal: Int? = nil
    }

    public var id: String
    public var course: String
    public var owner: String
    public var title: String
    public var description: String?
    /// `draft`, `published` or `scheduled`, as in force now (a scheduled lecture whose time has come is `published`).
    public var visibility: String
    public var publishAt: Date?
    public var filename: String
    public var contentType: String
    public var size: Int64
    public var state: String
    public var createdAt: Date
    public var updatedAt: Date
    public var progress: Progress?
    public var failureReason: String?
    /// For a failed lecture: whether `POST /retry` can help (false when the file itself is the problem).
    public var retryable: Bool?
    /// For a ready or failed lecture: when it became so (absent on records from before this field).
    public var finishedAt: Date?
    public var durationSeconds: Double?
    public var playback: PlaybackView?
    /// List items of ready lectures: a presigned link to the poster, so a list needs no call per lecture.
    public var poster: URL?
    /// The automatic caption draft (GET /v1/lectures/{id} only).
    public var captionDraft: CaptionDraftView?
    /// A processing lecture that can be watched already, and how far (see `LectureRecord.growingSplit`).
    public var playable: Playable? = nil

    init(
        _ record: LectureRecord,
        playback: PlaybackView? = nil,
        poster: URL? = nil,
        captionDraft: CaptionDraftView? = nil,
        now: Date = Date()
    ) {
        id = record.lectureId
        course = record.courseId
        owner = record.ownerId
        title = record.title
        description = record.description
        visibility = record.visibility(at: now).rawValue
        publishAt = record.publishAt
        filename = record.filename
        contentType = record.contentType
        size = record.sizeBytes
        state = record.state.rawValue
        createdAt = record.createdAt
        updatedAt = record.updatedAt
        if record.state == .processing {
            progress = Progress(
                percent: record.progressPercent,
                stage: record.progressStage,
                secondsLeft: EncodingEstimate.secondsLeft(
                    percent: record.progressPercent,
                    startedAt: record.encodeStartedAt,
                    now: now
                )
            )
            if let split = record.currentSplit {
                progress?.partsDone = split.done.filter(split.chunks.indices.contains).count
                progress?.partsTotal = split.chunks.count
            }
            if let split = record.growingSplit, let through = split.playableThrough {
                playable = Playable(split, playableThrough: through)
            }
        }
        failureReason = record.state == .failed ? record.failureReason : nil
        retryable = record.state == .failed ? record.failureRetryable ?? true : nil
        finishedAt = record.state == .ready || record.state == .failed ? record.finishedAt : nil
        durationSeconds = record.durationSeconds ?? playback?.durationSeconds
        self.playback = playback
        self.poster = poster
        self.captionDraft = captionDraft
    }
}

/// Links to a ready lecture's outputs; S3 links are presigned and expire at `expiresAt`.
public struct PlaybackView: Codable, Sendable, Equatable {
    public struct Rendition: Codable, Sendable, Equatable {
        public var name: String
        public var width: Int?
        public var height: Int?
        public var bandwidth: Int?
    }
    public struct Storyboard: Codable, Sendable, Equatable {
        /// The API's WebVTT with presigned image links.
        public var cues: String
        public var image: URL?
        public var interval: Double?
        public var thumbnailWidth: Int?
        public var thumbnailHeight: Int?
    }

    /// The API's master playlist (its variant links lead back to the API, its media links to S3).
    public var hls: String
    /// `encoding` while the lecture grows (EVENT playlists without an end, see `GrowingPlayback`); absent when ready.
    public var status: String? = nil
    public var mp4: URL?
    public var poster: URL?
    public var storyboard: Storyboard?
    public var renditions: [Rendition]
    public var durationSeconds: Double?
    public var expiresAt: Date
    /// What the viewer should know about this encoding, e.g. that it was published without sound and why.
    public var notices: [String]? = nil
    /// The lecture's caption tracks (the same objects as GET …/captions), so the watch page needs one call.
    public var captions: [CaptionTrackView]? = nil
    /// The detected slides and their chapters track; nil when the encode found none (or predates the detector).
    public var slides: Slides? = nil

    public struct Slides: Codable, Sendable, Equatable {
        /// The WebVTT chapters track (`kind="chapters"`, one cue per slide), presigned: it holds no links to rewrite.
        public var chapters: URL?
        public var items: [Slide]
    }
    public struct Slide: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        /// May be empty when OCR found no text: the portal then shows "Slide N".
        public var title: String
        public var text: String
        public var thumbnail: URL?
    }
}

/// How the browser sends the file.
public struct UploadPlan: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable { case single, multipart }
    public struct PartURL: Codable, Sendable, Equatable {
        public var partNumber: Int
        public var url: URL
    }

    public var method: Method
    /// single: PUT the whole file here, with `headers`.
    public var url: URL?
    public var headers: [String: String]?
    /// multipart: the part size (every part but the last is exactly this big) and count.
    public var partSize: Int64?
    public var partCount: Int?
    /// multipart: the first batch of part URLs; ask POST …/upload/parts for more.
    public var parts: [PartURL]?
    public var expiresAt: Date
}

public struct CreateLectureResponse: Codable, Sendable {
    public var lecture: LectureView
    public var upload: UploadPlan
}

/// POST /v1/lectures/{id}/upload/parts
public struct PartURLsRequest: Codable, Sendable {
    public var partNumbers: [Int]
    public init(partNumbers: [Int]) { self.partNumbers = partNumbers }
}

public struct PartURLsResponse: Codable, Sendable {
    public var parts: [UploadPlan.PartURL]
    public var expiresAt: Date
}

/// GET /v1/lectures/{id}/upload
public struct UploadStatusResponse: Codable, Sendable {
    public struct Part: Codable, Sendable, Equatable {
        public var partNumber: Int
        public var eTag: String
        public var size: Int64
    }
    public var method: UploadPlan.Method
    public var state: String
    public var partSize: Int64?
    public var partCount: Int?
    /// multipart: what S3 already holds; the client uploads the rest.
    public var uploadedParts: [Part]?
    public var missingPartNumbers: [Int]?
    /// single: whether the object is there, and a fresh URL to PUT it (again).
    public var uploaded: Bool?
    public var url: URL?
    public var expiresAt: Date?
}

/// POST /v1/lectures/{id}/upload/complete
public struct CompleteUploadRequest: Codable, Sendable {
    public struct Part: Codable, Sendable {
        public var partNumber: Int
        public var eTag: String
        public init(partNumber: Int, eTag: String) {
            self.partNumber = partNumber
            self.eTag = eTag
        }
    }
    public var parts: [Part]?
    public init(parts: [Part]? = nil) { self.parts = parts }
}

/// The 202 of complete and retry: the same body however often the call is repeated.
public struct JobAccepted: Codable, Sendable, Equatable {
    public var lectureId: String
    public var jobVersion: String
    public var status = "accepted"
}

/// GET /v1/courses/{course}/lectures
public struct LecturePage: Codable, Sendable {
    public var lectures: [LectureView]
    /// Pass as `cursor` for the next page; absent on the last.
    public var nextCursor: String?
}
