import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// The hand-written parts of the hot path against the general code they stand in for.
@Suite("Hot path: JSON writer, part-URL answer, bearer header, router decoding") struct HotPathEncodingTests {
    static let trickyStrings = [
        "", "plain", "quote\" backslash\\ slash/", "controls \u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F} del\u{7F}",
        "é 日本語 😀 \u{2028}\u{2029}", "http://127.0.0.1:5000/b/k%20x?partNumber=1&uploadId=a%2Fb&X-Amz-Signature=ff",
    ]
    static let dates = [
        Date(timeIntervalSince1970: 1_764_093_162), Date(timeIntervalSince1970: 1_764_093_162.999_9),
        Date(timeIntervalSince1970: 0.5), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
        Date(timeIntervalSince1970: 4_102_444_799.25),  // 2099-12-31T23:59:59
    ]

    struct Wrapped: Encodable {
        var text: String
        var when: Date
    }

    @Test(arguments: trickyStrings)
    func writerEscapesStringsAsJSONEncoderDoes(text: String) {
        var writer = JSONWriter(capacity: 16)
        writer.raw(#"{"text":"#)
        writer.string(text)
        writer.raw(#","when":"#)
        writer.date(Self.dates[0])
        writer.raw("}")
        #expect(writer.data == APIJSON.encode(Wrapped(text: text, when: Self.dates[0])))
    }

    @Test(arguments: dates)
    func writerDatesMatchJSONEncoder(date: Date) {
        var writer = JSONWriter(capacity: 24)
        writer.raw(#"{"text":"x","when":"#)
        writer.date(date)
        writer.raw("}")
        #expect(
            String(decoding: writer.data, as: UTF8.self)
                == String(decoding: APIJSON.encode(Wrapped(text: "x", when: date)), as: UTF8.self)
        )
    }

    @Test func partURLAnswerIsByteForByteWhatJSONEncoderWrites() throws {
        let urls = [
            """
            http://127.0.0.1:5000/media/sources/lec_1/source?partNumber=1&uploadId=up%2Fload%2Bid%3D&\
            X-Amz-Algorithm=AWS4-HMAC-SHA256
            """,
            """
            https://lectern-media.s3.eu-west-1.amazonaws.com/k%C3%BC%20x?partNumber=10000&\
            uploadId=Zm9v&X-Amz-Signature=0a1b
            """,
        ]
        for count in [0, 1, 2, 10] {
            let parts = (0..<count).map { PartURLText(partNumber: $0 * 997 + 1, url: urls[$0 % urls.count]) }
            for date in Self.dates {
                let typed = PartURLsResponse(parts: try parts.map { try UploadPlan.PartURL($0) }, expiresAt: date)
                #expect(PartURLsResponse.json(parts: parts, expiresAt: date) == APIJSON.encode(typed))
            }
        }
    }

    @Test func partURLAnswerDecodesAsTheSchemaType() throws {
        let parts = [PartURLText(partNumber: 3, url: "http://127.0.0.1:5000/b/k?partNumber=3&X-Amz-Signature=ab")]
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode(
            PartURLsResponse.self,
            from: PartURLsResponse.json(parts: parts, expiresAt: Self.dates[0])
        )
        #expect(decoded.parts.map(\.partNumber) == [3])
        #expect(decoded.parts.first?.url.absoluteString == parts[0].url)
        #expect(decoded.expiresAt == Self.dates[0])
    }

    // MARK: Lecture view

    @Test(arguments: LectureState.allCases)
    func lectureViewIsByteForByteWhatJSONEncoderWrites(state: LectureState) {
        for (index, title) in Self.trickyStrings.enumerated() {
            var record = LectureRecord(
                lectureId: "lec_\(index)",
                courseId: "CS-101.a_b",
                ownerId: "prof \"x\"",
                title: title,
                filename: Self.trickyStrings[(index + 1) % Self.trickyStrings.count],
                contentType: "video/mp4",
                sizeBytes: Int64(index) * 4_000_000_007,
                sourceKey: "sources/lec_\(index)/source",
                state: state,
                now: Self.dates[index % Self.dates.count]
            )
            record.updatedAt = Self.dates[(index + 2) % Self.dates.count]
            record.failureReason = index % 2 == 0 ? "the source is not a video: \(title)" : nil
            if index == 3 {
                record.progressPercent = 41.5
                record.progressStage = "encoding"
            }
            if index == 4 { record.durationSeconds = 3725.25 }
            record.finishedAt = index % 2 == 1 ? Self.dates[(index + 3) % Self.dates.count] : nil
            // The edit fields: a description with the same tricky text, each visibility, a publish time.
            record.description = index % 3 == 0 ? nil : Self.trickyStrings[(index + 2) % Self.trickyStrings.count]
            record.visibility =
                index % 4 == 0 ? nil : LectureVisibility.allCases[index % LectureVisibility.allCases.count]
            record.publishAt = record.visibility == .scheduled ? Self.dates[(index + 1) % Self.dates.count] : nil
            let view = LectureView(record)
            let direct = view.directJSON
            // Only progress (a processing lecture's) and a duration, numbers with fractions, leave the direct path.
            #expect((direct == nil) == (state == .processing || index == 4))
            if let direct {
                #expect(
                    String(decoding: direct, as: UTF8.self) == String(decoding: APIJSON.encode(view), as: UTF8.self)
                )
            }
        }
    }

    // MARK: Authorization header

    @Test func plainBearerHeadersGiveTheirToken() {
        #expect(Authenticator.plainBearerToken("Bearer abc.def.ghi") == "abc.def.ghi")
        #expect(Authenticator.plainBearerToken("bEARER abc.def.ghi") == "abc.def.ghi")
    }

    @Test func everythingElseGoesToTheGeneralParse() {
        // nil: not refused, handed to the general (Foundation) parse, which trims or refuses as before.
        for header in [
            "Bearer ", "Bearer", "Bearer  abc", "Bearer abc ", "Bearer\tabc", "Basic abc", "Bearerx abc",
            "Bearer ab c", "Bearer abc\u{A0}", "Béarer abc", "Bearer abc\u{7F}",
        ] {
            #expect(Authenticator.plainBearerToken(header) == nil, "\(header)")
        }
    }

    @Test func paddedAndOddlyCasedHeadersStillAuthenticate() async throws {
        let secret = "hot-path-secret-0123456789abcdef"
        let authenticator = try await Authenticator(source: .sharedSecret(secret), issuer: nil, audience: nil)
        let token = try await DevTokens.mint(secret: secret, role: .student, user: "s-9", courses: ["CS101"])
        for header in ["Bearer \(token)", "BEARER \(token)", "Bearer  \(token) ", "bearer \(token)\t"] {
            #expect(try await authenticator.authenticate(authorization: header).userID == "s-9", "\(header)")
        }
    }

    // MARK: Router

    @Test func routeParametersAreStillPercentDecoded() {
        var router = Router()
        router.add("GET /v1/lectures/:id") { _ in .noContent() }
        router.add("GET /v1/lectures/:id/hls/:rendition.m3u8") { _ in .noContent() }
        guard case .found(_, let plain) = router.match(method: "GET", path: "/v1/lectures/lec_1") else {
            Issue.record("no match")
            return
        }
        #expect(plain["id"] == "lec_1")
        guard case .found(_, let encoded) = router.match(method: "GET", path: "/v1/lectures/lec%5F2%20x") else {
            Issue.record("no match")
            return
        }
        #expect(encoded["id"] == "lec_2 x")
        guard case .found(_, let suffixed) = router.match(method: "GET", path: "/v1/lectures/lec_3/hls/720p%2Ev2.m3u8")
        else {
            Issue.record("no match")
            return
        }
        #expect(suffixed["rendition"] == "720p.v2")
        // A literal segment is compared as sent: an encoded literal is not the literal.
        if case .found = router.match(method: "GET", path: "/v1/lecture%73/lec_1") {
            Issue.record("an encoded literal matched")
        }
        // Broken encoding is kept as sent, as before.
        guard case .found(_, let broken) = router.match(method: "GET", path: "/v1/lectures/lec_%zz") else {
            Issue.record("no match")
            return
        }
        #expect(broken["id"] == "lec_%zz")
    }
}

@Suite("Hot path: the part-number body") struct PartNumberBodyTests {
    static let read = [
        #"{"partNumbers":[1,2,3,4,5,6,7,8,9,10]}"#, #"{"partNumbers":[]}"#,
        " {\n\t\"partNumbers\" : [ 7 , 0 ,123456789 ]\r} ",
        #"{"partNumbers":[10000]}"#,
    ]
    static let leftToJSONDecoder = [
        "", "{}", #"{"partNumbers":[1,]}"#, #"{"partNumbers":[01]}"#, #"{"partNumbers":[-1]}"#,
        #"{"partNumbers":[1.0]}"#,
        #"{"partNumbers":[1e2]}"#, #"{"partNumbers":[1234567890]}"#, #"{"partNumbers":"1"}"#, #"{"partNumbers":[1]} x"#,
        #"{"partNumbers":[1],"partNumbers":[2]}"#, #"{"partNumbers":[1],"extra":true}"#, #"{"partnumbers":[1]}"#,
        #"{"partNumbers":[1]"#, #"{"partNumbers":null}"#, #"[1,2]"#, #"{"partNumbers":[1 2]}"#,
    ]

    @Test(arguments: read)
    func readsWhatJSONDecoderReadsTheSame(body: String) throws {
        let simple = try #require(PartURLsRequest.simpleBody(Data(body.utf8)))
        #expect(
            simple.partNumbers == (try JSONDecoder().decode(PartURLsRequest.self, from: Data(body.utf8))).partNumbers
        )
    }

    @Test(arguments: leftToJSONDecoder)
    func leavesEverythingElseToJSONDecoder(body: String) {
        #expect(PartURLsRequest.simpleBody(Data(body.utf8)) == nil)
    }
}
