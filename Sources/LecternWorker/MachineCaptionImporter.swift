import Foundation

/// A caption draft Transcribe finished, as the importer receives it.
public struct MachineCaptionDraft: Sendable, Equatable {
    public var lectureID: String
    /// The output version the draft belongs to.
    public var version: String
    /// The language Transcribe used (`en-US`), when it said.
    public var language: String?
    /// What the track is called in the player, e.g. "English (automatic)".
    public var label: String
    /// The WebVTT file as Transcribe wrote it.
    public var vtt: String
    /// Where that file is in our bucket.
    public var key: String

    public init(lectureID: String, version: String, language: String?, label: String, vtt: String, key: String) {
        self.lectureID = lectureID
        self.version = version
        self.language = language
        self.label = label
        self.vtt = vtt
        self.key = key
    }
}

/// Turns a finished draft into the lecture's `machine` caption track. Injected into the worker so the draft's life
/// is testable without the caption publisher; `KeepDraftInBucket` is used until the lead wires
/// `CaptionPublisher.publish(..., source: .machine)` here (see the report of branch `transcribe`).
public protocol MachineCaptionImporter: Sendable {
    /// Throws an error whose description a professor can read when the file is not a usable caption track.
    func importDraft(_ draft: MachineCaptionDraft) async throws
}

/// The importer used until a caption publisher is wired: checks that the file is WebVTT with at least one cue and
/// leaves it where Transcribe wrote it (the draft records its key).
public struct KeepDraftInBucket: MachineCaptionImporter {
    public init() {}

    public struct NotCaptions: Error, CustomStringConvertible {
        public let description: String
    }

    public func importDraft(_ draft: MachineCaptionDraft) async throws {
        let text = draft.vtt.hasPrefix("\u{FEFF}") ? String(draft.vtt.dropFirst()) : draft.vtt
        guard text.hasPrefix("WEBVTT") else {
            throw NotCaptions(description: "the speech service's file is not WebVTT.")
        }
        guard text.contains("-->") else {
            throw NotCaptions(description: "the speech service heard no speech to caption.")
        }
    }
}

/// "English (automatic)" for `en-US`: the language's English name, so every viewer can tell the track apart from
/// a professor's.
public enum MachineCaptionLabel {
    public static func label(language: String?) -> String {
        guard let language, let code = language.split(separator: "-").first.map(String.init),
            let name = Locale(identifier: "en_US").localizedString(forLanguageCode: code)
        else {
            return "Automatic captions"
        }
        return "\(name) (automatic)"
    }
}
