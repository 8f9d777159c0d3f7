import Foundation

/// Amazon SES over its v2 REST-JSON API (`POST /v2/email/outbound-emails`), through the same signed
/// `AWSServiceClient` as the other services (signing name `ses`).
///
/// v2 rather than v1's Query `SendEmail`: JSON in and out (no form encoding, no XML answers), and it is the API
/// AWS documents new features on. moto 5.2.1 answers both; it stores the HTML body when there is one.
///
/// Retries: `sendEmail` is not idempotent (a lost answer to a sent mail, sent again, is a second mail), so it is
/// retried only when the failure proves SES never acted on it (throttling before processing, a refused connection).
public struct SESClient: Sendable {
    public let client: AWSServiceClient

    public init(client: AWSServiceClient) {
        precondition(client.service == .ses, "SESClient needs an SES service client")
        self.client = client
    }

    public init(context: AWSContext) {
        self.init(client: context.client(for: .ses))
    }

    /// Sends `email`; answers SES's message id.
    /// - Throws: `SESError`.
    @discardableResult
    public func sendEmail(_ email: SESEmail) async throws(SESError) -> String {
        let answer: SESSendEmailOutput = try await post(
            "/v2/email/outbound-emails",
            SESSendEmailInput(email),
            idempotent: false
        )
        guard let id = answer.MessageId, !id.isEmpty else {
            throw SESError(
                .malformedResponse,
                code: "MalformedResponse",
                message: "SendEmail answered no MessageId",
                status: 200
            )
        }
        return id
    }

    /// Starts verifying an e-mail address as a sender (`CreateEmailIdentity`). On AWS, SES mails the address a link
    /// that must be followed; moto counts it verified at once. An identity that exists already is not an error.
    public func createEmailIdentity(_ address: String) async throws(SESError) {
        do {
            let _: SESEmptyOutput = try await post(
                "/v2/email/identities",
                SESCreateEmailIdentityInput(EmailIdentity: address),
                idempotent: true
            )
        } catch  where error.code == "AlreadyExistsException" {
            return
        }
    }

    private func post<Input: Encodable, Output: Decodable>(
        _ path: String,
        _ input: Input,
        idempotent: Bool
    ) async throws(SESError) -> Output {
        let body: Data
        do { body = try JSONEncoder().encode(input) } catch {
            throw SESError(.refused, code: "EncodingFailed", message: "\(error)", status: 0)
        }
        var headers: HTTPHeaders = [:]
        headers["Content-Type"] = "application/json"
        let request = AWSRequest(
            method: "POST",
            url: AWSServiceClient.url(base: client.endpoint, encodedPath: path),
            headers: headers,
            body: .data(body),
            payload: .bytes(body),
            idempotent: idempotent,
            // A mail is never worth holding a worker: an SES that does not answer in 15 s is down.
            timeouts: HTTPTimeouts(connect: .seconds(5), total: .seconds(15))
        )
        let answer: Data
        do {
            answer = try await client.send(request).body
        } catch let error as AWSError {
            throw SESError(error)
        } catch {
            throw SESError(.unavailable, code: "Transport", message: "\(error)", status: 0)
        }
        do {
            return try JSONDecoder().decode(Output.self, from: answer.isEmpty ? Data("{}".utf8) : answer)
        } catch {
            throw SESError(
                .malformedResponse,
                code: "MalformedResponse",
                message: "\(path) answered JSON that does not decode: \(error)",
                status: 200
            )
        }
    }
}

struct SESEmptyOutput: Decodable {}
