import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import Testing

/// `lectern dev bootstrap` and `lectern dev token`, run as `make run` runs them.
@Suite("lectern dev bootstrap and token") struct DevBootstrapTests {
    let transport = CurlTransport()

    /// NAME=value pairs from `export NAME='value'` lines.
    static func exports(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            var value = String(assignment[assignment.index(after: equals)...])
            if value.hasPrefix("'"), value.hasSuffix("'") { value = String(value.dropFirst().dropLast()) }
            result[String(assignment[..<equals])] = value.replacingOccurrences(of: "'\\''", with: "'")
        }
        return result
    }

    @Test func theRedriveLimitIsDerivedFromTheAttemptLimitUnlessGiven() async throws {
        let moto = try await MotoServer.shared()
        let queue = MotoServer.uniqueName("limits-jobs")
        let run = try await BuiltProducts.run(
            "lectern",
            [
                "dev", "bootstrap", "--bucket", MotoServer.uniqueName("limits"), "--queue", queue, "--dlq",
                MotoServer.uniqueName("limits-dlq"),
                "--table", MotoServer.uniqueName("limits-lectures"), "--max-attempts", "2",
            ],
            environment: moto.environment
        )
        #expect(run.status == 0, "\(run.stderr)")
        let sqs = SQSClient(context: moto.context(transport: transport))
        let redrive = try #require(try await sqs.queueAttributes(try await sqs.queueURL(named: queue)).redrivePolicy)
        #expect(redrive.maxReceiveCount == JobLimits(encodeAttempts: 2).queueMaxReceiveCount)
        #expect(redrive.maxReceiveCount > 2 * 2)
        #expect(run.stderr.contains("after 2 attempts"))
    }

    @Test func bootstrapCreatesEverythingAndASecondRunChangesNothing() async throws {
        let moto = try await MotoServer.shared()
        let bucket = MotoServer.uniqueName("boot"), queue = MotoServer.uniqueName("boot-jobs")
        let dlq = MotoServer.uniqueName("boot-dlq"), table = MotoServer.uniqueName("boot-lectures")
        let arguments = [
            "dev", "bootstrap", "--endpoint", moto.endpoint.absoluteString, "--bucket", bucket, "--queue", queue,
            "--dlq", dlq, "--table", table, "--cors-origin", "http://localhost:9123", "--cors-origin",
            "http://127.0.0.1:9123", "--max-receive-count", "4",
        ]
        var environment = moto.environment
        environment.removeValue(forKey: "AWS_ENDPOINT_URL")  // the flag must be enough

        let first = try await BuiltProducts.run(
            "lectern",
            arguments,
            environment: environment,
            removing: ["AWS_ENDPOINT_URL"]
        )
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await BuiltProducts.run(
            "lectern",
            arguments,
            environment: environment,
            removing: ["AWS_ENDPOINT_URL"]
        )
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == first.stdout)

        let context = moto.context(transport: transport)
        let sqs = SQSClient(context: context)
        let queueURL = try await sqs.queueURL(named: queue), dlqURL = try await sqs.queueURL(named: dlq)
        let printed = Self.exports(first.stdout)
        #expect(
            printed == [
                "LECTERN_BUCKET": bucket, "LECTERN_QUEUE_URL": queueURL, "LECTERN_DLQ_URL": dlqURL,
                "LECTERN_LECTURES_TABLE": table,
            ]
        )

        let rules = try await context.s3.getBucketCORS(bucket: bucket)
        #expect(rules.count == 1)
        #expect(rules.first?.allowedOrigins == ["http://localhost:9123", "http://127.0.0.1:9123"])
        #expect(Set(rules.first?.allowedMethods ?? []) == ["GET", "PUT", "HEAD"])
        #expect(rules.first?.allowedHeaders == ["*"])
        #expect(rules.first?.exposeHeaders == ["ETag"])

        let redrive = try #require(try await sqs.queueAttributes(queueURL).redrivePolicy)
        #expect(redrive.deadLetterTargetArn == (try await sqs.queueArn(dlqURL)))
        #expect(redrive.maxReceiveCount == 4)

        let description = try await DynamoDBClient(context: context).describeTable(table)
        #expect(description.isActive)
        #expect(description.indexStatuses.keys.contains(LectureStore.courseIndex))
    }

    /// `--course-name` registers a course's name (as run-local.sh does for DEMO101), and a second bootstrap keeps a
    /// name changed since.
    @Test func bootstrapNamesCoursesWithoutOverwritingARename() async throws {
        let moto = try await MotoServer.shared()
        let table = MotoServer.uniqueName("boot-courses")
        let arguments = [
            "dev", "bootstrap", "--bucket", MotoServer.uniqueName("boot-c"), "--queue",
            MotoServer.uniqueName("boot-c-jobs"),
            "--dlq", MotoServer.uniqueName("boot-c-dlq"), "--table", table, "--course-name",
            "DEMO101=Demonstration Lectures 101",
        ]
        let first = try await BuiltProducts.run("lectern", arguments, environment: moto.environment)
        #expect(first.status == 0, "\(first.stderr)")
        let courses = CourseStore(dynamo: DynamoDBClient(context: moto.context(transport: transport)), table: table)
        #expect(try await courses.get("DEMO101")?.name == "Demonstration Lectures 101")
        try await courses.update("DEMO101", CourseStore.Change(name: "Renamed in the portal"))
        #expect(try await BuiltProducts.run("lectern", arguments, environment: moto.environment).status == 0)
        #expect(try await courses.get("DEMO101")?.name == "Renamed in the portal")
        let refused = try await BuiltProducts.run(
            "lectern",
            Array(arguments.dropLast()) + ["no-equals-sign"],
            environment: moto.environment
        )
        #expect(refused.status != 0 && refused.stderr.contains("--course-name"), "\(refused.stderr)")
    }

    @Test func bootstrapWithoutAServerFailsClearly() async throws {
        let run = try await BuiltProducts.run(
            "lectern",
            ["dev", "bootstrap", "--endpoint", "http://127.0.0.1:9", "--bucket", "b"],
            environment: ["AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y", "AWS_REGION": "us-east-1"]
        )
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        #expect(!run.stderr.isEmpty)
    }

    @Test func tokenVerifiesWithTheAPIsAuthenticator() async throws {
        let secret = String(repeating: "s3cr3t-", count: 6)
        let issuedAfter = Date()
        let run = try await BuiltProducts.run(
            "lectern",
            [
                "dev", "token", "--role", "professor", "--user", "alice", "--course", "CS101",
                "--course", "DEMO101", "--name", "Alice", "--ttl", "2h",
            ],
            environment: ["LECTERN_JWT_SECRET": secret]
        )
        #expect(run.status == 0, "\(run.stderr)")
        let token = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!token.contains("\n") && token.split(separator: ".").count == 3)

        let authenticator = try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil)
        let principal = try await authenticator.authenticate(token: token)
        #expect(
            principal
                == Principal(
                    userID: "alice",
                    name: "Alice",
                    role: .professor,
                    courses: ["CS101", "DEMO101"],
                    expires: principal.expires
                )
        )
        // Between the moments before and after the CLI ran (not "now ± 10 s": a loaded machine took 28 s in between).
        let expires = try #require(principal.expires)
        #expect(
            expires >= issuedAfter.addingTimeInterval(7200 - 1) && expires <= Date().addingTimeInterval(7200 + 1),
            "--ttl 2h"
        )

        let other = try await Authenticator(
            source: .sharedSecret(String(repeating: "x", count: 40)),
            issuer: nil,
            audience: nil
        )
        await #expect(throws: APIProblem.self) { _ = try await other.authenticate(token: token) }
    }

    @Test func tokenLifetimesTheAPIWouldRefuseAreNotMinted() async throws {
        let secret = String(repeating: "t", count: 32)
        // Longer than the API's default maximum (12 h): refused with the setting's name.
        let long = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "student", "--user", "bob", "--ttl", "24h", "--secret", secret],
            removing: ["LECTERN_JWT_MAX_LIFETIME_SECONDS"]
        )
        #expect(long.status != 0 && long.stdout.isEmpty)
        #expect(long.stderr.contains("LECTERN_JWT_MAX_LIFETIME_SECONDS"), "\(long.stderr)")
        // With the API's limit raised the same way, it is minted, and an API with that limit accepts it.
        let raised = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "student", "--user", "bob", "--ttl", "24h", "--secret", secret],
            environment: ["LECTERN_JWT_MAX_LIFETIME_SECONDS": "86400"]
        )
        #expect(raised.status == 0, "\(raised.stderr)")
        let authenticator = try await Authenticator(
            source: .sharedSecret(secret),
            issuer: nil,
            audience: nil,
            limits: TokenLimits(maxLifetime: .seconds(86_400))
        )
        #expect(
            try await authenticator.authenticate(token: raised.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                .userID == "bob"
        )
        // The default --ttl (what `make run` mints) is accepted by an API with default limits.
        let standard = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "student", "--user", "bob", "--secret", secret],
            removing: ["LECTERN_JWT_MAX_LIFETIME_SECONDS"]
        )
        #expect(standard.status == 0, "\(standard.stderr)")
        let strict = try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil)
        #expect(
            try await strict.authenticate(token: standard.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).userID
                == "bob"
        )
    }

    @Test func tokenSecretFromTheFlagWinsAndAShortOneIsRefused() async throws {
        let secret = String(repeating: "k", count: 32)
        let good = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "student", "--user", "bob", "--secret", secret],
            environment: ["LECTERN_JWT_SECRET": "short"]
        )
        #expect(good.status == 0, "\(good.stderr)")
        let principal = try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil)
            .authenticate(token: good.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(principal.role == .student && principal.userID == "bob" && principal.courses.isEmpty)

        let short = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "student", "--user", "bob"],
            environment: ["LECTERN_JWT_SECRET": "too-short-secret"]
        )
        #expect(short.status != 0)
        #expect(short.stdout.isEmpty)
        #expect(short.stderr.contains("16 bytes") && short.stderr.contains("at least 32"), "\(short.stderr)")

        let none = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "ops", "--user", "o"],
            removing: ["LECTERN_JWT_SECRET"]
        )
        #expect(none.status != 0)
        #expect(none.stderr.contains("LECTERN_JWT_SECRET"), "\(none.stderr)")

        let badRole = try await BuiltProducts.run(
            "lectern",
            ["dev", "token", "--role", "dean", "--user", "d", "--secret", secret]
        )
        #expect(badRole.status != 0 && badRole.stdout.isEmpty)
    }
}
