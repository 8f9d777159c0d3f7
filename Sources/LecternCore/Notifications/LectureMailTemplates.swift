import Foundation

/// The words of the outcome e-mails, rendered per message in Swift rather than as SES templates: moto cannot send
/// SES templates (it raises NotImplemented), and here the wording is reviewed with the code that fills it.
///
/// Links go to the portal only (`#/watch/<id>`, `#/courses/<id>`): no token, grant or presigned URL is ever in a
/// mail, so a forwarded mail gives nobody access the portal would not give them anyway.
public enum LectureMailTemplates {
    public struct Rendered: Sendable, Equatable {
        public var subject: String
        public var text: String
        public var html: String
    }

    /// SES refuses subjects with line breaks; titles are professors' words and may hold anything.
    static func oneLine(_ text: String, limit: Int = 120) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }

    /// The five characters HTML gives meaning to, in text and in attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A path segment of a portal hash route, percent-encoded as the portal's `encodeURIComponent` does.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.!~*'()")))
            ?? ""
    }

    public static func watchLink(portalURL: String, lectureID: String) -> String {
        "\(portalURL)/#/watch/\(segment(lectureID))"
    }
    public static func courseLink(portalURL: String, courseID: String) -> String {
        "\(portalURL)/#/courses/\(segment(courseID))"
    }

    /// The mail for `outcome` of `record`; `courseName` is the registry's name for its course, when it has one.
    public static func render(
        _ outcome: LectureOutcome,
        record: LectureRecord,
        courseName: String?,
        portalURL: String
    ) -> Rendered {
        let title = oneLine(record.title)
        let course = courseName.map { oneLine($0) } ?? record.courseId
        switch outcome {
        case .ready:
            let link = watchLink(portalURL: portalURL, lectureID: record.lectureId)
            let text = """
                Hello,

                your lecture "\(title)" in \(course) is ready for your students:
                \(link)

                It is shown to students as its visibility setting says (you can change that on the lecture's page).

                — Lectern
                """
            let html = page(
                """
                <p>Hello,</p>
                <p>your lecture <strong>\(escape(title))</strong> in \(escape(course)) is ready for your students:
                <a href="\(escape(link))">watch it in the portal</a>.</p>
                <p>It is shown to students as its visibility setting says (you can change \
                that on the lecture's page).</p>
                <p>— Lectern</p>
                """
            )
            return Rendered(subject: "Ready: \(title)", text: text + "\n", html: html)
        case .failed:
            let link = courseLink(portalURL: portalURL, courseID: record.courseId)
            let reason = record.failureReason.map { oneLine($0, limit: 600) } ?? "The encode stopped without a reason."
            let next =
                record.failureRetryable == false
                ? "Retrying will not help with this file: please upload a new recording on the course page."
                : "You can retry it, or upload a new recording, on the course page."
            let text = """
                Hello,

                your lecture "\(title)" in \(course) could not be prepared for streaming.

                Why: \(reason)

                \(next)
                \(link)

                — Lectern
                """
            let html = page(
                """
                <p>Hello,</p>
                <p>your lecture <strong>\(escape(title))</strong> in \(escape(course)) \
                could not be prepared for streaming.</p>
                <p>Why: \(escape(reason))</p>
                <p>\(escape(next)) <a href="\(escape(link))">Open the course page</a>.</p>
                <p>— Lectern</p>
                """
            )
            return Rendered(subject: "Failed: \(title)", text: text + "\n", html: html)
        }
    }

    private static func page(_ body: String) -> String {
        """
        <!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Lectern</title></head>\n\
        <body>\n\(body)\n</body></html>\n
        """
    }
}
