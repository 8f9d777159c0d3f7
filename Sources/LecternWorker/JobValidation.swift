import Foundation
import LecternCore
import RenditionLadder

/// What the worker checks in a job beyond `JobMessage.decode`: every field it turns into a path (the scratch
/// folder, the S3 source and output keys) must be safe to use, and the source must be this lecture's upload.
enum JobValidation {
    /// Why a message cannot be worked on, in two voices: `detail` for ops (logs, the DLQ), `reason` for the
    /// professor who sees the lecture fail.
    struct Problem: Sendable, Equatable {
        let detail: String
        let reason: String

        static func sourceKey(_ detail: String) -> Problem {
            Problem(detail: detail, reason: readable("the reference to the uploaded recording is not valid"))
        }
        static func ladder(_ detail: String) -> Problem {
            Problem(detail: detail, reason: readable("the requested video qualities are not valid"))
        }
        static func unreadable(_ detail: String) -> Problem {
            Problem(detail: detail, reason: readable("the request could not be read"))
        }

        static func readable(_ what: String) -> String {
            "This lecture could not be processed because its processing request was damaged (\(what)). "
                + "Please upload the recording again; if this keeps happening, contact support."
        }
    }

    /// Lecture ids and output versions name folders and S3 prefixes: 1–128 of `A–Z a–z 0–9 _ - .`, not starting
    /// with a dot (so never `.` or `..`).
    static func isSafeIdentifier(_ text: String) -> Bool {
        guard (1...128).contains(text.utf8.count), !text.hasPrefix(".") else { return false }
        return text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    static let maxRungs = 8

    /// The first problem with a decoded job, or nil when it is safe to work on.
    static func problem(in job: JobMessage) -> Problem? {
        guard isSafeIdentifier(job.lectureID) else {
            return .unreadable("unsafe lectureID \"\(job.lectureID.prefix(200))\"")
        }
        guard isSafeIdentifier(job.outputVersion) else {
            return .unreadable("unsafe outputVersion \"\(job.outputVersion.prefix(200))\"")
        }
        if let problem = sourceKeyProblem(job.sourceKey, lectureID: job.lectureID) { return .sourceKey(problem) }
        guard !job.ladder.isEmpty, job.ladder.count <= maxRungs else {
            return .ladder("ladder has \(job.ladder.count) rungs (1…\(maxRungs) allowed)")
        }
        guard Ladder.allowsHeights(job.ladder) else { return .ladder(Ladder.allowedHeightsProblem) }
        guard Set(job.ladder).count == job.ladder.count else {
            return .ladder("ladder repeats a height: \(job.ladder)")
        }
        return nil
    }

    /// The source must be an upload of this very lecture (`uploads/<lectureID>/…`): a message naming any other
    /// key would have the worker read, and publish, someone else's object.
    static func sourceKeyProblem(_ key: String, lectureID: String) -> String? {
        let shown = "\"\(key.prefix(200))\""
        guard !key.isEmpty else { return "empty sourceKey" }
        guard key.utf8.count <= 1_024 else { return "sourceKey longer than S3's 1024 bytes" }
        guard !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "sourceKey \(shown) holds control characters"
        }
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return "sourceKey \(shown) has an empty, . or .. path segment"
        }
        guard key.hasPrefix("uploads/\(lectureID)/") else {
            return "sourceKey \(shown) is not an upload of lecture \(lectureID)"
        }
        return nil
    }

    /// The lecture id and output version of a message that did not decode, when the JSON still names them safely:
    /// enough to tell the lecture's record why its job failed.
    static func salvageIdentity(_ body: String) -> (lectureID: String, outputVersion: String?)? {
        guard let object = jsonObject(body), let lectureID = object["lectureID"] as? String, isSafeIdentifier(lectureID)
        else {
            return nil
        }
        let version = (object["outputVersion"] as? String).flatMap { isSafeIdentifier($0) ? $0 : nil }
        return (lectureID, version)
    }

    /// Names the field that kept a message from decoding, so the professor reads which part was damaged.
    static func problem(undecodable body: String, lectureID: String, decodingError: String) -> Problem {
        guard let object = jsonObject(body) else { return .unreadable(decodingError) }
        guard let key = object["sourceKey"] as? String else {
            return .sourceKey("sourceKey missing or not a string: \(decodingError)")
        }
        if let problem = sourceKeyProblem(key, lectureID: lectureID) { return .sourceKey(problem) }
        guard let ladder = object["ladder"] as? [Any], ladder.allSatisfy({ $0 is Int }) else {
            return .ladder("ladder missing or not a list of heights: \(decodingError)")
        }
        let heights = ladder.compactMap { $0 as? Int }
        if heights.isEmpty || !Ladder.allowsHeights(heights) { return .ladder(decodingError) }
        return .unreadable(decodingError)
    }

    private static func jsonObject(_ body: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}
