import Foundation
import LecternCore
import Testing

@Suite("Outcome e-mail: templates and settings") struct LectureMailTemplateTests {
    static let portal = "https://lectern.uni.example"

    func record(title: String = "Week 1", reason: String? = nil, retryable: Bool? = nil) -> LectureRecord {
        var record = LectureRecord(
            lectureId: "lec_0123abcd",
            courseId: "CS 101/A",
            ownerId: "prof-1",
            title: title,
            filename: "w1.mp4",
            contentType: "video/mp4",
            sizeBytes: 1_000,
            sourceKey: "uploads/lec_0123abcd/source",
            state: .ready
        )
        record.jobVersion = "v1733333333-abcdef12"
        record.failureReason = reason
        record.failureRetryable = retryable
        return record
    }

    @Test func theReadyMailNamesTheLectureAndLinksToItsWatchPage() {
        let mail = LectureMailTemplates.render(.ready, record: record(), courseName: "Logic I", portalURL: Self.portal)
        #expect(mail.subject == "Ready: Week 1")
        #expect(mail.text.contains(#"your lecture "Week 1" in Logic I is ready for your students:"#))
        #expect(mail.text.contains("https://lectern.uni.example/#/watch/lec_0123abcd\n"))
        #expect(mail.html.contains(#"<a href="https://lectern.uni.example/#/watch/lec_0123abcd">"#))
    }

    @Test func theFailedMailGivesTheReasonAndLinksToTheCoursePage() {
        let reason = "The file has no video stream: upload the recording itself, not its audio."
        let retryable = LectureMailTemplates.render(
            .failed,
            record: record(reason: reason),
            courseName: nil,
            portalURL: Self.portal
        )
        #expect(retryable.subject == "Failed: Week 1")
        #expect(retryable.text.contains("Why: \(reason)"))
        #expect(retryable.text.contains("You can retry it"))
        // The course id is percent-encoded as the portal's own links are (encodeURIComponent).
        #expect(retryable.text.contains("https://lectern.uni.example/#/courses/CS%20101%2FA"))
        #expect(retryable.html.contains("in CS 101/A could not be prepared"))
        let final = LectureMailTemplates.render(
            .failed,
            record: record(reason: reason, retryable: false),
            courseName: nil,
            portalURL: Self.portal
        )
        #expect(final.text.contains("Retrying will not help"))
        #expect(!final.text.contains("You can retry it"))
    }

    @Test func professorsWordsAreEscapedInHTMLAndFlattenedInTheSubject() {
        let title = "<script>alert(1)</script> \"Logic\" & Proof\nsecond line"
        let mail = LectureMailTemplates.render(
            .failed,
            record: record(title: title, reason: "<b>bad</b> & 'worse'"),
            courseName: "A<B",
            portalURL: Self.portal
        )
        #expect(!mail.html.contains("<script>"))
        #expect(mail.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Logic&quot; &amp; Proof second line"))
        #expect(mail.html.contains("&lt;b&gt;bad&lt;/b&gt; &amp; &#39;worse&#39;"))
        #expect(mail.html.contains("in A&lt;B could not"))
        #expect(!mail.subject.contains("\n"))
        #expect(mail.subject == "Failed: <script>alert(1)</script> \"Logic\" & Proof second line")
    }

    @Test func noMailCarriesATokenGrantOrSignedURL() {
        for outcome in [LectureOutcome.ready, .failed] {
            let mail = LectureMailTemplates.render(
                outcome,
                record: record(reason: "x"),
                courseName: nil,
                portalURL: Self.portal
            )
            for part in [mail.text, mail.html] {
                for forbidden in ["grant=", "access_token", "X-Amz-", "Signature=", "amazonaws.com", "?"] {
                    #expect(!part.contains(forbidden), "\(outcome) mail contains \(forbidden)")
                }
            }
        }
    }

    @Test func mailIsOffUnlessConfiguredAndSESNeedsASenderAndThePortal() throws {
        #expect(try LectureMailSettings.fromEnvironment([:]) == .off)
        #expect(
            try LectureMailSettings.fromEnvironment(["LECTERN_NOTIFY_EMAIL": "off", "LECTERN_NOTIFY_FROM": "x@y.z"])
                == .off
        )
        #expect(
            try LectureMailSettings.fromEnvironment([
                "LECTERN_NOTIFY_EMAIL": "ses", "LECTERN_NOTIFY_FROM": "lectern@uni.example",
                "LECTERN_PORTAL_URL": "https://lectern.uni.example/",
            ])
                == .ses(from: "lectern@uni.example", portalURL: "https://lectern.uni.example")
        )
        #expect {
            try LectureMailSettings.fromEnvironment(["LECTERN_NOTIFY_EMAIL": "ses"])
        } throws: { error in
            let problems = (error as? LectureMailSettings.ConfigurationError)?.problems ?? []
            return problems.count == 2 && problems[0].contains("LECTERN_NOTIFY_FROM")
                && problems[1].contains("LECTERN_PORTAL_URL")
        }
        #expect(throws: LectureMailSettings.ConfigurationError.self) {
            try LectureMailSettings.fromEnvironment(["LECTERN_NOTIFY_EMAIL": "smtp"])
        }
        #expect(throws: LectureMailSettings.ConfigurationError.self) {
            try LectureMailSettings.fromEnvironment([
                "LECTERN_NOTIFY_EMAIL": "ses", "LECTERN_NOTIFY_FROM": "Lectern <l@uni.example>",
                "LECTERN_PORTAL_URL": "https://lectern.uni.example",
            ])
        }
    }

    @Test func addressesAreMaskedInAnythingLogged() {
        #expect(MaskedAddress.mask("professor@uni.example") == "p…@uni.example")
        let refusal =
            """
            Email address is not verified. The following identities failed the check in region \
            EU-WEST-1: prof.x@uni.example, <a@b.c>
            """
        let scrubbed = MaskedAddress.scrub(refusal)
        #expect(!scrubbed.contains("prof.x@") && !scrubbed.contains("a@b.c"))
        #expect(scrubbed.hasSuffix("p…@uni.example, <a…@b.c>"))
    }
}
