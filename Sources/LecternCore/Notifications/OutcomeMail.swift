import Foundation

/// What a lecture's uploader is told by e-mail when an encode ends.
public enum LectureOutcome: String, Codable, Sendable {
    case ready, failed
}

/// The record, on the lecture item, of the one e-mail about one outcome of one job version
/// (`LectureRecord.outcomeMail`).
/// Written with a conditional update *before* sending (see `LectureStore.claimOutcomeMail`), so of two deliveries
/// racing, or a worker killed after sending, at most one mail goes out per outcome and version.
public struct OutcomeMail: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Claimed; the send was started. Stays so if the process died before SES answered: that mail was perhaps sent,
        /// perhaps not, and is not sent again (at most once).
        case sending
        /// SES accepted it.
        case sent
        /// SES refused it or was unreachable; `detail` says why. Not retried: the portal shows the outcome anyway.
        case notSent
    }

    public var outcome: LectureOutcome
    public var version: String
    public var state: State
    /// SES's message id once sent, or why it was not; never the address.
    public var detail: String?
    public var updatedAt: Date

    public init(outcome: LectureOutcome, version: String, state: State, detail: String? = nil, updatedAt: Date) {
        self.outcome = outcome
        self.version = version
        self.state = state
        self.detail = detail
        self.updatedAt = updatedAt
    }
}

/// An e-mail address shortened for logs and records: never the whole address (`p…@example.edu`).
public enum MaskedAddress {
    public static func mask(_ address: String) -> String {
        guard let at = address.lastIndex(of: "@"), at > address.startIndex else { return "…" }
        return String(address[address.startIndex]) + "…" + String(address[at...])
    }

    /// `text` with every address-like word masked: SES's refusals name the addresses they refused (in the sandbox,
    /// "the following identities failed the check: …"), and those texts go to logs and to the lecture record.
    public static func scrub(_ text: String) -> String {
        let pattern = #"[^\s,;:<>"'()\[\]]+@[^\s,;:<>"'()\[\]]+"#
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        let whole = text as NSString
        var out = text
        for match in regex.matches(in: text, range: NSRange(location: 0, length: whole.length)).reversed() {
            guard let range = Range(match.range, in: out) else { continue }
            out.replaceSubrange(range, with: mask(String(out[range])))
        }
        return out
    }
}
