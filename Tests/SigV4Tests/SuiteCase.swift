import Foundation
import SigV4

/// One case folder of AWS's SigV4 test suite (`testdata/sigv4-suite/v4/<name>/`), parsed.
struct SuiteCase {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    /// A raw HTTP/1.1 request as written in request.txt.
    struct RawRequest {
        var method: String
        /// The request target exactly as written (may hold spaces and raw UTF-8).
        var target: String
        var version: String
        var headers: HeaderFields
        var body: String

        var path: String {
            target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }
        var query: String {
            guard let q = target.firstIndex(of: "?") else { return "" }
            return String(target[target.index(after: q)...])
        }

        /// request.txt: request line, `Name:value` lines (a line starting with whitespace continues the
        /// previous value), a blank line, then the body.
        init(parsing text: String) throws {
            let headEnd = text.range(of: "\n\n")
            let head = headEnd.map { String(text[..<$0.lowerBound]) } ?? text
            body = headEnd.map { String(text[$0.upperBound...]) } ?? ""
            var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            guard let requestLine = lines.first,
                let firstSpace = requestLine.firstIndex(of: " "),
                let lastSpace = requestLine.lastIndex(of: " "), firstSpace < lastSpace
            else { throw SuiteError.malformed("request line") }
            method = String(requestLine[..<firstSpace])
            target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
            version = String(requestLine[requestLine.index(after: lastSpace)...])
            headers = []
            for line in lines.dropFirst() {
                if line.first == " " || line.first == "\t" {
                    guard !headers.isEmpty else { throw SuiteError.malformed("continuation before any header") }
                    headers[headers.count - 1].value += "\n" + line
                    continue
                }
                guard let colon = line.firstIndex(of: ":") else { throw SuiteError.malformed("header line \(line)") }
                headers.append((name: String(line[..<colon]), value: String(line[line.index(after: colon)...])))
            }
        }

        /// The request as text again, with another target and header list (the suite's signed-request form).
        func rendered(target: String, headers: HeaderFields) -> String {
            var text = "\(method) \(target) \(version)\n"
            for header in headers { text += "\(header.name):\(header.value)\n" }
            return text + "\n" + body
        }
    }

    enum SuiteError: Error { case malformed(String) }

    let name: String
    let directory: URL
    let context: Context
    let request: RawRequest

    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("testdata/sigv4-suite/v4")

    /// Case folder names, sorted; empty when the folder is missing (a separate test fails on that).
    static let names: [String] = {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return entries.filter { !$0.hasPrefix(".") }.sorted()
    }()

    init(_ name: String) throws {
        self.name = name
        directory = Self.root.appendingPathComponent(name)
        context = try JSONDecoder().decode(
            Context.self,
            from: Data(contentsOf: directory.appendingPathComponent("context.json"))
        )
        request = try RawRequest(
            parsing: String(contentsOf: directory.appendingPathComponent("request.txt"), encoding: .utf8)
        )
    }

    func file(_ fileName: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8)
    }

    var date: Date {
        get throws {
            guard let date = ISO8601DateFormatter().date(from: context.timestamp) else {
                throw SuiteError.malformed("timestamp \(context.timestamp)")
            }
            return date
        }
    }

    /// The suite's knobs mapped onto ours. The suite always encodes the path (its paths are raw text, e.g.
    /// `/example space/`); `normalize` only switches dot-segment removal.
    var signer: SigV4Signer {
        let c = context.credentials
        return SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: c.access_key_id,
                secretAccessKey: c.secret_access_key,
                sessionToken: c.token
            ),
            region: context.region,
            service: context.service,
            options: SigV4Options(
                path: PathCanonicalization(removesDotSegments: context.normalize, encodesAgain: true),
                addsContentSHA256Header: context.sign_body,
                signsSessionToken: !(context.omit_session_token ?? false),
                presignedQueryOrder: .awsCRT
            )
        )
    }

    var sigV4Request: SigV4Request {
        SigV4Request(method: request.method, path: request.path, query: request.query, headers: request.headers)
    }

    var payload: PayloadHash { context.sign_body ? .bytes(Data(request.body.utf8)) : .empty }
}
