/// Why a transcode failed, in words a lecturer can read, plus whether retrying could help.
public struct TranscodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The file is not audio or video we can read (empty, text, truncated beyond repair…).
        case notMedia
        /// It is media, but contains no audio and no video stream.
        case noAudioOrVideo
        /// A stream uses a codec this system cannot decode.
        case unsupportedCodec
        /// Over one of the limits (size, duration).
        case overLimits
        /// The input could be opened but nothing could be decoded from it.
        case undecodable
        /// The input path could not be opened at all (missing file, permissions): worth retrying.
        case inputUnavailable
        /// Writing outputs failed (disk full, permissions…).
        case outputFailure
        /// A bug or resource problem on our side.
        case internalFailure
        /// The caller cancelled the transcode.
        case cancelled
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
        switch kind {
        case .notMedia, .noAudioOrVideo, .unsupportedCodec, .overLimits, .undecodable: true
        case .inputUnavailable, .outputFailure, .internalFailure, .cancelled: false
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
