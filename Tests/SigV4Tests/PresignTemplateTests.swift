import Foundation
import SigV4
import Testing

/// `PresignTemplate` (the batch path) against `presignedURLString` (the general path) on random requests: every URL
/// text must be the same bytes. The botocore cross-check holds both against an independent signer.
@Suite("presign templates")
struct PresignTemplateTests {
    /// SplitMix64: a fixed seed, so a failure names a case that can be run again.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let oddCharacters = Array("abcXYZ019-_.~ +=%/&?#:@!$'()*,;[]\"<>\\^`{|}\télüß漢字🎬")

    static func randomText(_ rng: inout SeededGenerator, maxLength: Int) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in oddCharacters.randomElement(using: &rng)! })
    }

    /// A random request with a `name=placeholder` parameter somewhere in its query, and the same request's URL text
    /// with `value` in that place instead.
    struct RandomCase {
        var signer: SigV4Signer
        var method: String
        var headers: HeaderFields
        var expires: Int
        var date: Date
        var parameter: String
        /// Wire query pieces around the varying parameter.
        var base: String
        var before: [String]
        var after: [String]
        var placeholder: String

        func url(withEncodedValue value: String) -> String {
            let name = AWSPercentEncoding.encode(parameter, keepingSlashes: false)
            return base + "?" + (before + ["\(name)=\(value)"] + after).joined(separator: "&")
        }
        var templateURL: String { url(withEncodedValue: placeholder) }

        func reference(_ value: String) throws -> String {
            try signer.presignedURLString(
                method: method,
                urlString: url(withEncodedValue: AWSPercentEncoding.encode(value, keepingSlashes: false)),
                headers: headers,
                expires: expires,
                date: date
            )
        }

        func template() throws -> PresignTemplate {
            try signer.presignTemplate(
                method: method,
                urlString: templateURL,
                varying: parameter,
                headers: headers,
                expires: expires,
                date: date
            )
        }
    }

    static func randomCase(_ rng: inout SeededGenerator) -> RandomCase {
        let service = ["s3", "s3", "s3", "execute-api", "sqs"].randomElement(using: &rng)!
        let token = Bool.random(using: &rng) ? "IQoJb3JpZ2luX2VjEP//////////+" + randomText(&rng, maxLength: 12) : nil
        let credentials = AWSCredentials(
            accessKeyID: ["AKIDEXAMPLE", "ASIA/ODD+KEY"].randomElement(using: &rng)!,
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: token
        )
        var options = SigV4Options(service: service)
        if Int.random(in: 0..<4, using: &rng) == 0 { options.presignedQueryOrder = .awsCRT }
        if Int.random(in: 0..<6, using: &rng) == 0 { options.signsSessionToken = false }
        let region = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"].randomElement(using: &rng)!
        let signer = SigV4Signer(credentials: credentials, region: region, service: service, options: options)

        let key = randomText(&rng, maxLength: 24)
        let bucket = ["lectern-media", "my.dotted.bucket", "b"].randomElement(using: &rng)!
        let encodedKey = AWSPercentEncoding.encode(key, keepingSlashes: true)
        let base: String
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: base = "http://127.0.0.1:5000/\(bucket)/\(encodedKey)"
        case 1: base = "https://\(bucket).s3.\(region).amazonaws.com/\(encodedKey)"
        case 2: base = "https://Minio.Example.EDU:443/\(bucket)/\(encodedKey)"
        case 3: base = "http://user:pw@[::1]:9000/\(bucket)/\(encodedKey)"
        default: base = "https://s3.\(region).amazonaws.com/\(bucket)/\(encodedKey)"
        }

        // Other parameters, some sorting before the varying one and some after; some already in odd encodings
        // (`%7e`, a lone `%`, a name without `=`) that the canonical form rewrites.
        var others = ["uploadId=" + AWSPercentEncoding.encode(randomText(&rng, maxLength: 40), keepingSlashes: false)]
        for extra in ["a=1", "versionId=3%2f4", "zeta", "X-Amz-Meta=%7e", "partNumberMarker=5", "q=%", "Z=+"]
        where Int.random(in: 0..<4, using: &rng) == 0 {
            others.append(extra)
        }
        others.shuffle(using: &rng)
        let split = Int.random(in: 0...others.count, using: &rng)
        let parameter = ["partNumber", "partNumber", "partNumber", "part number", "ü~x", "a-b"].randomElement(
            using: &rng
        )!
        let placeholder = ["", "999", "%20x", "1"].randomElement(using: &rng)!

        var headers: HeaderFields = []
        if Bool.random(using: &rng) { headers.append((name: "Content-Type", value: "video/mp4")) }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            headers.append((name: "x-amz-meta-Title", value: "  a \t lecture "))
        }
        if Int.random(in: 0..<6, using: &rng) == 0 { headers.append((name: "Host", value: "proxy.example.edu")) }

        // Dates from 1970 to 2100, and the day boundaries where a signing-key cache could go wrong.
        let seconds =
            Int.random(in: 0..<6, using: &rng) == 0
            ? [951_782_399, 1_709_251_199, 1_709_251_200, 4_102_444_799].randomElement(using: &rng)!
            : Int.random(in: 0...4_102_444_800, using: &rng)
        return RandomCase(
            signer: signer,
            method: ["PUT", "GET", "POST"].randomElement(using: &rng)!,
            headers: headers,
            expires: Int.random(in: 1...SigV4Signer.maxExpires, using: &rng),
            date: Date(timeIntervalSince1970: TimeInterval(seconds) + 0.75),
            parameter: parameter,
            base: base,
            before: Array(others[..<split]),
            after: Array(others[split...]),
            placeholder: placeholder
        )
    }

    @Test("every template URL equals the general path's, byte for byte, on random requests")
    func templateEqualsGeneralPath() throws {
        var rng = SeededGenerator(state: 0x1EC7E_2026)
        var compared = 0
        for index in 0..<1_500 {
            let random = Self.randomCase(&rng)
            let template = try random.template()
            let label = Comment(rawValue: "case \(index): \(random.templateURL) varying \(random.parameter)")
            for _ in 0..<4 {
                let number = Int.random(in: 1...10_000, using: &rng)
                #expect(template.urlString(varying: number) == (try random.reference(String(number))), label)
                let text = Self.randomText(&rng, maxLength: 16)
                #expect(template.urlString(varying: text) == (try random.reference(text)), label)
                compared += 2
            }
        }
        #expect(compared == 12_000)
    }

    @Test("a batch of UploadPart URLs: one template, part numbers 1…10000, each as presignedURLString gives it")
    func uploadPartBatch() throws {
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: "ASIAEXAMPLE",
                secretAccessKey: "secret",
                sessionToken: "tok/en+="
            ),
            region: "eu-west-1",
            service: "s3"
        )
        let date = Date(timeIntervalSince1970: 1_764_093_162)
        let object = "https://lectern-media.s3.eu-west-1.amazonaws.com/lectures/l%201/source"
        let uploadID = AWSPercentEncoding.encode("2~Vx/Q+r=0", keepingSlashes: false)
        let template = try signer.presignTemplate(
            method: "PUT",
            urlString: object + "?partNumber=&uploadId=" + uploadID,
            varying: "partNumber",
            expires: 900,
            date: date
        )
        let numbers = Array(1...12) + [99, 100, 101, 999, 1_000, 9_999, 10_000]
        var seen = Set<String>()
        for number in numbers {
            let url = template.urlString(varying: number)
            let general = try signer.presignedURLString(
                method: "PUT",
                urlString: object + "?partNumber=\(number)&uploadId=" + uploadID,
                expires: 900,
                date: date
            )
            #expect(url == general, "part \(number)")
            #expect(
                url.hasPrefix(object + "?partNumber=\(number)&uploadId=\(uploadID)&X-Amz-Algorithm=AWS4-HMAC-SHA256&")
            )
            seen.insert(url)
        }
        #expect(seen.count == numbers.count, "every part has its own signature")
    }

    @Test("the placeholder value in the template URL is ignored; Int and String values give the same URL")
    func placeholderAndOverloads() throws {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"),
            region: "us-east-1",
            service: "s3"
        )
        let date = Date(timeIntervalSince1970: 1_440_938_160)
        let object = "http://127.0.0.1:9000/b/k?uploadId=u&partNumber="
        let empty = try signer.presignTemplate(
            method: "PUT",
            urlString: object,
            varying: "partNumber",
            expires: 60,
            date: date
        )
        let filled = try signer.presignTemplate(
            method: "PUT",
            urlString: object + "12345",
            varying: "partNumber",
            expires: 60,
            date: date
        )
        let bare = try signer.presignTemplate(
            method: "PUT",
            urlString: "http://127.0.0.1:9000/b/k?uploadId=u&partNumber",
            varying: "partNumber",
            expires: 60,
            date: date
        )
        for number in [-7, 0, 1, 42, 10_000, Int.max, Int.min] {
            #expect(empty.urlString(varying: number) == filled.urlString(varying: number))
            #expect(empty.urlString(varying: number) == bare.urlString(varying: number))
            #expect(empty.urlString(varying: number) == empty.urlString(varying: String(number)))
            #expect(
                empty.urlString(varying: number)
                    == (try signer.presignedURLString(
                        method: "PUT",
                        urlString: object + String(number),
                        expires: 60,
                        date: date
                    ))
            )
        }
        #expect(empty.parameter == "partNumber")
    }

    @Test("a varying parameter that is missing, repeated or one of the signer's own is a typed error")
    func refusesAmbiguousSlots() throws {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"),
            region: "us-east-1",
            service: "s3"
        )
        let refused: [(url: String, parameter: String)] = [
            ("http://h/k", "partNumber"),
            ("http://h/k?uploadId=u", "partNumber"),
            ("http://h/k?partNumber=1&partNumber=2", "partNumber"),
            ("http://h/k?partNumber=1&uploadId=u", "partnumber"),
            ("http://h/k?X-Amz-Date=1", "X-Amz-Date"),
            ("http://h/k?uploadId=u", "X-Amz-Signature"),
        ]
        for (url, parameter) in refused {
            #expect(throws: SigV4Error.varyingParameterNotInQuery, "\(url) varying \(parameter)") {
                _ = try signer.presignTemplate(method: "PUT", urlString: url, varying: parameter, expires: 60)
            }
        }
        // An encoded name matches its decoded form, as the canonical query compares them.
        _ = try signer.presignTemplate(
            method: "PUT",
            urlString: "http://h/k?part%20number=1",
            varying: "part number",
            expires: 60
        )
        for expires in [0, -1, SigV4Signer.maxExpires + 1] {
            #expect(throws: SigV4Error.expiresOutOfRange) {
                _ = try signer.presignTemplate(
                    method: "PUT",
                    urlString: "http://h/k?partNumber=",
                    varying: "partNumber",
                    expires: expires
                )
            }
        }
        #expect(throws: SigV4Error.urlWithoutHost) {
            _ = try signer.presignTemplate(
                method: "PUT",
                urlString: "/k?partNumber=",
                varying: "partNumber",
                expires: 60
            )
        }
    }

    @Test("a template from a bare target (Host in the headers) equals presign(_:)'s URL")
    func bareTarget() throws {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"),
            region: "us-east-1",
            service: "s3"
        )
        let date = Date(timeIntervalSince1970: 1_440_938_160)
        let headers: HeaderFields = [(name: "Host", value: "b.s3.amazonaws.com")]
        let template = try signer.presignTemplate(
            SigV4Request(
                method: "PUT",
                path: "/k%20x",
                query: "partNumber=&uploadId=u",
                headers: headers
            ),
            varying: "partNumber",
            expires: 60,
            date: date
        )
        for number in [1, 77, 10_000] {
            let general = try signer.presign(
                SigV4Request(
                    method: "PUT",
                    path: "/k%20x",
                    query: "partNumber=\(number)&uploadId=u",
                    headers: headers
                ),
                expires: 60,
                date: date
            )
            #expect(template.urlString(varying: number) == general.urlString)
        }
    }
}
