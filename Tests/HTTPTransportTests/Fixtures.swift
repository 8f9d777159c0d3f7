import Foundation
import HTTPTransport
import Testing

/// The bytes `/bytes/N` serves: byte i is i % 251.
func patternBytes(_ count: Int) -> Data {
    Data((0..<count).map { UInt8($0 % 251) })
}

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {  // immutable after init
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "lectern-http-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Writes `size` pseudo-random bytes (xorshift64, so the content is not periodic) in 1 MiB blocks.
func writeNoiseFile(_ path: String, size: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else {
        throw TestServerError(message: "cannot create \(path)")
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var state = seed
    var remaining = size
    while remaining > 0 {
        let blockSize = min(remaining, 1 << 20)
        var words = [UInt64](repeating: 0, count: (blockSize + 7) / 8)
        for index in words.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            words[index] = state
        }
        let block = words.withUnsafeBytes { Data($0.prefix(blockSize)) }
        try handle.write(contentsOf: block)
        remaining -= blockSize
    }
}

/// Whether `path` holds exactly `length` bytes of `source` starting at `offset`, compared block by block.
func file(_ path: String, equalsSliceOf source: String, offset: UInt64, length: UInt64) throws -> Bool {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    guard (attributes[.size] as? NSNumber)?.uint64Value == length else { return false }
    let left = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    let right = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
    defer {
        try? left.close()
        try? right.close()
    }
    try right.seek(toOffset: offset)
    var remaining = length
    while remaining > 0 {
        let count = Int(min(remaining, 1 << 20))
        guard let a = try left.read(upToCount: count), let b = try right.read(upToCount: count), a == b,
            a.count == count
        else { return false }
        remaining -= UInt64(count)
    }
    return true
}

/// What `/echo` and `/save` report about the request they received.
struct EchoReport: Decodable {
    var method: String
    var path: String
    var headers: [[String]]
    var bodyLength: Int
    var bodySHA256: String
    var chunked: Bool
    var bodyBase64: String?

    var body: Data? { bodyBase64.flatMap { Data(base64Encoded: $0) } }

    func header(_ name: String) -> String? {
        headers.first { $0.first?.lowercased() == name.lowercased() }?.last
    }

    init(_ response: HTTPResponse) throws {
        self = try JSONDecoder().decode(EchoReport.self, from: response.body)
    }
}

/// Runs `body`, expecting it to throw an `HTTPTransportError`, and returns that error.
func transportError(_ body: () async throws -> HTTPResponse) async -> HTTPTransportError? {
    do {
        let response = try await body()
        Issue.record("expected an HTTPTransportError, got status \(response.status)")
        return nil
    } catch let error as HTTPTransportError {
        return error
    } catch {
        Issue.record("expected an HTTPTransportError, got \(error)")
        return nil
    }
}

/// Short timeouts for requests to misbehaving servers, so a regression fails instead of hanging.
let quickTimeouts = HTTPTimeouts(
    connect: .seconds(5),
    total: .seconds(10),
    lowSpeedBytesPerSecond: 1,
    lowSpeedWindow: .seconds(10)
)

extension HTTPTestServer {
    /// TCP connections the server has accepted so far, the one asking included if it is new.
    func acceptedConnections(via transport: CurlTransport) async throws -> Int {
        let response = try await transport.execute(HTTPRequest(method: "GET", url: url("/connections")))
        struct Count: Decodable { var accepted: Int }
        return try JSONDecoder().decode(Count.self, from: response.body).accepted
    }
}
