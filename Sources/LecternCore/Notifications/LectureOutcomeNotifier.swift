import AWS
import Foundation

/// Tells a lecture's uploader by e-mail that it is ready or failed: at most once per outcome and job version, and
/// never at the lecture's expense (it never throws; callers call it after the lecture's own write and log the answer).
///
/// Order: claim, then send, then record the result. Claiming first makes it at most once: two deliveries of the same
/// publish, or the API's DLQ sweeper racing a worker, cannot both send, and a worker killed between claim and send
/// leaves `sending` behind and no second mail. The other order (send, then record) is at least once: a kill after
/// sending mails the professor again on the next delivery. For a notice whose content the portal shows anyway
/// (state, reason, link), a missed mail costs a glance at the portal while a repeated one teaches people to ignore
/// them, so at most once with the attempt recorded is the better trade; `outcomeMail.state == sending` long after
/// `updatedAt` is the trace of a mail that may not have gone out.
public struct LectureOutcomeNotifier: Sendable {
    /// What happened to one outcome's mail.
    public enum Delivery: Sendable, Equatable {
        /// E-mail is off on this process.
        case off
        /// The uploader's token carried no address.
        case noAddress
        /// Already claimed for this outcome and version (a duplicate delivery), or the lecture moved on.
        case alreadyClaimed
        /// SES accepted it (its message id).
        case sent(messageID: String)
        /// Claimed but not sent; why (SES's refusal or outage, or the claim write failing).
        case notSent(String)

        /// For logs: never holds the address.
        public var summary: String {
            switch self {
            case .off: "off"
            case .noAddress: "not sent: the uploader's token carried no e-mail address"
            case .alreadyClaimed: "not sent: already claimed for this outcome and version"
            case .sent(let id): "sent (SES message \(id))"
            case .notSent(let why): "not sent: \(why)"
            }
        }

        /// Worth a warning: a mail that should have gone out did not.
        public var isProblem: Bool { if case .notSent = self { true } else { false } }
    }

    enum Mode: Sendable {
        case off
        case ses(SESClient, from: String, portalURL: String)
    }

    let mode: Mode
    let store: LectureStore
    let courses: CourseStore

    /// Off: answers `.off` to everything and touches nothing.
    public static func off(store: LectureStore) -> LectureOutcomeNotifier {
        LectureOutcomeNotifier(mode: .off, store: store, courses: CourseStore(store))
    }

    public init(settings: LectureMailSettings, ses: SESClient, store: LectureStore) {
        switch settings {
        case .off: mode = .off
        case .ses(let from, let portalURL): mode = .ses(ses, from: from, portalURL: portalURL)
        }
        self.store = store
        self.courses = CourseStore(store)
    }

    init(mode: Mode, store: LectureStore, courses: CourseStore) {
        self.mode = mode
        self.store = store
        self.courses = courses
    }

    public var isOn: Bool { if case .ses = mode { true } else { false } }

    /// Mails the uploader of `record` (as the lecture's own write left it) about `outcome` of its current job version.
    public func notify(_ outcome: LectureOutcome, record: LectureRecord, now: Date = Date()) async -> Delivery {
        guard case .ses(let ses, let from, let portalURL) = mode else { return .off }
        guard let address = record.uploaderEmail, LectureMailSettings.isPlausibleAddress(address) else {
            return .noAddress
        }
        guard let version = record.jobVersion else { return .alreadyClaimed }
        let claimed: LectureRecord
        do {
            claimed = try await store.claimOutcomeMail(record.lectureId, outcome: outcome, version: version, now: now)
        } catch is LectureStore.Conflict {
            return .alreadyClaimed
        } catch {
            // Not claimed, so not sent: sending unclaimed could repeat. The lecture itself is unaffected.
            return .notSent("could not record the mail before sending: \(error)")
        }
        let courseName = try? await courses.get(claimed.courseId)?.name
        let words = LectureMailTemplates.render(outcome, record: claimed, courseName: courseName, portalURL: portalURL)
        let email = SESEmail(
            from: from,
            to: [address],
            subject: words.subject,
            text: words.text,
            html: words.html,
            tags: ["lectern-outcome": outcome.rawValue]
        )
        let delivery: Delivery
        var finished = OutcomeMail(outcome: outcome, version: version, state: .sent, updatedAt: Date())
        do {
            let id = try await ses.sendEmail(email)
            delivery = .sent(messageID: id)
            finished.detail = id
        } catch {
            let why = MaskedAddress.scrub(error.description)
            delivery = .notSent(why)
            finished.state = .notSent
            finished.detail = String(why.prefix(300))
        }
        // Best effort: should this write fail, `sending` stays, which reads the same (no second mail).
        _ = try? await store.finishOutcomeMail(record.lectureId, finished)
        return delivery
    }
}
