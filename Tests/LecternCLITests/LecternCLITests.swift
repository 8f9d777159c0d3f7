import AWS
import Foundation
import LecternTestSupport
import Testing

/// `lectern` driven as an operator would, against moto.
@Suite("lectern CLI against moto") struct LecternCLITests {
    let transport = CurlTransport()

    @Test func presignedPutThenGetRoundTripsAnObject() async throws {
        // moto 5.2 cannot verify presigned URLs (see MotoServer.sharedWithoutSignatureChecks), so the URLs are
        // fetched from a moto that does not check; the signer itself is cross-checked against botocore in SigV4Tests.
        let moto = try await MotoServer.sharedWithoutSignatureChecks()
        let s3 = moto.context(transport: transport).s3
        let bucket = MotoServer.uniqueName("cli")
        try await s3.createBucket(bucket)
        let key = "lectures/week 1/intro+notes.txt"

        let put = try await BuiltProducts.run(
            "lectern",
            ["s3", "presign", "s3://\(bucket)/\(key)", "--method", "PUT", "--expires", "120"],
            environment: moto.environment
        )
        #expect(put.status == 0, "\(put.stderr)")
        let putURL = try #require(URL(string: put.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(putURL.query?.contains("X-Amz-Expires=120") == true)
        #expect(putURL.query?.contains("X-Amz-Signature=") == true)
        let uploaded = try await transport.execute(
            HTTPRequest(method: "PUT", url: putURL, body: .data(Data("hello".utf8)))
        )
        #expect(uploaded.status == 200)

        let get = try await BuiltProducts.run(
            "lectern",
            ["s3", "presign", "s3://\(bucket)/\(key)"],
            environment: moto.environment
        )
        #expect(get.status == 0, "\(get.stderr)")
        let getURL = try #require(URL(string: get.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let fetched = try await transport.execute(HTTPRequest(method: "GET", url: getURL))
        #expect(fetched.status == 200)
        #expect(String(decoding: fetched.body, as: UTF8.self) == "hello")
    }

    @Test(arguments: [
        ["s3", "presign", "bucket/key"], ["s3", "presign", "s3://"], ["s3", "presign", "s3://b/k", "--expires", "0"],
        ["s3", "presign", "s3://b/k", "--method", "DELETE"],
    ])
    func badArgumentsExitNonZeroWithAReason(arguments: [String]) async throws {
        let run = try await BuiltProducts.run("lectern", arguments)
        #expect(run.status != 0)
        #expect(run.stderr.contains("Error"), "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func missingCredentialsAreNamed() async throws {
        let run = try await BuiltProducts.run(
            "lectern",
            ["s3", "presign", "s3://bucket/key"],
            environment: ["HOME": "/nonexistent", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"],
            removing: [
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            ]
        )
        #expect(run.status != 0)
        #expect(run.stderr.contains("AWS_ACCESS_KEY_ID"), "stderr: \(run.stderr)")
    }

    @Test func redriveMovesEveryMessageBackFromTheDeadLetterQueue() async throws {
        let moto = try await MotoServer.shared()
        let sqs = SQSClient(context: moto.context(transport: transport))
        let dlq = try await sqs.createQueue(named: MotoServer.uniqueName("cli-dlq"))
        let queue = try await sqs.createQueue(named: MotoServer.uniqueName("cli-jobs"))
        let bodies = (0..<13).map { "job-\($0)" }
        for body in bodies { _ = try await sqs.sendMessage(dlq, body: body) }

        let run = try await BuiltProducts.run(
            "lectern",
            ["sqs", "redrive", "--from", dlq, "--to", queue],
            environment: moto.environment
        )
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("13"), "stdout: \(run.stdout)")

        var moved: [String] = []
        while true {
            let batch = try await sqs.receiveMessages(queue, maxMessages: 10, waitTimeSeconds: 0)
            if batch.isEmpty { break }
            moved += batch.map(\.body)
            for message in batch { try await sqs.deleteMessage(queue, receiptHandle: message.receiptHandle) }
        }
        #expect(moved.sorted() == bodies.sorted())
        #expect(try await sqs.queueAttributes(dlq).approximateNumberOfMessages == 0)
    }
}
