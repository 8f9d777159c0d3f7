import Foundation

/// Who "a client" is for per-client limits (failed sign-ins).
///
/// With no proxy in front (`forwardedHops` 0) it is the connection's peer address. Behind a load balancer every
/// peer is the balancer, so a limit on the peer would be one limit for everyone; there the client is the entry
/// the nearest trusted proxy appended to `X-Forwarded-For` — the `forwardedHops`-th from the right. Entries further
/// left were written by the client and prove nothing. This is only sound when the API cannot be reached except
/// through those proxies (the stack's security group admits only the load balancer).
enum ClientIdentity {
    static func key(of request: APIRequest, forwardedHops: Int) -> String? {
        guard forwardedHops > 0 else { return request.clientAddress }
        guard let forwarded = request.header("X-Forwarded-For") else { return request.clientAddress }
        let entries = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        // Fewer entries than hops: the request did not pass through every proxy we expect; the leftmost is the best
        // we have and still one the nearest proxy wrote or passed on.
        guard let entry = entries.count >= forwardedHops ? entries[entries.count - forwardedHops] : entries.first else {
            return request.clientAddress
        }
        // An address is short; anything longer is not one, and must not become an unbounded key.
        return String(entry.prefix(64))
    }
}
