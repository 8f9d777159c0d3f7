import CFFmpeg

/// A libav* error code with FFmpeg's own description of it.
public struct AVError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public let message: String

    public init(code: Int32) {
        self.code = code
        var buffer = [CChar](repeating: 0, count: Int(AV_ERROR_MAX_STRING_SIZE))
        lectern_error_string(code, &buffer, buffer.count)
        self.message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { "\(message) (\(code))" }

    public static let endOfFile = lectern_averror_eof()
    public static let tryAgain = lectern_averror_eagain()
    public static let invalidData = lectern_averror_invaliddata()

    public var isEndOfFile: Bool { code == Self.endOfFile }
    public var isTryAgain: Bool { code == Self.tryAgain }
}

/// Throws an `AVError` for a negative libav* return code and passes non-negative values through.
@discardableResult
func check(_ result: Int32) throws(AVError) -> Int32 {
    if result < 0 { throw AVError(code: result) }
    return result
}

let noPTS: Int64 = lectern_nopts_value()
