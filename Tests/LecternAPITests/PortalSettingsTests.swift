import Foundation
import Testing

@testable import LecternAPI

@Suite("Portal settings: developer hints only against local storage") struct PortalSettingsTests {
    @Test func onlyLoopbackStorageIsLocal() throws {
        for local in ["http://127.0.0.1:5000/bucket", "http://localhost:4566/b", "http://[::1]:9000/b"] {
            #expect(PortalSettings.isLocal(storage: try #require(URL(string: local))), "\(local)")
        }
        for remote in [
            "https://lectures.s3.eu-west-1.amazonaws.com", "https://s3.eu-west-1.amazonaws.com/lectures",
            "https://127.example.edu/b", "https://minio.university.example/b",
        ] {
            #expect(!PortalSettings.isLocal(storage: try #require(URL(string: remote))), "\(remote)")
        }
    }

    @Test(arguments: Via.allCases) func answeredWithoutAToken(via: Via) async throws {
        // The test world's storage is moto on a loopback port: local development.
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            let answer = try await client.call("GET", "/v1/portal/settings")
            #expect(answer.status == 200)
            #expect(try answer.decode(PortalSettings.self) == PortalSettings(localDevelopment: true))
        }
    }
}
