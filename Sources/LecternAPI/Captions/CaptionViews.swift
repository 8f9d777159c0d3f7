import Foundation
import LecternCore

/// A caption track as clients see it (`Track` in the OpenAPI document).
public struct CaptionTrackView: Codable, Sendable, Equatable {
    public var id: String
    public var language: String
    public var label: String
    public var kind: String
    public var source: String
    public var version: String
    public var isDefault: Bool
    public var cueCount: Int
    public var updatedAt: Date
    /// A short-lived presigned GET of the whole sanitised `track.vtt`.
    public var vtt: URL

    enum CodingKeys: String, CodingKey {
        case id, language, label, kind, source, version, cueCount, updatedAt, vtt
        case isDefault = "default"
    }

    init(_ track: CaptionTrack, vtt: URL) {
        id = track.id
        language = track.language
        label = track.label
        kind = track.kind.rawValue
        source = track.source.rawValue
        version = track.version
        isDefault = track.isDefault
        cueCount = track.cueCount
        updatedAt = track.updatedAt
        self.vtt = vtt
    }
}

/// GET /v1/lectures/{id}/captions
public struct CaptionTrackList: Codable, Sendable, Equatable {
    public var tracks: [CaptionTrackView]
}

/// PATCH /v1/lectures/{id}/captions/{trackId}
struct CaptionTrackPatch: Decodable, Sendable {
    var label: String?
    var language: String?
    var kind: CaptionKind?
    var isDefault: Bool?

    enum CodingKeys: String, CodingKey {
        case label, language, kind
        case isDefault = "default"
    }
}

/// The 422 for a caption file that does not parse: RFC 9457 plus every problem with its line (the first
/// `CaptionHandlers.problemLimit`; `errorCount` says how many there were) and the encoding the file was read as.
struct CaptionFileProblem: Encodable {
    struct LineError: Encodable {
        var line: Int
        var message: String
    }

    var type = "https://lectern.dev/problems/invalid-caption-file"
    var title = "The caption file has problems"
    var status = 422
    var detail: String
    var instance: String
    var errors: [LineError]
    var errorCount: Int
    var encoding: String?
}
