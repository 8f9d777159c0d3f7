/// Where a transcode reads its recording from: a local file, or a byte source (an S3 object read in ranges). One
/// pipeline serves both; only opening the demuxer differs (`MediaProbe.open(_:limits:)`).
enum TranscodeInput: Sendable {
    case path(String)
    case source(any MediaByteSource)
}

extension MediaProbe {
    /// Opens either kind of input with the same description, limits and errors (see the two openers).
    static func open(
        _ input: TranscodeInput,
        limits: MediaLimits
    ) throws(TranscodeError) -> (context: InputFormatContext, info: MediaInfo) {
        switch input {
        case .path(let path): try open(path: path, limits: limits)
        case .source(let source): try open(source: source, limits: limits)
        }
    }
}
