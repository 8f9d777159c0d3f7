import Foundation
import LecternAPI
import Testing

@Suite("Configuration from the environment") struct ConfigTests {
    let minimal = ["LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
                   "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef"]

    @Test func minimalDevelopmentSettingsGiveTheDefaults() throws {
        let config = try APIConfig.fromEnvironment(minimal)
        #expect(config.keySource == .sharedSecret("0123456789abcdef0123456789abcdef"))
        #expect(config.port == 8080)
        #expect(config.singleUploadMaxBytes == 64_000_000)
        #expect(config.minPartBytes == 8 << 20)
        #expect(config.uploadURLSeconds <= 900 && config.playbackURLSeconds <= 3600)
    }

    @Test func everyMissingSettingIsNamedAtOnce() {
        #expect {
            try APIConfig.fromEnvironment([:])
        } throws: { error in
            let text = "\(error)"
            return ["LECTERN_LECTURES_TABLE", "LECTERN_BUCKET", "LECTERN_QUEUE_URL", "LECTERN_JWKS_FILE"].allSatisfy(text.contains)
        }
    }

    @Test func aJWKSNeedsIssuerAndAudience() {
        var environment = minimal
        environment["LECTERN_JWT_SECRET"] = nil
        environment["LECTERN_JWKS_URL"] = "https://id.example.edu/jwks.json"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            let problems = (error as? APIConfigError)?.problems ?? []
            return problems.count == 2 && problems.contains { $0.contains("LECTERN_JWT_ISSUER") } && problems.contains { $0.contains("LECTERN_JWT_AUDIENCE") }
        }
        environment["LECTERN_JWT_ISSUER"] = "https://id.example.edu"
        environment["LECTERN_JWT_AUDIENCE"] = "lectern"
        #expect((try? APIConfig.fromEnvironment(environment))?.keySource == .jwksURL(URL(string: "https://id.example.edu/jwks.json")!))
    }

    @Test func badValuesSayWhatIsWrong() {
        var environment = minimal
        environment["LECTERN_JWKS_FILE"] = "/etc/jwks.json"
        environment["PORT"] = "eighty"
        environment["LECTERN_MIN_PART_BYTES"] = "1024"
        environment["LECTERN_CORS_ORIGIN"] = "https://portal.example.edu/app/"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            let problems = (error as? APIConfigError)?.problems ?? []
            return problems.count == 4 && problems.contains { $0.contains("only one of") } && problems.contains { $0.hasPrefix("PORT=eighty") }
                && problems.contains { $0.hasPrefix("LECTERN_MIN_PART_BYTES=1024") } && problems.contains { $0.hasPrefix("LECTERN_CORS_ORIGIN") }
        }
    }

    @Test func aShortSecretIsRefused() {
        var environment = minimal
        environment["LECTERN_JWT_SECRET"] = "short"
        #expect(throws: APIConfigError.self) { try APIConfig.fromEnvironment(environment) }
    }
}
