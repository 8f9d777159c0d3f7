import Foundation
import RenditionLadder

/// The SQS message that asks a worker to encode one lecture. Versioned: a worker rejects versions it does not
/// know (to the DLQ with a reason) rather than guessing.
public struct JobMessage: Codable, Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var lectureID: String
    /// The S3 key of the uploaded source (server-generated, never the uploader's file name).
    public var sourceKey: String
    /// Distinguishes this encode from earlier ones of the same lecture; outputs go under a prefix unique to it.
    public var outputVersion: String
    public var ladder: [Int]
    public var enqueuedAt: Date

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
        guard version.schemaVersion == currentSchemaVersion else { throw .unsupportedVersion(version.schemaVersion) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let message: JobMessage
        do { message = try decoder.decode(JobMessage.self, from: data) } catch { throw .malformed("\(error)") }
        guard !message.lectureID.isEmpty else { throw .invalid("empty lectureID") }
        guard !message.sourceKey.isEmpty, !message.sourceKey.contains("..") else { throw .invalid("bad sourceKey") }
        guard !message.ladder.isEmpty, Ladder.allowsHeights(message.ladder) else {
            throw .invalid(Ladder.allowedHeightsProblem)
        }
        return message
    }
}
