import AWS
import LecternCore

extension CaptionDraftRunner {
    /// What Transcribe is told about the spoken language. The course's setting wins: a Transcribe code (`fr-FR`) is
    /// used as is; a bare language (`fr`, which the API also accepts as BCP 47) picks the configured code of that
    /// language, or identification among the configured codes of that language when there are several. Without a
    /// usable course setting, the deployment's list: one code as is, several (or none) identified by Transcribe.
    static func transcriptionLanguage(courseLanguage: String?, configured: [String]) -> TranscriptionLanguage {
        if let chosen = courseLanguage {
            if chosen.wholeMatch(of: /[a-z]{2,3}-[A-Z]{2}/) != nil { return .known(chosen) }
            let primary = chosen.split(separator: "-").first.map { $0.lowercased() } ?? ""
            let sameLanguage = configured.filter { $0.split(separator: "-").first.map(String.init) == primary }
            if sameLanguage.count == 1 { return .known(sameLanguage[0]) }
            if !sameLanguage.isEmpty { return .identify(options: sameLanguage) }
        }
        return configured.count == 1 ? .known(configured[0]) : .identify(options: configured)
    }
}
