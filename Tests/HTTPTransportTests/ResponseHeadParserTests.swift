import Testing

@testable import HTTPTransport

struct ResponseHeadParserTests {
    private func parse(_ lines: [String]) -> ResponseHeadParser {
        var parser = ResponseHeadParser()
        for line in lines { parser.consume(line: Array(line.utf8)) }
        return parser
    }

    @Test func keepsOnlyTheFinalHeadAfterContinue() {
        let parser = parse([
            "HTTP/1.1 100 Continue\r\n", "X-Early: 1\r\n", "\r\n",
            "HTTP/1.1 201 Created\r\n", "ETag: \"abc\"\r\n", "x-amz-id:  spaced  \r\n", "\r\n",
        ])
        #expect(parser.status == 201)
        #expect(parser.hasFinalHead)
        #expect(parser.headers["X-Early"] == nil)
        #expect(parser.headers["etag"] == "\"abc\"")
        #expect(parser.headers["X-Amz-Id"] == "spaced")
    }

    @Test func informationalHeadIsNotFinal() {
        let parser = parse(["HTTP/1.1 100 Continue\r\n", "\r\n"])
        #expect(parser.status == 100)
        #expect(!parser.hasFinalHead)
    }

    @Test func foldedLinesContinueTheValue() {
        let parser = parse(["HTTP/1.1 200 OK\r\n", "X-Long: first\r\n", "\t second\r\n", "\r\n"])
        #expect(parser.headers["X-Long"] == "first second")
    }

    @Test func keepsRepeatedHeadersInOrder() {
        let parser = parse(["HTTP/2 200\r\n", "Set: a\r\n", "set: b\r\n", "Empty:\r\n", "\r\n"])
        #expect(parser.status == 200)
        #expect(parser.headers.values(for: "SET") == ["a", "b"])
        #expect(parser.headers["Empty"] == "")
    }
}
