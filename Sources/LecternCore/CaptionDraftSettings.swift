import Foundation

/// Whether (and how) automatic caption drafts are made, read by the worker (which makes them) and the API (which
/// says `unavailable` when they are off) from the same variables the deployment template sets for both:
/// `LECTERN_CAPTIONS_ENGINE` (`off`, the default, or `transcribe`), `LECTERN_CAPTIONS_LANGUAGES` (language codes
/// Transcribe identifies among, e.g. `en-US,de-DE,fr-FR`; one code is used as is, none lets Transcribe choose among
/// all), `LECTERN_CAPTIONS_MAX_WAIT_SECONDS` (how long a draft may take before it fails, default 6 h) and
/// `LECTERN_CAPTIONS_POLL_SECONDS` (the first poll's delay, doubling up to SQS's 900 s limit; default 60).
public struct CaptionDraftSettings: Sendable, Equatable {
    public enum Engine: String, Sendable, Equatable {
        case off
        case transcribe
    }

    public var engine: Engine
    public var languages: [String]
    public var maxWaitSeconds: Int
    public var firstPollSeconds: Int

    public init(
        engine: Engine = .off,
        languages: [String] = [],
        maxWaitSeconds: Int = 21_600,
        firstPollSeconds: Int = 60
    ) {
        self.engine = engine
        self.languages = languages
        self.maxWaitSeconds = maxWaitSeconds
        self.firstPollSeconds = firstPollSeconds
    }

    public static let off = CaptionDraftSettings()

    public var isOn: Bool { engine != .off }

    /// Seconds before poll number `polls` (0 for the first): the first delay doubling, at most SQS's 900.
    public func pollDelay(polls: Int) -> Int {
        min(900, max(0, firstPollSeconds) << min(10, max(0, polls)))
    }

    public typealias Problem = EnvironmentReader.Problem

    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(Problem) -> CaptionDraftSettings {
        let reader = EnvironmentReader(environment)
        var settings = CaptionDraftSettings()
        let engineText = reader.text("LECTERN_CAPTIONS_ENGINE")?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        if !engineText.isEmpty {
            guard let engine = Engine(rawValue: engineText) else {
                throw Problem(
                    variable: "LECTERN_CAPTIONS_ENGINE",
                    message: "must be off or transcribe, not \"\(engineText)\""
                )
            }
            settings.engine = engine
        }
        if let text = reader.text("LECTERN_CAPTIONS_LANGUAGES") {
            let codes = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
            // Transcribe's codes are `ll-RR` or `lll-RR`; its enum is checked by the contract test, the shape here.
            for code in codes where code.wholeMatch(of: /[a-z]{2,3}-[A-Z]{2}/) == nil {
                throw Problem(
                    variable: "LECTERN_CAPTIONS_LANGUAGES",
                    message: "\"\(code)\" is not a language code like en-US"
                )
            }
            guard codes.count <= 5 else {
                throw Problem(
                    variable: "LECTERN_CAPTIONS_LANGUAGES",
                    message: "Transcribe identifies among at most 5 languages"
                )
            }
            settings.languages = codes
        }
        if let value = try reader.integer("LECTERN_CAPTIONS_MAX_WAIT_SECONDS", in: 1...172_800) {
            settings.maxWaitSeconds = value
        }
        if let value = try reader.integer("LECTERN_CAPTIONS_POLL_SECONDS", in: 0...900) {
            settings.firstPollSeconds = value
        }
        return settings
    }
}
