import Foundation

/// The queue message that moves one caption draft forward, on the same queue as `JobMessage`.
///
/// Versioning: its `schemaVersion` is 2 and it carries `kind: "captionDraft"`. A worker that predates drafts reads
/// `schemaVersion` first (`JobMessage.decode`), finds a version it does not know, and moves the message to the DLQ
/// untouched, without writing to any lecture; the API's dead-letter sweep leaves messages that are not encode jobs
/// alone. The draft then ends as `failed` at its deadline (`CaptionDraft.effective`). A mixed fleet during a deploy
/// can so lose a draft, never a lecture.
public struct CaptionDraftMessage: Codable, Sendable, Equatable {
    public static let schemaVersion = 2
    public static let kind = "captionDraft"

    public enum Step: String, Codable, Sendable {
        /// Ask Transcribe to start the job.
        case start
        /// Ask Transcribe how the job stands.
        case poll
    }

    public var schemaVersion: Int
    public var kind: String
    public var lectureID: String
    /// The output version the draft transcribes (the lecture's job version when it was published).
    public var outputVersion: String
    public var step: Step
    /// Polls so far: the next delay grows with it.
    public var polls: Int
    /// Transient failures of this step so far: its retry's delay grows with it. A retry is a new message rather than
    /// the same one hidden again, so the queue's redrive policy (counting receives) never moves a draft to the DLQ;
    /// the draft's deadline bounds its retries instead.
    public var retries: Int

    public init(lectureID: String, outputVersion: String, step: Step, polls: Int = 0, retries: Int = 0) {
        self.schemaVersion = Self.schemaVersion
        self.kind = Self.kind
        self.lectureID = lectureID
        self.outputVersion = outputVersion
        self.step = step
        self.polls = polls
        self.retries = retries
    }

    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Plain strings and ints cannot fail to encode.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// The draft message in `body`, or nil when `body` is not one (an encode job, or anything else, which the caller
    /// handles as before). A body that says it is a draft but does not decode is `.malformed`.
    public static func decodeIfDraft(_ body: String) -> Result<CaptionDraftMessage, JobMessage.DecodingProblem>? {
        let data = Data(body.utf8)
        struct Kind: Decodable { let kind: String? }
        guard let kind = try? JSONDecoder().decode(Kind.self, from: data), kind.kind == Self.kind else { return nil }
        guard let message = try? JSONDecoder().decode(CaptionDraftMessage.self, from: data) else {
            return .failure(.malformed("caption draft message does not decode"))
        }
        guard message.schemaVersion == Self.schemaVersion else {
            return .failure(.unsupportedVersion(message.schemaVersion))
        }
        guard isSafe(message.lectureID), isSafe(message.outputVersion), message.polls >= 0, message.retries >= 0 else {
            return .failure(.invalid("caption draft message names an unusable lecture or version"))
        }
        return .success(message)
    }

    /// Lecture ids and versions are server-made (`ObjectKeys`): letters, digits, `_` and `-`.
    static func isSafe(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 80
            && text.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "_" || $0 == "-"
            }
    }
}
