import ArgumentParser
import Foundation
import LecternAPI
import LecternCore

/// `lectern dev token`: an HS256 token for a local API started with the same LECTERN_JWT_SECRET.
struct DevTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint a development sign-in token (HS256, shared secret); prints only the token."
    )

    @Option(help: "professor, student or ops.")
    var role: Role

    @Option(help: "The user id (the token's subject).")
    var user: String

    @Option(help: "A course the user belongs to (repeat for several).")
    var course: [String] = []

    @Option(help: "A display name.")
    var name: String?

    @Option(
        help:
            "The user's e-mail address (the token's email claim): where outcome mails go when LECTERN_NOTIFY_EMAIL=ses."
    )
    var email: String?

    @Option(
        help:
            """
            How long the token stays valid (e.g. 30m, 12h); at most what the API accepts \
            ($LECTERN_JWT_MAX_LIFETIME_SECONDS, default 12h).
            """
    )
    var ttl: DevDuration = DevDuration(seconds: 12 * 3_600)

    @Option(help: "The signing secret, at least 32 bytes (default: $LECTERN_JWT_SECRET).")
    var secret: String?

    func validate() throws {
        if user.isEmpty { throw ValidationError("--user must not be empty") }
        if ttl.seconds < 1 { throw ValidationError("--ttl must be at least 1s") }
        if let email, !LectureMailSettings.isPlausibleAddress(email) {
            throw ValidationError("--email \(email) is not an e-mail address")
        }
        // The API refuses tokens that live longer than its limit; minting one would only fail later, less clearly.
        let limit = Self.apiMaxLifetimeSeconds()
        if ttl.seconds.rounded(.down) > Double(limit) {
            throw ValidationError(
                "--ttl \(ttl) is longer than the API accepts (\(limit)s, LECTERN_JWT_MAX_LIFETIME_SECONDS); "
                    + "choose a shorter --ttl or raise the API's limit with the same variable"
            )
        }
        _ = try resolvedSecret()
    }

    /// The API's limit as the API would read it from this environment (the same variable and default).
    static func apiMaxLifetimeSeconds(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        environment["LECTERN_JWT_MAX_LIFETIME_SECONDS"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            ?? TokenLimits.defaultMaxLifetimeSeconds
    }

    func resolvedSecret() throws -> String {
        try DevSecret.resolve(secret)
    }

    func run() async throws {
        print(
            try await DevTokens.mint(
                secret: try resolvedSecret(),
                role: role,
                user: user,
                courses: course,
                name: name,
                expiresIn: ttl.seconds,
                email: email
            )
        )
    }
}

extension Role: ExpressibleByArgument {}

/// The development token secret: a flag, else LECTERN_JWT_SECRET; HS256 wants at least 32 bytes.
enum DevSecret {
    static func resolve(_ flag: String?) throws -> String {
        guard let secret = flag ?? ProcessInfo.processInfo.environment["LECTERN_JWT_SECRET"], !secret.isEmpty else {
            throw ValidationError(
                "no signing secret: pass --secret or set LECTERN_JWT_SECRET (the API's, at least 32 bytes)"
            )
        }
        guard secret.utf8.count >= 32 else {
            throw ValidationError(
                """
                the signing secret is \(secret.utf8.count) bytes; HS256 needs at least 32 (pass \
                --secret or set LECTERN_JWT_SECRET)
                """
            )
        }
        return secret
    }
}
