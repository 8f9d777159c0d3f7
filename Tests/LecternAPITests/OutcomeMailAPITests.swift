import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

@testable import LecternAPI

/// Where the outcome mail's address comes from (the token's `email` claim, recorded at create) and the API's one
/// sender of it: the DLQ sweeper failing a lecture nobody else will.
@Suite("Outcome e-mail through the API") struct OutcomeMailAPITests {
    func professorToken(email: String?) async throws -> String {
        try await DevTokens.mint(
            secret: TestWorld.secret,
            role: .professor,
            user: "prof-mail",
            courses: ["CS101"],
            email: email
        )
    }

    @Test func theTokensEmailIsRecordedAtCreateAndNeverShown() async throws {
        let world = try await TestWorld.make()
        let address = MotoServer.uniqueAddress()
        try await world.withClient(.inProcess) { client in
            for (email, expected) in [(address, address), (nil, nil), ("not an address", nil)] as [(String?, String?)] {
                let token = try await professorToken(email: email)
                let created = try await world.createLecture(client, token: token, course: "CS101", size: 1_000)
                #expect(try await world.services.store.get(created.lecture.id)?.uploaderEmail == expected)
                let view = try await client.call("GET", "/v1/lectures/\(created.lecture.id)", token: token)
                #expect(view.status == 200)
                #expect(!view.text.contains("@uni.example"))
            }
        }
    }

    @Test func aLectureTheDeadLetterSweepFailsIsMailedToItsUploaderOnce() async throws {
        // Given a lecture uploaded by a professor whose token carried an address, whose workers all died
        let world = try await TestWorld.make()
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: CurlTransport())
        let sender = MotoServer.uniqueAddress("lectern")
        try await SESClient(context: context).createEmailIdentity(sender)
        let professor = MotoServer.uniqueAddress()
        let token = try await professorToken(email: professor)
        var id = ""
        try await world.withClient(.inProcess) { client in
            let created = try await world.createLecture(client, token: token, course: "CS101", size: 1_000)
            _ = try await TestWorld.put(
                TestWorld.bytes(1_000),
                to: created.upload.url!,
                headers: created.upload.headers ?? [:]
            )
            id = created.lecture.id
            #expect(try await client.call("POST", "/v1/lectures/\(id)/upload/complete", token: token).status == 202)
        }
        _ = try await world.drain()
        let version = try #require(try await world.services.store.get(id)?.jobVersion)
        try await world.services.store.claim(
            id,
            version: version,
            workerID: "dead",
            leaseSeconds: 5,
            now: Date().addingTimeInterval(-600)
        )
        let job = JobMessage(lectureID: id, sourceKey: ObjectKeys.source(lectureID: id), outputVersion: version)
        _ = try await world.services.sqs.sendMessage(world.deadLetterQueueURL, body: job.encoded())

        // When two API tasks sweep the DLQ with mail on
        let notifier = LectureOutcomeNotifier(
            settings: .ses(from: sender, portalURL: "https://lectern.uni.example"),
            ses: SESClient(context: context),
            store: world.services.store
        )
        func sweep() async throws -> DeadLetterSweep.Result {
            try await DeadLetterSweep(
                sqs: world.services.sqs,
                store: world.services.store,
                deadLetterQueueURL: world.deadLetterQueueURL,
                holdSeconds: 30,
                outcomeMail: notifier
            ).sweep()
        }
        let first = try await sweep()
        let second = try await sweep()

        // Then the lecture failed and its uploader got one mail saying why, with the course page's link
        #expect(first.lecturesFailed == 1 && second.lecturesFailed == 0)
        guard case .sent = first.mails.first else {
            Issue.record("mails: \(first.mails)")
            return
        }
        #expect(second.mails.isEmpty)
        let failed = try #require(try await world.services.store.get(id))
        #expect(failed.state == .failed)
        let sent = try await moto.sentEmails(to: professor)
        #expect(sent.count == 1)
        #expect(sent.first?.subject == "Failed: Week 1")
        #expect(sent.first?.body.contains(LectureMailTemplates.escape(try #require(failed.failureReason))) == true)
        #expect(sent.first?.body.contains("https://lectern.uni.example/#/courses/CS101") == true)
    }

    @Test func theAPIReadsTheMailSettingsTheWorkerReadsAndRefusesAHalfConfiguredOne() throws {
        let minimal = [
            "LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
            "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
        ]
        #expect(try APIConfig.fromEnvironment(minimal).outcomeMail == .off)
        var environment = minimal
        environment["LECTERN_NOTIFY_EMAIL"] = "ses"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { "\($0)".contains("LECTERN_NOTIFY_FROM") }
        environment["LECTERN_NOTIFY_FROM"] = "lectern@uni.example"
        environment["LECTERN_PORTAL_URL"] = "https://lectern.uni.example"
        #expect(
            try APIConfig.fromEnvironment(environment).outcomeMail
                == .ses(from: "lectern@uni.example", portalURL: "https://lectern.uni.example")
        )
    }
}
