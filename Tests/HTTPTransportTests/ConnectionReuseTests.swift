import Foundation
import HTTPTransport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ConnectionReuseTests {
    let server: HTTPTestServer

    init() throws { server = try HTTPTestServer() }

    private func acceptedConnections(via transport: CurlTransport) async throws -> Int {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: server.url("/connections")))
        struct Count: Decodable { var accepted: Int }
        return try JSONDecoder().decode(Count.self, from: response.body).accepted
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let transport = CurlTransport(timeouts: quickTimeouts)
        for _ in 0..<10 {
            let response = try await transport.execute(HTTPRequest(method: "PUT", url: server.url("/echo"),
                                                                   body: .data(Data("x".utf8))))
            #expect(response.status == 200)
        }
        #expect(try await acceptedConnections(via: transport) == 1)
    }

    @Test func concurrentRequestsReuseAFewConnections() async throws {
        // Given a transport allowed four connections to the host
        let transport = CurlTransport(timeouts: quickTimeouts, maxConnectionsPerHost: 4)
        let requestCount = 64

        // When 64 requests run at once
        let bodies = try await withThrowingTaskGroup(of: Data.self) { group in
            for index in 0..<requestCount {
                group.addTask {
                    try await transport.execute(HTTPRequest(method: "GET", url: server.url("/bytes/\(1000 + index)"))).body
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        // Then each got its own answer, over no more connections than allowed
        #expect(Set(bodies.map(\.count)) == Set((0..<requestCount).map { 1000 + $0 }))
        #expect(bodies.allSatisfy { $0 == patternBytes($0.count) })
        let accepted = try await acceptedConnections(via: transport)
        #expect(accepted <= 4)
        #expect(accepted < requestCount)
    }
}
