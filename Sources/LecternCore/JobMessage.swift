import Foundation
import RenditionLadder

/// The SQS message that asks a worker to encode one lecture, or one part of a split encode (issue #15). Versioned:
/// a worker rejects versions it does not know (to the DLQ with a reason) rather than guessing. A whole job is
/// version 1 (2 is a caption draft's, `CaptionDraftMessage`); a part carries `part` and is version 3, so a worker
/// that predates split encoding sends it to the DLQ untouched (and the DLQ sweep fails the lecture with a reason)
/// instead of encoding the whole lecture from it.
public struct JobMessage: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1
    public static let partSchemaVersion = 3

    public var schemaVersion: Int
    public var lectureID: String
    /// The S3 key of the uploaded source (server-generated, never the uploader's file name).
    public var sourceKey: String
    /// Distinguishes this encode from earlier ones of the same lecture; outputs go under a prefix unique to it.
    public var outputVersion: String
    public var ladder: [Int]
    public var enqueuedAt: Date
    /// Set on a part of a split encode: which part, and what its plan needs. Nil on a whole job.
    public var part: JobPart?

    public init(
        lectureID: String,
        sourceKey: String,
        outputVersion: String,
        ladder: [Int] = JobMessage.defaultLadder,
        enqueuedAt: Date = Date(),
        schemaVersion: Int = JobMessage.currentSchemaVersion
    ) {
        self.schemaVersion = schemaVersion
        self.lectureID = lectureID
        self.sourceKey = sourceKey
        self.outputVersion = outputVersion
        self.ladder = ladder
        self.enqueuedAt = enqueuedAt
    }

    /// The message for one part of `job`'s split encode.
    public static func part(_ part: JobPart, of job: JobMessage, enqueuedAt: Date = Date()) -> JobMessage {
        var message = job
        message.part = part
        message.enqueuedAt = enqueuedAt
        message.schemaVersion = partSchemaVersion
        return message
    }

    /// The production ladder's heights (`RenditionLadder.Ladder`, which the transcoder's caps come from too).
    public static let defaultLadder = Ladder.standardHeights

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings, ints and a date cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// Parses a message body, checking the version first so a newer producer's message gets a clear reason.
    public static func decode(_ body: String) throws(DecodingProblem) -> JobMessage {
        let data = Data(body.utf8)
        struct VersionOnly: Decodable { let schemaVersion: Int }
        guard let version = try? JSONDecoder().decode(VersionOnly.self, from: data) else {
            throw .malformed("not JSON with a numeric schemaVersion")
        }
        guard version.schemaVersion == currentSchemaVersion || version.schemaVersion == partSchemaVersion else {
            throw .unsupportedVersion(version.schemaVersion)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let message: JobMessage
        do { message = try decoder.decode(JobMessage.self, from: data) } catch { throw .malformed("\(error)") }
        guard (message.part != nil) == (message.schemaVersion == partSchemaVersion) else {
            throw .invalid("schemaVersion \(message.schemaVersion) with\(message.part == nil ? "out" : "") a part")
        }
        if let part = message.part, let problem = part.problem { throw .invalid(problem) }
        guard !message.lectureID.isEmpty else { throw .invalid("empty lectureID") }
        guard !message.sourceKey.isEmpty, !message.sourceKey.contains("..") else { throw .invalid("bad sourceKey") }
        guard !message.ladder.isEmpty, Ladder.allowsHeights(message.ladder) else {
            throw .invalid(Ladder.allowedHeightsProblem)
        }
        return message
    }
}

/// What a part message says beyond its lecture's job: the part, its window and the whole encode's timestamp offset
/// (`SplitProbe.SplitLayout`), so the part's worker builds the plan without probing the source again.
public struct JobPart: Codable, Sendable, Equatable {
    public var part: SplitPart
    /// Video: the chunk's first second (a segment boundary). Nil for the audio part.
    public var start: Double?
    /// Video: the chunk's end, nil for the last chunk (to the source's end).
    public var end: Double?
    /// Seconds every output timestamp is shifted by (AAC priming or B-frame delay, as the whole encode would).
    public var timestampOffset: Double
    /// Video chunks in the plan (for logs and the part's words: "part 3 of 20").
    public var chunkCount: Int
    /// The plan's `LectureSplit.keyframesFollowContent`; nil (a plan from before it) keeps the fixed cadence.
    public var keyframesFollowContent: Bool?

    public init(
        part: SplitPart,
        start: Double?,
        end: Double?,
        timestampOffset: Double,
        chunkCount: Int,
        keyframesFollowContent: Bool? = nil
    ) {
        self.part = part
        self.start = start
        self.end = end
        self.timestampOffset = timestampOffset
        self.chunkCount = chunkCount
        self.keyframesFollowContent = keyframesFollowContent
    }

    var problem: String? {
        guard timestampOffset.isFinite, (0...10).contains(timestampOffset) else { return "bad timestampOffset" }
        guard (1...JobLimits.maxSplitChunks).contains(chunkCount) else { return "bad chunkCount \(chunkCount)" }
        switch part {
        case .audio:
            return start == nil && end == nil ? nil : "the audio part has no window"
        case .video(let index):
            guard (0..<chunkCount).contains(index), let start, start.isFinite, start >= 0 else {
                return "bad video part window"
            }
            if let end, !(end.isFinite && end > start) { return "bad video part window" }
            return nil
        }
    }
}
