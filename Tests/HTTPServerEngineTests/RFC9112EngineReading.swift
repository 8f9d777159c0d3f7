// The engine's parsers read in RFC9112Reference's terms: what the differential tests and the fuzz targets compare.
// Fuzz/run compiles this file together with the engine's parser files, outside SwiftPM, where there is no module to
// import; in the test target it needs the engine's internals.
#if canImport(HTTPServerEngine)
@testable import HTTPServerEngine
#endif

/// The engine's readings (nil or `.invalid`: refused).
enum Engine {
    static func head(_ input: [UInt8]) -> RFC9112Reference.Head? {
        input.withUnsafeBytes { raw -> RFC9112Reference.Head? in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let layout = try? HTTP1HeadParser.layout(raw, maxFields: .max) else { return nil }
            let versionStart = layout.target.upperBound + 1
            return RFC9112Reference.Head(
                method: Array(bytes[layout.method]),
                target: Array(bytes[layout.target]),
                version: Array(bytes[versionStart..<(versionStart + 8)]),
                fields: layout.fields.map {
                    RFC9112Reference.Field(name: Array(bytes[$0.name]), value: Array(bytes[$0.value]))
                }
            )
        }
    }

    static func chunked(
        _ input: [UInt8],
        split: Int,
        limit: Int = .max,
        maxLineBytes: Int = .max
    ) -> RFC9112Reference.Chunked {
        var decoder = ChunkedBodyDecoder(limit: limit, maxLineBytes: maxLineBytes, maxExtensionBytes: maxLineBytes)
        var pending: [UInt8] = []
        var used = 0
        for part in [input[..<split], input[split...]] {
            pending += part
            let result: Result<Int, APIProblem> = pending.withUnsafeBytes { raw in
                do throws(APIProblem) { return .success(try decoder.consume(raw)) } catch { return .failure(error) }
            }
            guard case .success(let count) = result else { return .invalid }
            precondition(count <= pending.count, "the decoder used more bytes than it was given")
            pending.removeFirst(count)
            used += count
            if decoder.isComplete { return .complete(body: Array(decoder.takeBody()), used: used) }
        }
        return .incomplete
    }
}
