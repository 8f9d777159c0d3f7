extension JobMessage {
    /// Why a queue message is not a job this worker can run. A struct over an enum (jwt-kit's `JWTError` shape):
    /// the worker compares `kind` (a newer producer's version goes to the dead-letter queue untouched), so adding a
    /// kind breaks no caller.
    public struct DecodingProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public struct Kind: Sendable, Hashable, CustomStringConvertible {
            enum Base: String, Sendable { case malformed, unsupportedVersion, invalid }
            let base: Base

            /// Not JSON, or not the fields a job has.
            public static let malformed = Kind(base: .malformed)
            /// A schema version this worker does not know (a newer producer's).
            public static let unsupportedVersion = Kind(base: .unsupportedVersion)
            /// Well-formed, but a value is unacceptable (empty id, a key with `..`, a ladder out of range).
            public static let invalid = Kind(base: .invalid)

            public var description: String { base.rawValue }
        }

        public let kind: Kind
        /// For `malformed` and `invalid`: what was wrong.
        public let reason: String?
        /// For `unsupportedVersion`: the version the message carried.
        public let version: Int?

        private init(_ kind: Kind, reason: String? = nil, version: Int? = nil) {
            self.kind = kind
            self.reason = reason
            self.version = version
        }

        public static func malformed(_ why: String) -> DecodingProblem { DecodingProblem(.malformed, reason: why) }
        public static func unsupportedVersion(_ version: Int) -> DecodingProblem {
            DecodingProblem(.unsupportedVersion, version: version)
        }
        public static func invalid(_ why: String) -> DecodingProblem { DecodingProblem(.invalid, reason: why) }

        public var description: String {
            switch kind.base {
            case .malformed: "malformed job message: \(reason ?? "")"
            case .unsupportedVersion:
                """
                job message schema version \(version ?? 0) is not supported (this worker knows \
                \(JobMessage.currentSchemaVersion))
                """
            case .invalid: "invalid job message: \(reason ?? "")"
            }
        }
    }
}
