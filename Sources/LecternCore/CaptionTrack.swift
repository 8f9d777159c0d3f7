import Foundation

public enum CaptionKind: String, Codable, Sendable, CaseIterable {
    /// Same-language text including sounds and speakers (for viewers who cannot hear).
    case captions
    /// A translation of the dialogue (for viewers who hear but do not understand).
    case subtitles
}

public enum CaptionSource: String, Codable, Sendable, CaseIterable {
    /// Uploaded or edited by a professor or course staff.
    case professor
    /// A machine draft (Amazon Transcribe) nobody has saved yet.
    case machine
}

/// What a caller chooses about a track; the rest (`id`, `version`, `cueCount`…) the publisher decides.
public struct CaptionTrackInput: Sendable, Equatable {
    /// BCP 47 (`en`, `fr-CA`, `zh-Hant`); see `CaptionLanguage.isValid`.
    public var language: String
    /// What players show in their captions menu ("English", "Français (auto)").
    public var label: String
    public var kind: CaptionKind
    public var source: CaptionSource
    public var isDefault: Bool

    public init(
        language: String,
        label: String,
        kind: CaptionKind = .captions,
        source: CaptionSource = .professor,
        isDefault: Bool = false
    ) {
        self.language = language
        self.label = label
        self.kind = kind
        self.source = source
        self.isDefault = isDefault
    }
}

/// One published caption track, as stored in the lecture item's `captions` list. Its files live under
/// `ObjectKeys.captionPrefix(lectureID:trackID:version:)`.
public struct CaptionTrack: Codable, Sendable, Equatable {
    public var id: String
    public var language: String
    public var label: String
    public var kind: CaptionKind
    public var source: CaptionSource
    /// Unique per publish (never reused, so a new version never overwrites files a player is still reading).
    public var version: String
    public var isDefault: Bool
    public var cueCount: Int
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, language, label, kind, source, version, cueCount, updatedAt
        case isDefault = "default"
    }

    public init(
        id: String,
        language: String,
        label: String,
        kind: CaptionKind,
        source: CaptionSource,
        version: String,
        isDefault: Bool,
        cueCount: Int,
        updatedAt: Date
    ) {
        self.id = id
        self.language = language
        self.label = label
        self.kind = kind
        self.source = source
        self.version = version
        self.isDefault = isDefault
        self.cueCount = cueCount
        self.updatedAt = updatedAt
    }

    /// Where this version's files live.
    public func prefix(lectureID: String) -> String {
        ObjectKeys.captionPrefix(lectureID: lectureID, trackID: id, version: version)
    }
}

/// A caption version no track points at any more (replaced or deleted). Its files stay until `retiredAt` is older
/// than the longest presigned playback link, so a player mid-stream never loses its captions; then
/// `CaptionPublisher` deletes them on a later write.
public struct RetiredCaptionVersion: Codable, Sendable, Equatable {
    public var prefix: String
    public var retiredAt: Date

    public init(prefix: String, retiredAt: Date) {
        self.prefix = prefix
        self.retiredAt = retiredAt
    }
}

/// BCP 47 language tags as players and `EXT-X-MEDIA:LANGUAGE` need them: well-formed, short, ASCII only.
public enum CaptionLanguage {
    /// Syntax only (RFC 5646's shape: a 2–3 letter or 4–8 letter primary subtag, then 1–8 character subtags).
    public static func isValid(_ tag: String) -> Bool {
        guard !tag.isEmpty, tag.count <= 35 else { return false }
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...8).contains(primary.count), primary != "",
            primary.allSatisfy({ $0.isASCII && $0.isLetter })
        else {
            return false
        }
        return parts.dropFirst().allSatisfy {
            (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }
}

extension ObjectKeys {
    public static func newCaptionTrackID() -> String {
        "cap_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }
    public static func captionsPrefix(lectureID: String) -> String { "captions/\(lectureID)/" }
    public static func captionPrefix(lectureID: String, trackID: String, version: String) -> String {
        "captions/\(lectureID)/\(trackID)/\(version)/"
    }
}
