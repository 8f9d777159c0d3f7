import Foundation
import LecternTestSupport
import Testing

@testable import AWS

/// Every body the Transcribe client sends, held to botocore's own service model for Transcribe (required members,
/// no unknown members, types, enums, patterns, lengths) by `transcribe_contract.py`; and the wire protocol (JSON
/// 1.1, `X-Amz-Target: Transcribe.*`, SigV4 for `transcribe`) checked here.
@Suite("Transcribe client contract (botocore's service model)")
struct TranscribeContractTests {
    static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    static func client(
        recording log: CoreRequestLog,
        answer: @escaping @Sendable (String) -> (Int, String)
    ) -> TranscribeClient {
        let transport = FakeTransport { request in
            log.record(request)
            let (status, body) = answer(request.headers["X-Amz-Target"] ?? "")
            return HTTPResponse(status: status, body: Data(body.utf8))
        }
        let service = AWSServiceClient(
            service: .transcribe,
            configuration: AWSConfiguration(region: "eu-west-1"),
            transport: transport,
            credentials: StaticCredentialProvider(
                AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
            ),
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1))
        )
        return TranscribeClient(client: service)
    }

    static let getAnswer = """
        {"TranscriptionJob":{"TranscriptionJobName":"lectern-lec_1-v1",\
        "TranscriptionJobStatus":"COMPLETED","LanguageCode":"de-DE",
        "Media":{"MediaFileUri":"s3://lectures/renditions/lec_1/v1/download.mp4"},\
        "MediaFormat":"mp4","CreationTime":1.7e9,
        "Subtitles":{"Formats":["vtt"],\
        "SubtitleFileUris":["https://s3.eu-west-1.amazonaws.com/lectures/captions/lec_1/v1/transcribe.vtt"],\
        "OutputStartIndex":1}}}
        """

    static func body(_ request: HTTPRequest) throws -> Any {
        guard case .data(let data) = request.body else {
            throw PythonRunner.Failure(description: "request body is not in memory")
        }
        return try JSONSerialization.jsonObject(with: data)
    }

    /// Runs the validator over (operation, body) pairs; one list of problems per pair.
    static func validate(_ cases: [(String, Any)]) async throws -> [[String]] {
        let input = try JSONSerialization.data(withJSONObject: cases.map { ["operation": $0.0, "body": $0.1] })
        let output = try await PythonRunner.run(script: "transcribe_contract.py", in: testDirectory, input: input)
        guard let answers = try JSONSerialization.jsonObject(with: output) as? [[String]], answers.count == cases.count
        else {
            throw PythonRunner.Failure(
                description: "unexpected validator output: \(String(decoding: output, as: UTF8.self))"
            )
        }
        return answers
    }

    static func request(_ language: TranscriptionLanguage) -> TranscriptionJobRequest {
        TranscriptionJobRequest(
            name: "lectern-lec_0123456789abcdef0123456789abcdef-v1733333333-abcdef12",
            mediaURI: "s3://lectern-media-1a2b/renditions/lec_0123/v1/download.mp4",
            mediaFormat: "mp4",
            outputBucket: "lectern-media-1a2b",
            outputKey: "captions/lec_0123/v1/transcribe.json",
            language: language
        )
    }

    @Test func everyBodyTheClientSendsIsValidAgainstTheServiceModel() async throws {
        let log = CoreRequestLog()
        let transcribe = Self.client(recording: log) { target in
            (200, target == "Transcribe.GetTranscriptionJob" ? Self.getAnswer : "{}")
        }
        // Every language option the worker uses: identify among configured languages, identify among all, a known one.
        try await transcribe.startTranscriptionJob(Self.request(.identify(options: ["en-US", "de-DE", "fr-FR"])))
        try await transcribe.startTranscriptionJob(Self.request(.identify(options: [])))
        try await transcribe.startTranscriptionJob(Self.request(.known("en-US")))
        _ = try await transcribe.transcriptionJob(named: "lectern-lec_1-v1")
        try await transcribe.deleteTranscriptionJob(named: "lectern-lec_1-v1")

        let requests = log.requests
        #expect(requests.count == 5)
        let operations = requests.map {
            ($0.headers["X-Amz-Target"] ?? "").replacingOccurrences(of: "Transcribe.", with: "")
        }
        #expect(
            operations == [
                "StartTranscriptionJob", "StartTranscriptionJob", "StartTranscriptionJob", "GetTranscriptionJob",
                "DeleteTranscriptionJob",
            ]
        )
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.url.absoluteString == "https://transcribe.eu-west-1.amazonaws.com/")
            #expect(request.headers["Content-Type"] == "application/x-amz-json-1.1")
            #expect(request.headers["Authorization"]?.contains("/eu-west-1/transcribe/aws4_request") == true)
        }
        let problems = try await Self.validate(try zip(operations, requests).map { ($0, try Self.body($1)) })
        let invalid = problems.filter { !$0.isEmpty }
        #expect(invalid.isEmpty, "\(invalid)")

        // The options really differ on the wire.
        let starts = try requests.prefix(3).map { try Self.body($0) as? [String: Any] ?? [:] }
        #expect(
            starts[0]["IdentifyLanguage"] as? Bool == true
                && starts[0]["LanguageOptions"] as? [String] == ["en-US", "de-DE", "fr-FR"]
        )
        #expect(starts[1]["IdentifyLanguage"] as? Bool == true && starts[1]["LanguageOptions"] == nil)
        #expect(starts[2]["LanguageCode"] as? String == "en-US" && starts[2]["IdentifyLanguage"] == nil)
        #expect((starts[0]["Subtitles"] as? [String: Any])?["Formats"] as? [String] == ["vtt"])
    }

    @Test func theValidatorCatchesWrongBodies() async throws {
        let good: [String: Any] = [
            "TranscriptionJobName": "lectern-a", "Media": ["MediaFileUri": "s3://b/k.mp4"], "MediaFormat": "mp4",
        ]
        var badEnum = good
        badEnum["MediaFormat"] = "mkv"
        var unknown = good
        unknown["OutputFolder"] = "x"
        var badName = good
        badName["TranscriptionJobName"] = "lectern lecture/1"
        var missing = good
        missing["Media"] = nil
        var badSubtitles = good
        badSubtitles["Subtitles"] = ["Formats": ["vtt"], "OutputStartIndex": 2]
        let answers = try await Self.validate([
            ("StartTranscriptionJob", good), ("StartTranscriptionJob", badEnum), ("StartTranscriptionJob", unknown),
            ("StartTranscriptionJob", badName), ("StartTranscriptionJob", missing),
            ("StartTranscriptionJob", badSubtitles), ("GetTranscriptionJob", [String: Any]()),
        ])
        #expect(answers[0].isEmpty)
        #expect(answers[1].contains { $0.contains("MediaFormat") && $0.contains("not one of") })
        #expect(answers[2].contains { $0.contains("OutputFolder") })
        #expect(answers[3].contains { $0.contains("does not match") })
        #expect(answers[4].contains { $0.contains("Media: required") })
        #expect(answers[5].contains { $0.contains("above 1") })
        #expect(answers[6].contains { $0.contains("TranscriptionJobName: required") })
    }

    @Test func aJobNameThatExistsIsAnEarlierStartNotAnError() async throws {
        let log = CoreRequestLog()
        let transcribe = Self.client(recording: log) { _ in
            (
                400,
                #"""
                {"__type":"ConflictException","Message":"The requested job name already \#
                exists. Use a different job name."}
                """#
            )
        }
        #expect(try await transcribe.startTranscriptionJob(Self.request(.known("en-US"))) == .alreadyExists)
        #expect(log.requests.count == 1)
    }

    @Test func aFailedJobAnswersTranscribesReason() async throws {
        let log = CoreRequestLog()
        let transcribe = Self.client(recording: log) { _ in
            (
                200,
                #"{"TranscriptionJob":{"TranscriptionJobName":"lectern-x","TranscriptionJobStatus":"FAILED","#
                    + #""FailureReason":"The media file has no audio stream.","CreationTime":1733333333.5}}"#
            )
        }
        let job = try await transcribe.transcriptionJob(named: "lectern-x")
        #expect(job.status == .failed)
        #expect(job.failureReason == "The media file has no audio stream.")
        #expect(job.subtitleFileURIs.isEmpty)
    }

    @Test func refusalsAreAWSErrorsAndTheMissingJobOnDeleteIsNot() async throws {
        let log = CoreRequestLog()
        let transcribe = Self.client(recording: log) { target in
            target == "Transcribe.DeleteTranscriptionJob"
                ? (
                    400,
                    #"""
                    {"__type":"BadRequestException","Message":"The requested job couldn't be found. \#
                    Check the job name and try your request again."}
                    """#
                )
                : (400, #"{"__type":"BadRequestException","Message":"1 validation error detected"}"#)
        }
        try await transcribe.deleteTranscriptionJob(named: "lectern-gone")
        await #expect(throws: AWSError.self) {
            try await transcribe.startTranscriptionJob(Self.request(.known("en-US")))
        }
        #expect(log.requests.count == 2)  // a 400 is not retried
    }

    @Test func throttlingAndOutagesAreRetried() async throws {
        let log = CoreRequestLog()
        let transcribe = Self.client(recording: log) { _ in
            (503, #"{"__type":"ServiceUnavailableException","Message":"busy"}"#)
        }
        await #expect(throws: AWSError.self) { _ = try await transcribe.transcriptionJob(named: "lectern-x") }
        #expect(log.requests.count == 3)
    }
}
