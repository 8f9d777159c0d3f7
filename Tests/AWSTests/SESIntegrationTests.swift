import AWS
import Foundation
import LecternTestSupport
import Testing

/// The SES client against moto's SES v2 (signatures checked): what moto records as sent is what the client sent.
/// What moto cannot show: the sandbox's recipient check, real verification by mail, DKIM, bounces and the sending
/// quota; those are described in docs/operations.md ("Outcome e-mail").
@Suite("SES client against moto")
struct SESIntegrationTests {
    func makeClient() async throws -> (SESClient, MotoServer) {
        let moto = try await MotoServer.shared()
        return (SESClient(context: moto.context(transport: CurlTransport())), moto)
    }

    @Test func aMailFromAVerifiedSenderIsRecordedAsSent() async throws {
        let (ses, moto) = try await makeClient()
        let sender = MotoServer.uniqueAddress("lectern")
        let recipient = MotoServer.uniqueAddress()
        try await ses.createEmailIdentity(sender)
        try await ses.createEmailIdentity(sender)  // again: an existing identity is not an error
        let id = try await ses.sendEmail(
            SESEmail(
                from: sender,
                to: [recipient],
                subject: "Ready: Week 1",
                text: "plain words",
                html: "<p>html words</p>"
            )
        )
        let sent = try await moto.sentEmails(to: recipient)
        #expect(sent.count == 1)
        #expect(sent.first?.id == id)
        #expect(sent.first?.source == sender)
        #expect(sent.first?.subject == "Ready: Week 1")
        #expect(sent.first?.body == "<p>html words</p>")  // moto keeps the HTML body when there is one
    }

    @Test func anUnverifiedSenderIsRefusedAsSuch() async throws {
        let (ses, moto) = try await makeClient()
        let recipient = MotoServer.uniqueAddress()
        await #expect {
            try await ses.sendEmail(
                SESEmail(
                    from: MotoServer.uniqueAddress("nobody"),
                    to: [recipient],
                    subject: "s",
                    text: "t",
                    html: "<p>h</p>"
                )
            )
        } throws: { error in
            (error as? SESError)?.errorType == .senderNotVerified
        }
        #expect(try await moto.sentEmails(to: recipient).isEmpty)
    }
}
