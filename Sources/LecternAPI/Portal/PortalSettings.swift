import Foundation

/// `GET /v1/portal/settings` (public): what the portal needs to know before anyone signs in. Today only whether
/// this API runs against local storage (moto on a loopback address, `make run`), where the sign-in page may explain
/// where demo tokens come from; a university deployment never shows developer hints.
struct PortalSettings: Codable, Sendable, Equatable {
    var localDevelopment: Bool

    /// Local when the bucket's storage answers on a loopback address: S3 never does.
    static func isLocal(storage: URL) -> Bool {
        guard let host = storage.host?.lowercased() else { return false }
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        // 127.0.0.0/8, written as four decimal numbers (a name such as `127.example.edu` is not loopback).
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
