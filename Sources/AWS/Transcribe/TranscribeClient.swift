import Foundation

/// Amazon Transcribe's batch jobs over its JSON 1.1 protocol (`X-Amz-Target: Transcribe.<Operation>`), through the
/// same signed, retrying `AWSServiceClient` as SQS and DynamoDB.
///
/// Retries: all three calls are retried on throttling, 5xx and connection errors. Get and Delete change nothing or
/// the same thing twice. Start is safe to repeat because the job name is the caller's and unique per job: a start
/// whose answer was lost and that is sent again gets `ConflictException` ("the job name already exists"), which
/// `startTranscriptionJob` answers as `.alreadyExists` rather than an error.
public struct TranscribeClient: Sendable {
    public let client: AWSServiceClient

    /// The longest job name Transcribe accepts.
    public static let maxJobNameLength = 200

    public init(client: AWSServiceClient) {
        precondition(client.service == .transcribe, "TranscribeClient needs a Transcribe service client")
        self.client = client
    }

    public init(context: AWSContext) {
        self.init(client: context.client(for: .transcribe))
    }

    public enum StartOutcome: Sendable, Equatable {
        case started
        /// A job of that name exists already (an earlier start of the same draft whose answer was lost).
        case alreadyExists
    }

    private func call<Input: Encodable, Output: Decodable>(
        _ operation: String,
        _ input: Input,
        _ output: Output.Type
    ) async throws -> Output {
        try await client.json(
            target: "Transcribe.\(operation)",
            input: input,
            output: output,
            idempotent: true,
            jsonVersion: "1.1"
        )
    }

    /// Starts the job. Throws `AWSError` for what Transcribe refuses (`BadRequestException`,
    /// `LimitExceededException`…).
    @discardableResult
    public func startTranscriptionJob(_ request: TranscriptionJobRequest) async throws -> StartOutcome {
        do {
            _ = try await call("StartTranscriptionJob", TranscribeStartJobInput(request), TranscribeEmptyOutput.self)
            return .started
        } catch let error as AWSError where error.code == "ConflictException" {
            return .alreadyExists
        }
    }

    /// The job as it stands. Throws `AWSError` with code `BadRequestException` when there is no such job (Transcribe
    /// answers a missing job that way, not with a 404).
    public func transcriptionJob(named name: String) async throws -> TranscriptionJob {
        let job = try await call(
            "GetTranscriptionJob",
            TranscribeJobNameInput(TranscriptionJobName: name),
            TranscribeJobOutput.self
        )
        .TranscriptionJob
        guard let status = TranscriptionJob.Status(rawValue: job.TranscriptionJobStatus) else {
            throw AWSError(
                code: "MalformedResponse",
                message: "GetTranscriptionJob answered status \(job.TranscriptionJobStatus)",
                status: 200,
                isRetryable: false,
                service: client.service.rawValue
            )
        }
        return TranscriptionJob(
            name: job.TranscriptionJobName,
            status: status,
            languageCode: job.LanguageCode,
            failureReason: job.FailureReason,
            subtitleFileURIs: job.Subtitles?.SubtitleFileUris ?? []
        )
    }

    /// Deletes the job's record in Transcribe (not its output files). A job already gone is not an error.
    public func deleteTranscriptionJob(named name: String) async throws {
        do {
            _ = try await call(
                "DeleteTranscriptionJob",
                TranscribeJobNameInput(TranscriptionJobName: name),
                TranscribeEmptyOutput.self
            )
        } catch let error as AWSError
            where error.code == "BadRequestException"
            && error.message.localizedCaseInsensitiveContains("couldn't be found")
        {
            return
        }
    }
}
