import Foundation
import LecternAPI
import Testing

@Suite("Configuration from the environment") struct ConfigTests {
    let minimal = [
        "LECTERN_LECTURES_TABLE": "lectures", "LECTERN_BUCKET": "media", "LECTERN_QUEUE_URL": "jobs",
        "LECTERN_JWT_SECRET": "0123456789abcdef0123456789abcdef",
    ]

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
            return ["LECTERN_LECTURES_TABLE", "LECTERN_BUCKET", "LECTERN_QUEUE_URL", "LECTERN_JWKS_FILE"].allSatisfy(
                text.contains
            )
        }
    }

    @Test func aJWKSNeedsIssuerAndAudience() {
        var environment = minimal
        environment["LECTERN_JWT_SECRET"] = nil
        environment["LECTERN_JWKS_URL"] = "https://id.example.edu/jwks.json"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            let problems = (error as? APIConfigError)?.problems ?? []
            return problems.count == 2 && problems.contains { $0.contains("LECTERN_JWT_ISSUER") }
                && problems.contains { $0.contains("LECTERN_JWT_AUDIENCE") }
        }
        environment["LECTERN_JWT_ISSUER"] = "https://id.example.edu"
        environment["LECTERN_JWT_AUDIENCE"] = "lectern"
        #expect(
            (try? APIConfig.fromEnvironment(environment))?.keySource
                == .jwksURL(URL(string: "https://id.example.edu/jwks.json")!)
        )
    }

    @Test func badValuesSayWhatIsWrong() {
        var environment = minimal
        environment["LECTERN_JWKS_FILE"] = "/etc/jwks.json"
        environment["PORT"] = "eighty"
        environment["LECTERN_MIN_PART_BYTES"] = "1024"
        environment["LECTERN_CORS_ORIGIN"] = "https://portal.example.edu/app/"
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            let problems = (error as? APIConfigError)?.problems ?? []
            return problems.count == 4 && problems.contains { $0.contains("only one of") }
                && problems.contains { $0.hasPrefix("PORT=eighty") }
                && problems.contains { $0.hasPrefix("LECTERN_MIN_PART_BYTES=1024") }
                && problems.contains { $0.hasPrefix("LECTERN_CORS_ORIGIN") }
        }
    }

    @Test func operationalLimitsHaveDefaultsAndCanBeChanged() throws {
        let defaults = try APIConfig.fromEnvironment(minimal)
        #expect(defaults.metricsPort == 9101 && defaults.metricsHost == "127.0.0.1")
        #expect(defaults.tokenLimits == TokenLimits(maxLifetime: .seconds(12 * 3_600), issuedAtLeeway: .seconds(60)))
        #expect(defaults.failedSignInsPerMinute == 30 && defaults.forwardedHops == 0)

        var environment = minimal
        environment.merge([
            "METRICS_PORT": "0", "METRICS_HOST": "0.0.0.0", "LECTERN_JWT_MAX_LIFETIME_SECONDS": "3600",
            "LECTERN_JWT_IAT_LEEWAY_SECONDS": "5", "LECTERN_FAILED_SIGNINS_PER_MINUTE": "10",
            "LECTERN_FORWARDED_HOPS": "1",
        ]) { $1 }
        let changed = try APIConfig.fromEnvironment(environment)
        #expect(changed.metricsPort == 0 && changed.metricsHost == nil)
        #expect(changed.tokenLimits == TokenLimits(maxLifetime: .seconds(3_600), issuedAtLeeway: .seconds(5)))
        #expect(changed.failedSignInsPerMinute == 10 && changed.forwardedHops == 1)

        environment = minimal
        environment.merge([
            "METRICS_PORT": "8080", "METRICS_HOST": "localhost", "LECTERN_JWT_MAX_LIFETIME_SECONDS": "10",
        ]) { $1 }
        #expect { try APIConfig.fromEnvironment(environment) } throws: { error in
            let problems = (error as? APIConfigError)?.problems ?? []
            return problems.count == 3 && problems.contains { $0.hasPrefix("METRICS_PORT=8080 must differ from PORT") }
                && problems.contains { $0.hasPrefix("METRICS_HOST=localhost") }
                && problems.contains { $0.hasPrefix("LECTERN_JWT_MAX_LIFETIME_SECONDS=10") }
        }
    }

    @Test func aShortSecretIsRefused() {
        var environment = minimal
        environment["LECTERN_JWT_SECRET"] = "short"
        #expect(throws: APIConfigError.self) { try APIConfig.fromEnvironment(environment) }
    }
}
