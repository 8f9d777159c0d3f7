import AWS
import ArgumentParser
import Foundation

struct S3Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "s3",
        abstract: "S3 helpers.",
        subcommands: [Presign.self]
    )
}

extension S3Command {
    /// `lectern s3 presign s3://bucket/key` — like `aws s3 presign`: prints one URL on stdout.
    struct Presign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a presigned URL for an S3 object.",
            discussion:
                """
                Credentials, region and endpoint come from the environment (AWS_ACCESS_KEY_ID, \
                AWS_REGION, AWS_ENDPOINT_URL[_S3], …).
                """
        )

        @Argument(help: "The object, as s3://BUCKET/KEY.")
        var uri: String

        @Option(help: "Seconds the URL stays valid (1…604800).")
        var expires: Int = S3Client.defaultPresignExpiry

        @Option(help: "GET to download, PUT to upload.")
        var method: PresignMethod = .get

        enum PresignMethod: String, ExpressibleByArgument, CaseIterable {
            case get = "GET", put = "PUT"
            init?(argument: String) { self.init(rawValue: argument.uppercased()) }
        }

        func validate() throws {
            _ = try location()
            guard (1...S3Client.maxPresignExpiry).contains(expires) else {
                throw ValidationError(
                    "--expires must be between 1 and \(S3Client.maxPresignExpiry) seconds, got \(expires)"
                )
            }
        }

        func location() throws -> S3Location {
            do {
                return try S3Location(uri: uri)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() async throws {
            let location = try location()
            let s3 = try AWSContext.fromEnvironment().s3
            let url =
                switch method {
                case .get: try await s3.presignedGetURL(bucket: location.bucket, key: location.key, expires: expires)
                case .put: try await s3.presignedPutURL(bucket: location.bucket, key: location.key, expires: expires)
                }
            print(url.absoluteString)
        }
    }
}
