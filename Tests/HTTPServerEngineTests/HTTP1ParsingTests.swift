import Foundation
import Testing

@testable import HTTPServerEngine

/// The engine's pure parts, without sockets: head parser, chunked decoder, response encoder.
@Suite("HTTP/1.1 parsing and encoding") struct HTTP1ParsingTests {
    func parse(_ head: String) throws(APIProblem) -> HTTP1RequestHead { try parse(bytes: Array(head.utf8)) }

    func parse(bytes: [UInt8]) throws(APIProblem) -> HTTP1RequestHead {
        let result: Result<HTTP1RequestHead, APIProblem> = bytes.withUnsafeBytes { raw in
            do throws(APIProblem) { return .success(try HTTP1HeadParser.parse(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    @Test func aTypicalAPIRequestHead() throws {
        let head = try parse(
            """
            POST /v1/lectures?x=1 HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer t.o.k\r\nContent-Length: 42\r\n\
            Content-Type: application/json
            """
        )
        #expect(head.method == "POST")
        #expect(head.path == "/v1/lectures")
        #expect(head.query == ["x": "1"])
        #expect(head.version == .http11)
        #expect(
            head.headers == [
                "host": "api", "authorization": "Bearer t.o.k", "content-length": "42",
                "content-type": "application/json",
            ]
        )
        #expect(head.framing == .length(42))
        #expect(head.keepAlive && !head.expectsContinue)
    }

    @Test func absoluteFormAndAsteriskTargets() throws {
        #expect(try parse("GET http://api.example.edu:8080/healthz?a=b HTTP/1.1\r\nHost: h").path == "/healthz")
        #expect(try parse("GET http://api.example.edu HTTP/1.1\r\nHost: h").path == "/")
        #expect(try parse("OPTIONS * HTTP/1.1\r\nHost: h").path == "*")
    }

    @Test(arguments: [
        ("/a/b/c", "/a/b/c"), ("/a/./b", "/a/b"), ("/a/../b", "/b"), ("/../../etc/passwd", "/etc/passwd"),
        ("/a/b/..", "/a/"), ("/a/.", "/a/"), ("/a..b/.c", "/a..b/.c"), ("/", "/"), ("/..", "/"),
    ])
    func dotSegmentsAreRemoved(path: String, expected: String) {
        let result = Array(path.utf8).withUnsafeBufferPointer { HTTP1HeadParser.removingDotSegments($0) }
        #expect(result == expected)
    }

    @Test func queryDecodingMatchesWhatFlyingFoxGave() {
        func query(_ text: String) -> [String: String] {
            Array(text.utf8).withUnsafeBufferPointer { HTTP1HeadParser.parseQuery($0) }
        }
        #expect(query("a=%41%42&b=x+y&c&&d=") == ["a": "AB", "b": "x+y", "c": "", "d": ""])
        #expect(query("bad=%zz&half=%4") == ["bad": "%zz", "half": "%4"])
        #expect(query("notutf8=%FF") == ["notutf8": "%FF"])
        #expect(query("k%20ey=%E2%82%AC") == ["k ey": "€"])
    }

    @Test func contentLengthMustBeOneNumber() throws {
        #expect(try HTTP1HeadParser.parseContentLength("0") == 0)
        #expect(try HTTP1HeadParser.parseContentLength("12, 12") == 12)
        for bad in ["-1", "1e3", "", " ", "12, 13", "+5", "99999999999999999999"] {
            #expect(throws: APIProblem.self, "\(bad)") { try HTTP1HeadParser.parseContentLength(bad) }
        }
    }

    @Test func persistenceFollowsVersionAndConnection() throws {
        #expect(try parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close").keepAlive == false)
        #expect(try parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade").keepAlive == true)
        #expect(try parse("GET / HTTP/1.0").keepAlive == false)
        #expect(try parse("GET / HTTP/1.0\r\nConnection: keep-alive").keepAlive == true)
        // 100-continue is an HTTP/1.1 mechanism; an HTTP/1.0 client's Expect is ignored.
        #expect(try parse("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1").expectsContinue)
        #expect(try !parse("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1").expectsContinue)
    }

    @Test func arbitraryBytesNeverCrashTheParser() {
        // Seeded pseudo-random heads built from the bytes that matter to the grammar: every one either parses or is
        // a 4xx/5xx problem (a crash would end the test process).
        let alphabet =
            Array("GET /?=&%:;, \t\r\nHTTP/1.0chunkedContent-Length0123456789aZ".utf8) + [0, 0x7F, 0xC3, 0xFF]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(Int.max))
        }
        var refused = 0
        for _ in 0..<3_000 {
            var bytes = Array("GET / HTTP/1.1\r\n".utf8.prefix(next() % 17))
            for _ in 0..<(next() % 64) { bytes.append(alphabet[next() % alphabet.count]) }
            do { _ = try parse(bytes: bytes) } catch {
                #expect((400...505).contains(error.status))
                refused += 1
            }
        }
        #expect(refused > 0)
    }

    // MARK: Chunked

    static let chunked = Array(
        "4\r\nWiki\r\n7;ext=1\r\npedia, \r\nB\r\nin chunks.\n\r\n0\r\nTrailer: x\r\n\r\nNEXT".utf8
    )

    @Test func chunkedBodiesDecodeHoweverTheBytesAreSplit() throws {
        // Every split point of the stream into two reads gives the same body and stops before the next request.
        for split in 0...Self.chunked.count {
            var decoder = ChunkedBodyDecoder(limit: 1_000, maxLineBytes: 100)
            var pending: [UInt8] = []
            for part in [Self.chunked[..<split], Self.chunked[split...]] {
                pending += part
                let used = try pending.withUnsafeBytes { raw throws(APIProblem) in try decoder.consume(raw) }
                pending.removeFirst(used)
            }
            #expect(decoder.isComplete, "split at \(split)")
            #expect(
                String(decoding: decoder.takeBody(), as: UTF8.self) == "Wikipedia, in chunks.\n",
                "split at \(split)"
            )
            #expect(pending == Array("NEXT".utf8), "split at \(split)")
        }
    }

    @Test func chunkedBodiesAreCheckedAgainstTheLimitBeforeTheirBytesArrive() {
        var decoder = ChunkedBodyDecoder(limit: 10, maxLineBytes: 100)
        #expect(throws: APIProblem.bodyTooLarge(limit: 10)) {
            _ = try Array("5\r\nhello\r\n6\r\n".utf8).withUnsafeBytes { raw throws(APIProblem) in
                try decoder.consume(raw)
            }
        }
    }

    @Test(arguments: ["x\r\n", "\r\n", "5\r\nhelloXX", "fffffffffffffffff\r\n", String(repeating: "1", count: 200)])
    func malformedChunksAre400(stream: String) {
        var decoder = ChunkedBodyDecoder(limit: .max, maxLineBytes: 100)
        #expect(throws: APIProblem.self) {
            _ = try Array(stream.utf8).withUnsafeBytes { raw throws(APIProblem) in try decoder.consume(raw) }
        }
    }

    @Test(arguments: ["5 junk", "5;a=\"x\ry\"", "5;a=x\ry", "5 ", "5;", "5;a=", "5;a=\"open", "5;=b", "5;a b", "g", ""])
    func chunkSizeLinesFollowTheGrammar(line: String) {
        #expect(throws: APIProblem.self, "\(line)") {
            _ = try Array(line.utf8).withUnsafeBufferPointer { bytes throws(APIProblem) in
                try ChunkedBodyDecoder.parseSizeLine(bytes)
            }
        }
    }

    @Test func chunkExtensionsAreParsedAndCounted() throws {
        func parse(_ line: String) throws(APIProblem) -> (Int, Int) {
            let result = try Array(line.utf8).withUnsafeBufferPointer { bytes throws(APIProblem) in
                try ChunkedBodyDecoder.parseSizeLine(bytes)
            }
            return (result.size, result.extensionBytes)
        }
        #expect(try parse("1f") == (31, 0))
        #expect(try parse("00000000000000000001") == (1, 0), "leading zeros are not significant")
        #expect(try parse("a ; name = \"q\\\"s\" ;flag") == (10, 22), "everything after the digits")
    }

    @Test func chunkMetadataIsLimitedWhetherCompleteOrNot() {
        func decode(_ stream: String, line: Int = 100, extensions: Int = 100) throws(APIProblem) {
            var decoder = ChunkedBodyDecoder(limit: .max, maxLineBytes: line, maxExtensionBytes: extensions)
            let bytes = Array(stream.utf8)
            let result: Result<Int, APIProblem> = bytes.withUnsafeBytes { raw in
                do throws(APIProblem) { return .success(try decoder.consume(raw)) } catch { return .failure(error) }
            }
            _ = try result.get()
        }
        let long = "1;x=" + String(repeating: "a", count: 200)
        #expect(throws: APIProblem.self) { try decode(long + "\r\na\r\n") }
        #expect(throws: APIProblem.self) { try decode(long) }
        // Each line is short; together their extensions pass the limit
        let chunk = "1;x=" + String(repeating: "a", count: 40) + "\r\na\r\n"
        #expect(throws: Never.self) { try decode(chunk + chunk + "0\r\n\r\n") }
        #expect(throws: APIProblem.self) { try decode(chunk + chunk + chunk) }
    }

    @Test func headsNeedExactlyOneHostAndAKnownMethod() {
        #expect(throws: APIProblem.malformedRequest("an HTTP/1.1 request must have a Host field")) {
            try parse("GET / HTTP/1.1")
        }
        #expect(throws: APIProblem.self) { try parse("GET / HTTP/1.1\r\nHost: a\r\nhost: a") }
        #expect(throws: APIProblem.methodNotImplemented("get")) { try parse("get / HTTP/1.1\r\nHost: a") }
        #expect(throws: APIProblem.tooManyFields(limit: 100)) {
            try parse("GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 100) + "Host: a")
        }
        #expect(throws: Never.self) { try parse("GET / HTTP/1.0") }
    }

    @Test func aReceiveBufferGivesBackWhatItGrew() {
        var buffer = ReceiveBuffer(initialCapacity: 16, maxCapacity: 1_024)
        while buffer.makeRoom(), buffer.capacity < 256 { _ = buffer.fill { $0.count } }
        #expect(buffer.capacity >= 256)
        buffer.consume(buffer.readableCount)
        buffer.shrinkIfEmpty()
        #expect(buffer.capacity == 16)
    }

    // MARK: Encoding

    @Test func theAnswerIsOneBufferWithHeadAndBody() {
        let date = Array("Thu, 03 Dec 2026 11:58:43 GMT".utf8)
        let response = APIResponse(
            status: 201,
            headers: ["Location": "/v1/lectures/x"],
            body: Data("{}".utf8),
            contentType: "application/json"
        )
        let text = String(
            decoding: ResponseEncoder.encode(response, persistence: .keepAlive, date: date),
            as: UTF8.self
        )
        #expect(
            text == "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLocation: /v1/lectures/x\r\n"
                + "Date: Thu, 03 Dec 2026 11:58:43 GMT\r\nContent-Length: 2\r\n\r\n{}"
        )
        let closing = String(
            decoding: ResponseEncoder.encode(APIResponse(status: 404), persistence: .close, date: date),
            as: UTF8.self
        )
        #expect(
            closing
                == """
                HTTP/1.1 404 Not Found\r\nDate: Thu, 03 Dec 2026 11:58:43 GMT\r\n\
                Content-Length: 0\r\nConnection: close\r\n\r\n
                """
        )
        let http10 = String(
            decoding: ResponseEncoder.encode(APIResponse(status: 304), persistence: .keepAliveHTTP10, date: date),
            as: UTF8.self
        )
        #expect(
            http10
                == "HTTP/1.1 304 Not Modified\r\nDate: Thu, 03 Dec 2026 11:58:43 GMT\r\nConnection: keep-alive\r\n\r\n"
        )
        // An application's own Date is kept, and not doubled
        let own = ResponseEncoder.encode(
            APIResponse(status: 200, headers: ["Date": "Mon, 01 Jan 2024 00:00:00 GMT"]),
            persistence: .keepAlive,
            date: date
        )
        #expect(
            String(decoding: own, as: UTF8.self)
                == "HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n"
        )
    }

    @Test(arguments: [0, 784_111_777, 951_782_400, 1_764_763_123, 4_102_444_799])
    func datesAreIMFFixdateAsFoundationFormatsThem(epochSeconds: Int) {
        // An independent reference: Foundation's formatter with RFC 9110's pattern, in UTC, POSIX locale.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
        #expect(String(decoding: HTTPDate.format(epochSeconds: epochSeconds), as: UTF8.self) == expected)
    }

    @Test func theCurrentDateIsNow() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let parsed = try #require(formatter.date(from: String(decoding: HTTPDate.current(), as: UTF8.self)))
        #expect(abs(parsed.timeIntervalSinceNow) < 2)
    }
}
