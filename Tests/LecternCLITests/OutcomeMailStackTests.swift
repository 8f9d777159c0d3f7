import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// Outcome mail on the local platform as `make run` starts it with LECTERN_NOTIFY_EMAIL=ses: the bootstrap verifies
/// the sender in moto, the worker mails the uploader once the lecture is ready, and moto records it.
@Suite("Outcome e-mail on the local stack") struct OutcomeMailStackTests {
    let transport = CurlTransport()

    @Test func theWorkerMailsTheUploaderWhenTheLectureIsReady() async throws {
        let sender = MotoServer.uniqueAddress("lectern")
        let professor = MotoServer.uniqueAddress()
        let stack = try await LocalStack(transport: transport, mailFrom: sender)
        let run = try await BuiltProducts.run(
            "lectern",
            [
                "demo", "--api", stack.apiBase, "--secret", stack.secret, "--course", "MAIL101",
                "--seconds", "2", "--size", "320x180", "--timeout", "3m", "--email", professor,
            ]
        )
        #expect(
            run.status == 0,
            "stdout: \(run.stdout)\nstderr: \(run.stderr)\nworker: \(stack.worker.output.suffix(3_000))"
        )
        let watch = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("watch: ") })
        let id = String(watch.dropFirst("watch: \(stack.apiBase)/#/watch/".count))

        // The mail follows the publish (the worker deletes the message, then mails): wait a little for it.
        var sent: [MotoSentEmail] = []
        for _ in 0..<50 where sent.isEmpty {
            sent = try await stack.moto.sentEmails(to: professor)
            if sent.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(sent.count == 1, "worker: \(stack.worker.output.suffix(3_000))")
        let mail = try #require(sent.first)
        #expect(mail.source == sender)
        #expect(mail.subject.hasPrefix("Ready: "))
        #expect(
            mail.body.contains(
                "href=\"\(stack.apiBase.replacingOccurrences(of: "127.0.0.1", with: "localhost"))/#/watch/\(id)\""
            )
        )
        let record = try #require(try await stack.store.get(id))
        #expect(record.outcomeMail?.state == .sent && record.outcomeMail?.outcome == .ready)
        // The worker's log names the outcome, never the address.
        #expect(!stack.worker.output.contains(professor))
    }
}
