import Foundation
import LecternTestSupport
import SigV4
import Testing

/// Our presigned URLs and POST forms against botocore's, byte for byte, for awkward S3 keys.
@Suite("botocore cross-check")
struct BotocoreCrossCheckTests {
    static let testDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let bucket = "lectern-media"
    static let region = "us-east-1"
    /// 2024-02-29T23:59:59Z: a leap day one second before midnight, so expiries cross into March.
    static let timestamp = 1_709_251_199

    struct Credentials {
        var name: String
        var value: AWSCredentials
    }

    static let credentials = [
        Credentials(
            name: "long-lived",
            value: AWSCredentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            )
        ),
        Credentials(
            name: "session",
            value: AWSCredentials(
                accessKeyID: "ASIAIOSFODNN7EXAMPLE",
                secretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
                sessionToken: "IQoJb3JpZ2luX2VjEP//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def=ghi+jkl=="
            )
        ),
    ]

    struct Endpoint {
        var name: String
        /// What botocore is configured with.
        var endpointURL: String
        var addressingStyle: String
        /// Where the bucket lives for us: objects are `bucketURL + encodedKey`.
        var bucketURL: String
    }

    static let endpoints = [
        Endpoint(
            name: "path",
            endpointURL: "http://127.0.0.1:9000",
            addressingStyle: "path",
            bucketURL: "http://127.0.0.1:9000/\(bucket)/"
        ),
        Endpoint(
            name: "virtual",
            endpointURL: "https://s3.us-east-1.amazonaws.com",
            addressingStyle: "virtual",
            bucketURL: "https://\(bucket).s3.us-east-1.amazonaws.com/"
        ),
    ]

    /// 20 hand-picked keys plus 40 generated from a fixed seed out of the characters that break signers.
    static let keys: [String] = {
        var keys = [
            "plain.mp4", "with space.mp4", "plus+sign", "equals=sign", "tilde~", "percent%25literal", "100%",
            "dir/sub dir/file name.m3u8", "a//double//slash", "./dot/../segments", "trailing/", "/leading",
            "vidéo/été.mp4", "日本語/講義 1.mp4", "emoji 🎬🎓.mp4", "mixed +=~%/ é",
            "query?and#hash", "amp&semi;colon:at@", "quotes\"'`", "brackets[]{}()<>|\\^",
        ]
        let alphabet = Array("abcXYZ019-_.~ +=%/&?#:@!$'()*,;[]\"<>\\^`{|}éüß漢字🎬")
        var state: UInt64 = 0x5EED_1234_ABCD_0042
        for _ in 0..<40 {
            var key = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 59) + 1
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                key.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            keys.append(key)
        }
        return keys
    }()

    static let uploadID = "VXBsb2FkIElEIGZvciA2aWWZbWVuZS5+/=-_.~"
    static let expiries = [900, 604_800, 1, 3600]

    enum Operation: String { case get, put, upload_part, post }

    struct Case {
        var operation: Operation
        var key: String
        var credentials: Credentials
        var endpoint: Endpoint
        var expires: Int
        var contentType: String?
        var partNumber: Int?

        var json: [String: Any] {
            var spec: [String: Any] = [
                "op": operation.rawValue, "key": key, "expires": expires,
                "credentials": [
                    "name": credentials.name, "access_key": credentials.value.accessKeyID,
                    "secret_key": credentials.value.secretAccessKey,
                    "token": credentials.value.sessionToken as Any,
                ],
                "endpoint": [
                    "name": endpoint.name, "endpoint_url": endpoint.endpointURL,
                    "addressing_style": endpoint.addressingStyle,
                ],
            ]
            if let contentType { spec["content_type"] = contentType }
            if let partNumber {
                spec["part_number"] = partNumber
                spec["upload_id"] = BotocoreCrossCheckTests.uploadID
            }
            if operation == .post {
                spec["fields"] = ["Content-Type": "video/mp4"]
                spec["conditions"] = [
                    ["content-length-range", 1, 5_368_709_120] as [Any],
                    ["starts-with", "$Content-Type", "video/"],
                ]
            }
            return spec
        }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        for (i, key) in keys.enumerated() {
            for credentials in credentials {
                for endpoint in endpoints {
                    let expires = expiries[i % expiries.count]
                    cases.append(
                        Case(operation: .get, key: key, credentials: credentials, endpoint: endpoint, expires: expires)
                    )
                    cases.append(
                        Case(
                            operation: .put,
                            key: key,
                            credentials: credentials,
                            endpoint: endpoint,
                            expires: expires,
                            contentType: i % 5 == 0 ? "video/mp4" : nil
                        )
                    )
                    cases.append(
                        Case(
                            operation: .upload_part,
                            key: key,
                            credentials: credentials,
                            endpoint: endpoint,
                            expires: expires,
                            partNumber: (i * 997) % 10_000 + 1
                        )
                    )
                    if i % 3 == 0 {
                        cases.append(
                            Case(
                                operation: .post,
                                key: key,
                                credentials: credentials,
                                endpoint: endpoint,
                                expires: expires
                            )
                        )
                    }
                }
            }
        }
        // The `${filename}` form makes the key condition a starts-with.
        for credentials in credentials {
            cases.append(
                Case(
                    operation: .post,
                    key: "uploads/lecture 1/${filename}",
                    credentials: credentials,
                    endpoint: endpoints[0],
                    expires: 900
                )
            )
        }
        return cases
    }()

    static func botocoreAnswers() async throws -> [[String: Any]] {
        let spec: [String: Any] = [
            "timestamp": timestamp, "region": region, "bucket": bucket,
            "cases": cases.map(\.json),
        ]
        let output = try await PythonRunner.run(
            script: "botocore_presign.py",
            in: Self.testDirectory,
            input: JSONSerialization.data(withJSONObject: spec)
        )
        guard let answers = try JSONSerialization.jsonObject(with: output) as? [[String: Any]] else {
            throw PythonRunner.Failure(description: "unexpected botocore output")
        }
        return answers
    }

    @Test("presigned GET/PUT/UploadPart URLs and POST forms equal botocore's")
    func matchesBotocore() async throws {
        #expect(Self.keys.count >= 50)
        let answers = try await Self.botocoreAnswers()
        try #require(answers.count == Self.cases.count)
        let date = Date(timeIntervalSince1970: TimeInterval(Self.timestamp))
        var checked: [Operation: Int] = [:]
        var templatesChecked = 0

        for (spec, answer) in zip(Self.cases, answers) {
            let signer = SigV4Signer(credentials: spec.credentials.value, region: Self.region, service: "s3")
            let label = Comment(
                rawValue:
                    "\(spec.operation) \(spec.endpoint.name) \(spec.credentials.name) key=\(spec.key.debugDescription)"
            )
            let objectURLText = spec.endpoint.bucketURL + AWSPercentEncoding.encode(spec.key, keepingSlashes: true)

            if spec.operation == .post {
                let bucketURL = try #require(URL(string: spec.endpoint.bucketURL))
                let post = try signer.presignedPOST(
                    url: bucketURL,
                    bucket: Self.bucket,
                    key: spec.key,
                    fields: [(name: "Content-Type", value: "video/mp4")],
                    conditions: [
                        .contentLengthRange(min: 1, max: 5_368_709_120),
                        .startsWith(field: "Content-Type", prefix: "video/"),
                    ],
                    expires: spec.expires,
                    date: date
                )
                let theirs = (answer["fields"] as? [[String]]) ?? []
                #expect(post.fields.map { [$0.name, $0.value] } == theirs, label)
                checked[.post, default: 0] += 1
                continue
            }

            var urlText = objectURLText
            if let partNumber = spec.partNumber {
                urlText +=
                    "?partNumber=\(partNumber)&uploadId="
                    + AWSPercentEncoding.encode(Self.uploadID, keepingSlashes: false)
            }
            let url = try #require(URL(string: urlText), label)
            let method = spec.operation == .get ? "GET" : "PUT"
            let headers: HeaderFields = spec.contentType.map { [(name: "Content-Type", value: $0)] } ?? []
            let theirs = answer["url"] as? String

            let presigned = try signer.presign(
                method: method,
                url: url,
                headers: headers,
                expires: spec.expires,
                date: date
            )
            #expect(presigned.urlString == theirs, label)
            #expect(
                signer.presignURL(method: method, url: url, headers: headers, expires: spec.expires, date: date)
                    .absoluteString == theirs,
                label
            )
            #expect(
                try signer.presignedURLString(
                    method: method,
                    url: url,
                    headers: headers,
                    expires: spec.expires,
                    date: date
                ) == theirs,
                label
            )
            if let partNumber = spec.partNumber {
                // The batch path: the same URL from a template whose partNumber is filled in afterwards.
                let template = try signer.presignTemplate(
                    method: method,
                    urlString: objectURLText + "?partNumber=&uploadId="
                        + AWSPercentEncoding.encode(Self.uploadID, keepingSlashes: false),
                    varying: "partNumber",
                    headers: headers,
                    expires: spec.expires,
                    date: date
                )
                #expect(template.urlString(varying: partNumber) == theirs, label)
                templatesChecked += 1
            }
            checked[spec.operation, default: 0] += 1
        }
        #expect(
            checked[.get, default: 0] >= 200 && checked[.upload_part, default: 0] >= 200
                && checked[.post, default: 0] >= 50
        )
        #expect(templatesChecked == checked[.upload_part, default: 0])
    }

    // MARK: Header signing

    struct HeaderCase {
        var method: String
        var url: String
        var service: String
        var headers: HeaderFields = []
        var body: String? = nil
        var unsigned = false
        var credentials: Credentials

        var json: [String: Any] {
            [
                "op": "headers", "method": method, "url": url, "service": service,
                "headers": headers.map { [$0.name, $0.value] }, "body": body as Any, "unsigned": unsigned,
                "credentials": [
                    "name": credentials.name, "access_key": credentials.value.accessKeyID,
                    "secret_key": credentials.value.secretAccessKey,
                    "token": credentials.value.sessionToken as Any,
                ],
            ]
        }

        var payload: PayloadHash {
            if unsigned { return .unsigned }
            return body.map { .bytes(Data($0.utf8)) } ?? .empty
        }
    }

    static let headerCases: [HeaderCase] = {
        var cases: [HeaderCase] = []
        for credentials in credentials {
            for (i, key) in keys.prefix(24).enumerated() {
                let encoded = AWSPercentEncoding.encode(key, keepingSlashes: true)
                cases.append(
                    HeaderCase(
                        method: "GET",
                        url: "https://\(bucket).s3.us-east-1.amazonaws.com/" + encoded,
                        service: "s3",
                        unsigned: true,
                        credentials: credentials
                    )
                )
                cases.append(
                    HeaderCase(
                        method: "PUT",
                        url: "http://127.0.0.1:9000/\(bucket)/" + encoded,
                        service: "s3",
                        headers: i % 2 == 0
                            ? [
                                (name: "Content-Type", value: "video/mp4"),
                                (name: "x-amz-meta-Title", value: "  Lecture   \(i)  "),
                            ] : [],
                        body: "part \(i) body",
                        credentials: credentials
                    )
                )
            }
            cases.append(
                HeaderCase(
                    method: "POST",
                    url: "https://sqs.us-east-1.amazonaws.com/",
                    service: "sqs",
                    headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
                    body: "Action=SendMessage&MessageBody=hello%20world",
                    credentials: credentials
                )
            )
            cases.append(
                HeaderCase(
                    method: "POST",
                    url: "http://127.0.0.1:9324/123456789012/jobs",
                    service: "sqs",
                    headers: [
                        (name: "Content-Type", value: "application/x-amz-json-1.0"),
                        (name: "X-Amz-Target", value: "AmazonSQS.SendMessage"),
                    ],
                    body: "{\"QueueUrl\": \"x\"}",
                    credentials: credentials
                )
            )
            cases.append(
                HeaderCase(
                    method: "GET",
                    url: "https://abc.execute-api.us-east-1.amazonaws.com/stage/./a%20b/../c%2Bd//e/?b=2&a=&a=1&c=~x",
                    service: "execute-api",
                    credentials: credentials
                )
            )
            cases.append(
                HeaderCase(
                    method: "POST",
                    url: "https://dynamodb.us-east-1.amazonaws.com/",
                    service: "dynamodb",
                    headers: [
                        (name: "X-Amz-Target", value: "DynamoDB_20120810.PutItem"),
                        (name: "Content-Type", value: "application/x-amz-json-1.0"),
                        (name: "User-Agent", value: "lectern/1.0"),
                    ],
                    body: "{}",
                    credentials: credentials
                )
            )
        }
        return cases
    }()

    @Test("header signing (Authorization, X-Amz-Date, token, content hash) equals botocore's")
    func headerSigningMatchesBotocore() async throws {
        let spec: [String: Any] = [
            "timestamp": Self.timestamp, "region": Self.region, "bucket": Self.bucket,
            "cases": Self.headerCases.map(\.json),
        ]
        let output = try await PythonRunner.run(
            script: "botocore_presign.py",
            in: Self.testDirectory,
            input: JSONSerialization.data(withJSONObject: spec)
        )
        let answers = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        try #require(answers.count == Self.headerCases.count)
        let date = Date(timeIntervalSince1970: TimeInterval(Self.timestamp))

        for (spec, answer) in zip(Self.headerCases, answers) {
            let label = Comment(rawValue: "\(spec.method) \(spec.url) \(spec.credentials.name)")
            let signer = SigV4Signer(credentials: spec.credentials.value, region: Self.region, service: spec.service)
            let ours = signer.signHeaders(
                method: spec.method,
                url: try #require(URL(string: spec.url)),
                headers: spec.headers,
                payload: spec.payload,
                date: date
            )
            let theirs = (answer["headers"] as? [[String]]) ?? []
            func lookup(_ headers: [[String]], _ name: String) -> String? {
                headers.first { $0[0].lowercased() == name }?[1]
            }
            let ourPairs = ours.map { [$0.name, $0.value] }
            for name in ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"] {
                #expect(lookup(ourPairs, name) == lookup(theirs, name), "\(name): \(label.rawValue)")
            }
            #expect(lookup(theirs, "authorization") != nil)
        }
    }
}
