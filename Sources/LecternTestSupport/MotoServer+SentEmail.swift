import AWS
import Foundation

/// One message moto's SES recorded as sent (`/moto-api/data.json`, model `ses.Message`). moto keeps one body per
/// message: the HTML when there is one, else the text.
public struct MotoSentEmail: Decodable, Sendable, Equatable {
    public struct Destinations: Decodable, Sendable, Equatable {
        public let ToAddresses: [String]?
    }

    public let id: String
    public let source: String
    public let subject: String
    public let body: String
    public let destinations: Destinations

    public var to: [String] { destinations.ToAddresses ?? [] }
}

extension MotoServer {
    /// Every mail moto's SES has recorded as sent, across accounts and regions (moto's data dump does not say which),
    /// so tests pick theirs by a recipient address unique to the test.
    public func sentEmails(
        to address: String,
        transport: any HTTPTransport = CurlTransport()
    ) async throws -> [MotoSentEmail] {
        struct Dump: Decodable {
            struct SES: Decodable { let Message: [MotoSentEmail]? }
            let ses: SES?
        }
        let response = try await transport.execute(
            HTTPRequest(method: "GET", url: endpoint.appendingPathComponent("moto-api/data.json"))
        )
        guard response.status == 200 else { throw MotoError(message: "moto-api/data.json answered \(response.status)") }
        return (try JSONDecoder().decode(Dump.self, from: response.body).ses?.Message ?? []).filter {
            $0.to.contains(address)
        }
    }

    /// A recipient address no other test uses.
    public static func uniqueAddress(_ prefix: String = "prof") -> String {
        "\(prefix)-\(UUID().uuidString.lowercased().prefix(12))@uni.example"
    }
}
