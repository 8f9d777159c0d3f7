/// Why a transcode failed, in words a lecturer can read, plus whether retrying could help.
///
/// `Kind` is a struct over a private enum (jwt-kit's `JWTError` pattern): callers compare against the named
/// kinds (`error.kind == .notMedia`) but cannot switch exhaustively, so adding a kind (the chunked, caption
/// and loudness work will) breaks no caller. Code that must decide something asks a property such as
/// `isPermanent` rather than listing kinds.
public struct TranscodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case notMedia, noAudioOrVideo, unsupportedCodec, overLimits, undecodable
            case inputUnavailable, outputFailure, internalFailure, cancelled
            case invalidPlan, chunkMismatch
        }

        fileprivate let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file is not audio or video we can read (empty, text, truncated beyond repair…).
        public static let notMedia = Kind(.notMedia)
        /// It is media, but contains no audio and no video stream.
        public static let noAudioOrVideo = Kind(.noAudioOrVideo)
        /// A stream uses a codec this system cannot decode.
        public static let unsupportedCodec = Kind(.unsupportedCodec)
        /// Over one of the limits (size, duration).
        public static let overLimits = Kind(.overLimits)
        /// The input could be opened but nothing could be decoded from it.
        public static let undecodable = Kind(.undecodable)
        /// The input path could not be opened at all (missing file, permissions): worth retrying.
        public static let inputUnavailable = Kind(.inputUnavailable)
        /// Writing outputs failed (disk full, permissions…).
        public static let outputFailure = Kind(.outputFailure)
        /// A bug or resource problem on our side.
        public static let internalFailure = Kind(.internalFailure)
        /// The caller cancelled the transcode.
        public static let cancelled = Kind(.cancelled)
        /// The plan asks for something that cannot be done (a split encode's chunk off a segment boundary…).
        public static let invalidPlan = Kind(.invalidPlan)
        /// A split encode's chunks do not fit together (an encoder setting drifted between them).
        public static let chunkMismatch = Kind(.chunkMismatch)

        /// The kind's stable name (the former enum's raw value), for logs and metrics labels.
        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// A sentence suitable for showing to the person who uploaded the file.
    public let reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// True when retrying the same file cannot succeed, so a job queue should not redeliver it.
    public var isPermanent: Bool {
        switch kind.base {
        case .notMedia, .noAudioOrVideo, .unsupportedCodec, .overLimits, .undecodable: true
        case .inputUnavailable, .outputFailure, .internalFailure, .cancelled: false
        case .invalidPlan, .chunkMismatch: true
        }
    }

    public var description: String { reason }
}

extension TranscodeError {
    static func output(_ what: String, _ error: AVError) -> TranscodeError {
        TranscodeError(.outputFailure, "Could not write \(what): \(error.message).")
    }

    static func `internal`(_ what: String, _ error: AVError) -> TranscodeError {
        TranscodeError(.internalFailure, "\(what) failed: \(error.message).")
    }
}
