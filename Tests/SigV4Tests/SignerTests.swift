import Crypto
import Foundation
import SigV4
import Testing

@Suite("signer behaviour")
struct SignerTests {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )
    static let withToken = AWSCredentials(
        accessKeyID: "ASIAEXAMPLE",
        secretAccessKey: "secret",
        sessionToken: "tok+/=en"
    )
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    func url(_ text: String) throws -> URL { try #require(URL(string: text)) }
    func value(_ headers: HeaderFields, _ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    // MARK: Signing key

    @Test("signing key equals AWS's documented example (iam, us-east-1, 20120215)")
    func documentedSigningKey() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKID", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1",
            service: "iam"
        )
        let key = signer.signingKey(date: Date(timeIntervalSince1970: 1_329_264_000))  // 2012-02-15
        let hex = key.withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
        #expect(hex == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test("the signing key is derived once per day and shared by copies of the signer")
    func signingKeyCache() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "s3")
        let copy = signer
        let first = signer.signingKey(date: Self.date)
        #expect(signer.signingKeyDerivations == 1)
        let again = copy.signingKey(date: Self.date.addingTimeInterval(3600))
        #expect(first == again)
        for i in 0..<20 {
            _ = try copy.presign(
                method: "GET",
                url: url("https://b.s3.eu-west-1.amazonaws.com/k\(i)"),
                expires: 60,
                date: Self.date
            )
        }
        #expect(signer.signingKeyDerivations == 1, "cache hit for every signature on the same day, from any copy")
        let nextDay = signer.signingKey(date: Self.date.addingTimeInterval(86_400))
        #expect(nextDay != first)
        #expect(signer.signingKeyDerivations == 2)
        // A new signer has its own cache and derives the same key independently.
        let fresh = SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "s3")
        #expect(fresh.signingKey(date: Self.date) == first)
    }

    @Test("concurrent signing from many tasks gives one key and identical signatures")
    func concurrentSigning() async throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let target = try url("https://b.s3.amazonaws.com/key")
        let urls = await withTaskGroup(of: String.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    signer.presignURL(method: "GET", url: target, expires: 60, date: Self.date).absoluteString
                }
            }
            return await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(urls.count == 1)
        #expect(signer.signingKeyDerivations <= 2, "racing first calls may both derive, then it is cached")
    }

    // MARK: Host header

    @Test(
        "Host comes from the URL: lower-cased, non-default port kept, default port and user info dropped",
        arguments: [
            ("http://127.0.0.1:9000/bucket/key", "127.0.0.1:9000"),
            ("https://Bucket.S3.amazonaws.com/key", "bucket.s3.amazonaws.com"),
            ("https://h.example.com:443/", "h.example.com"),
            ("http://h.example.com:80/", "h.example.com"),
            ("http://h.example.com:443/", "h.example.com:443"),
            ("https://h.example.com:8443", "h.example.com:8443"),
            ("http://user:pw@localhost:4566/q", "localhost:4566"),
            ("http://[::1]:9000/bucket", "[::1]:9000"),
            ("http://[::1]/bucket", "[::1]"),
        ]
    )
    func hostFromURL(_ text: String, _ expectedHost: String) throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let headers = signer.signHeaders(
            method: "GET",
            url: try url(text),
            headers: [],
            payload: .empty,
            date: Self.date
        )
        #expect(value(headers, "host") == [expectedHost])
        let presigned = try signer.presign(method: "GET", url: try url(text), expires: 60, date: Self.date)
        #expect(presigned.canonicalRequest.contains("\nhost:\(expectedHost)\n"))
    }

    @Test("a caller's Host header wins over the URL's")
    func callerHostHeader() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "sqs")
        let headers = signer.signHeaders(
            method: "GET",
            url: try url("http://127.0.0.1:9324/"),
            headers: [(name: "host", value: "sqs.us-east-1.amazonaws.com")],
            payload: .empty,
            date: Self.date
        )
        #expect(value(headers, "host") == ["sqs.us-east-1.amazonaws.com"])
    }

    // MARK: Header signing

    @Test("S3 header signing adds x-amz-content-sha256 (UNSIGNED-PAYLOAD, or the body hash) and signs it")
    func s3ContentHash() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let target = try url("https://b.s3.amazonaws.com/k")
        let unsigned = signer.signHeaders(
            try SigV4Request(method: "PUT", url: target, headers: []),
            payload: .unsigned,
            date: Self.date
        )
        #expect(value(unsigned.headers, "x-amz-content-sha256") == ["UNSIGNED-PAYLOAD"])
        #expect(unsigned.canonicalRequest.hasSuffix("\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD"))

        let body = Data("hello".utf8)
        let hashed = signer.signHeaders(
            try SigV4Request(method: "PUT", url: target, headers: []),
            payload: .bytes(body),
            date: Self.date
        )
        let hex = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        #expect(value(hashed.headers, "x-amz-content-sha256") == [hex])
        let precomputed = signer.signHeaders(
            try SigV4Request(method: "PUT", url: target, headers: []),
            payload: .sha256Hex(hex),
            date: Self.date
        )
        #expect(precomputed.signature == hashed.signature)

        let sqs = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "sqs")
        let plain = sqs.signHeaders(
            method: "POST",
            url: try url("https://sqs.us-east-1.amazonaws.com/"),
            headers: [],
            payload: .bytes(body),
            date: Self.date
        )
        #expect(value(plain, "x-amz-content-sha256").isEmpty)
    }

    @Test("session token: X-Amz-Security-Token added and signed; stale auth headers replaced, not duplicated")
    func sessionTokenAndRetries() throws {
        let signer = SigV4Signer(credentials: Self.withToken, region: "us-east-1", service: "sqs")
        let target = try url("https://sqs.us-east-1.amazonaws.com/")
        let first = signer.signHeaders(
            method: "POST",
            url: target,
            headers: [(name: "Content-Type", value: "application/json")],
            payload: .empty,
            date: Self.date
        )
        #expect(value(first, "x-amz-security-token") == ["tok+/=en"])
        let authorization = try #require(value(first, "authorization").first)
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"))
        #expect(
            authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/us-east-1/sqs/aws4_request, ")
        )

        // Signing the already-signed headers again (a retry) an hour later.
        let retry = signer.signHeaders(
            method: "POST",
            url: target,
            headers: first,
            payload: .empty,
            date: Self.date.addingTimeInterval(3600)
        )
        for name in ["authorization", "x-amz-date", "x-amz-security-token", "host", "content-type"] {
            #expect(value(retry, name).count == 1, "\(name) appears once")
        }
        #expect(value(retry, "x-amz-date") == ["20150830T133600Z"])
    }

    @Test("User-Agent and other hop-by-hop headers are sent but not signed")
    func unsignedHeaders() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "sqs")
        let signed = signer.signHeaders(
            try SigV4Request(
                method: "GET",
                url: try url("https://sqs.us-east-1.amazonaws.com/"),
                headers: [(name: "User-Agent", value: "lectern"), (name: "Expect", value: "100-continue")]
            ),
            payload: .empty,
            date: Self.date
        )
        #expect(value(signed.headers, "user-agent") == ["lectern"])
        #expect(!signed.canonicalRequest.contains("user-agent"))
        #expect(!signed.canonicalRequest.contains("expect"))
    }

    @Test("stages compose: signature(stringToSign(canonicalRequest)) is what signHeaders produced")
    func stagesCompose() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        let signed = signer.signHeaders(
            SigV4Request(
                method: "GET",
                path: "/",
                query: "b=2&a=1",
                headers: [(name: "Host", value: "example.amazonaws.com")]
            ),
            payload: .empty,
            date: Self.date
        )
        let canonical = signer.canonicalRequest(
            method: "GET",
            path: "/",
            query: "b=2&a=1",
            headers: [
                (name: "Host", value: "example.amazonaws.com"),
                (name: "X-Amz-Date", value: "20150830T123600Z"),
            ],
            payloadHash: PayloadHash.empty.canonicalValue
        )
        #expect(canonical == signed.canonicalRequest)
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: Self.date)
        #expect(stringToSign == signed.stringToSign)
        #expect(signer.signature(stringToSign: stringToSign, date: Self.date) == signed.signature)
        #expect(signer.credentialScope(date: Self.date) == "20150830/us-east-1/service/aws4_request")
    }

    // MARK: Presigned URLs

    @Test("X-Amz-Expires must be 1...604800: typed error outside, presignURL clamps")
    func expiryBounds() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let target = try url("https://b.s3.amazonaws.com/k")
        for bad in [0, -1, 604_801, Int.max, Int.min] {
            #expect(throws: SigV4Error.expiresOutOfRange) {
                try signer.presign(method: "GET", url: target, expires: bad, date: Self.date)
            }
            #expect(throws: SigV4Error.expiresOutOfRange) {
                try signer.presignedURLString(method: "GET", url: target, expires: bad, date: Self.date)
            }
        }
        #expect(
            try signer.presign(method: "GET", url: target, expires: 1, date: Self.date).query.contains(
                "X-Amz-Expires=1&"
            )
        )
        #expect(
            try signer.presign(method: "GET", url: target, expires: 604_800, date: Self.date).query.contains(
                "X-Amz-Expires=604800&"
            )
        )
        #expect(
            signer.presignURL(method: "GET", url: target, expires: 604_801, date: Self.date).absoluteString.contains(
                "X-Amz-Expires=604800&"
            )
        )
        #expect(
            signer.presignURL(method: "GET", url: target, expires: 0, date: Self.date).absoluteString.contains(
                "X-Amz-Expires=1&"
            )
        )
    }

    @Test("a URL without scheme and host is a typed error, never a crash")
    func urlWithoutHost() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let relative = try url("/bucket/key")
        #expect(throws: SigV4Error.urlWithoutHost) {
            try signer.presign(method: "GET", url: relative, expires: 60, date: Self.date)
        }
        #expect(throws: SigV4Error.urlWithoutHost) {
            try SigV4Request(method: "GET", url: try url("mailto:someone@example.com"))
        }
        #expect(signer.presignURL(method: "GET", url: relative, expires: 60, date: Self.date) == relative)
        let headers = signer.signHeaders(method: "GET", url: relative, headers: [], payload: .unsigned, date: Self.date)
        #expect(value(headers, "authorization").count == 1)
    }

    @Test("UploadPart: partNumber and uploadId stay in the URL and are signed")
    func uploadPartKeepsQuery() throws {
        let signer = SigV4Signer(credentials: Self.withToken, region: "us-east-1", service: "s3")
        let presigned = try signer.presign(
            method: "PUT",
            url: try url("http://127.0.0.1:9000/b/k?partNumber=7&uploadId=a%2Bb"),
            expires: 900,
            date: Self.date
        )
        #expect(
            presigned.urlString.hasPrefix(
                "http://127.0.0.1:9000/b/k?partNumber=7&uploadId=a%2Bb&X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            )
        )
        let queryLine = presigned.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2]
        #expect(queryLine.hasSuffix("&X-Amz-SignedHeaders=host&partNumber=7&uploadId=a%2Bb"))
        #expect(queryLine.contains("X-Amz-Security-Token=tok%2B%2F%3Den&"))
        #expect(
            presigned.addedQuery.hasSuffix(
                "&X-Amz-Security-Token=tok%2B%2F%3Den&X-Amz-Signature=\(presigned.signature)"
            )
        )
        #expect(presigned.canonicalRequest.hasSuffix("\nUNSIGNED-PAYLOAD"))
    }

    @Test("a presigned URL for a key holding every odd character round-trips through URLComponents")
    func presignedURLRoundTrip() throws {
        var key = ""
        for value in UInt8(0x20)...UInt8(0x7E) { key.unicodeScalars.append(Unicode.Scalar(value)) }
        key += "é漢🎬\u{7F}\t"
        let uploadID = key
        let signer = SigV4Signer(credentials: Self.withToken, region: "us-east-1", service: "s3")
        let objectURL =
            "https://b.s3.amazonaws.com/" + AWSPercentEncoding.encode(key, keepingSlashes: true)
            + "?uploadId=" + AWSPercentEncoding.encode(uploadID, keepingSlashes: false)
        let presigned = signer.presignURL(method: "PUT", url: try url(objectURL), expires: 60, date: Self.date)
        let components = try #require(URLComponents(url: presigned, resolvingAgainstBaseURL: false))
        #expect(components.path == "/" + key)
        let items = components.queryItems ?? []
        #expect(items.first?.name == "uploadId")
        #expect(items.first?.value == uploadID)
        #expect(items.first { $0.name == "X-Amz-Security-Token" }?.value == "tok+/=en")
        #expect(
            items.map(\.name) == [
                "uploadId", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
            ]
        )
    }

    @Test("a late session token (signsSessionToken: false) is in the URL but not in the signature")
    func lateSessionToken() throws {
        let base = SigV4Signer(credentials: Self.withToken, region: "us-east-1", service: "sqs")
        let late = base.with(
            options: SigV4Options(path: .standard, addsContentSHA256Header: false, signsSessionToken: false)
        )
        let target = try url("https://sqs.us-east-1.amazonaws.com/")
        let presigned = try late.presign(method: "GET", url: target, expires: 60, date: Self.date)
        #expect(!presigned.canonicalRequest.contains("Security-Token"))
        #expect(presigned.urlString.contains("X-Amz-Security-Token=tok%2B%2F%3Den&X-Amz-Signature="))
        let signed = late.signHeaders(try SigV4Request(method: "GET", url: target), payload: .empty, date: Self.date)
        #expect(!signed.canonicalRequest.contains("x-amz-security-token"))
        #expect(value(signed.headers, "x-amz-security-token") == ["tok+/=en"])
    }

    // MARK: Presigned POST

    @Test("presigned POST: fields, and a policy that decodes to the conditions asked for")
    func presignedPOST() throws {
        let signer = SigV4Signer(credentials: Self.withToken, region: "us-east-1", service: "s3")
        let key = "uploads/\"quoted\" \\ back\nslash é 🎬.mp4"
        let post = try signer.presignedPOST(
            url: try url("http://127.0.0.1:9000/media"),
            bucket: "media",
            key: key,
            conditions: [
                .contentLengthRange(min: 1, max: 1_000_000),
                .startsWith(field: "Content-Type", prefix: "video/"),
            ],
            expires: 600,
            date: Self.date
        )
        #expect(
            post.fields.map(\.name) == [
                "key", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
                "x-amz-security-token", "policy", "x-amz-signature",
            ]
        )
        #expect(post.value(of: "key") == key)
        #expect(post.value(of: "x-amz-credential") == "ASIAEXAMPLE/20150830/us-east-1/s3/aws4_request")
        let policyField = try #require(post.value(of: "policy"))
        let policyData = try #require(Data(base64Encoded: policyField))
        #expect(String(decoding: policyData, as: UTF8.self) == post.policyJSON)
        let policyIsASCII = post.policyJSON.unicodeScalars.allSatisfy { $0.isASCII }
        #expect(policyIsASCII)
        let policy = try #require(try JSONSerialization.jsonObject(with: policyData) as? [String: Any])
        #expect(policy["expiration"] as? String == "2015-08-30T12:46:00Z")
        let conditions = try #require(policy["conditions"] as? [Any])
        #expect(conditions.count == 8)
        #expect((conditions[0] as? [Any])?.first as? String == "content-length-range")
        #expect((conditions[0] as? [Any])?.last as? Int == 1_000_000)
        #expect((conditions[1] as? [String]) == ["starts-with", "$Content-Type", "video/"])
        #expect((conditions[2] as? [String: String]) == ["bucket": "media"])
        #expect((conditions[3] as? [String: String]) == ["key": key])
        // The signature is the HMAC of the base64 policy with the day's signing key.
        let expected = HMAC<SHA256>.authenticationCode(
            for: Data(policyField.utf8),
            using: signer.signingKey(date: Self.date)
        )
        #expect(post.value(of: "x-amz-signature") == expected.map { String(format: "%02x", $0) }.joined())
    }

    @Test("presigned POST rejects an impossible content-length range and out-of-range expiry")
    func presignedPOSTErrors() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "s3")
        let target = try url("https://media.s3.amazonaws.com/")
        #expect(throws: SigV4Error.invalidPolicyCondition) {
            try signer.presignedPOST(
                url: target,
                bucket: "media",
                key: "k",
                conditions: [.contentLengthRange(min: 10, max: 1)],
                expires: 60,
                date: Self.date
            )
        }
        #expect(throws: SigV4Error.invalidPolicyCondition) {
            try signer.presignedPOST(
                url: target,
                bucket: "media",
                key: "k",
                conditions: [.contentLengthRange(min: -1, max: 1)],
                expires: 60,
                date: Self.date
            )
        }
        #expect(throws: SigV4Error.expiresOutOfRange) {
            try signer.presignedPOST(url: target, bucket: "media", key: "k", expires: 0, date: Self.date)
        }
    }
}
