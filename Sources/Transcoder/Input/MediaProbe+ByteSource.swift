import CFFmpeg
import Foundation

extension MediaProbe {
    /// Describes a recording read through a byte source (an S3 object read in ranges) without fetching it whole.
    /// Blocks while the source reads: call it from a thread of its own, not from a Swift concurrency task.
    public static func probe(
        source: any MediaByteSource,
        limits: MediaLimits = MediaLimits()
    ) throws(TranscodeError) -> MediaInfo {
        try open(source: source, limits: limits).info
    }

    /// The sibling of `open(path:limits:)` for a byte source: the same description and limits; a failure of the
    /// source itself (storage unreadable) is reported as the source's own error, not as "not media".
    static func open(
        source: any MediaByteSource,
        limits: MediaLimits
    ) throws(TranscodeError) -> (context: InputFormatContext, info: MediaInfo) {
        LibAV.quiet
        if source.size == 0 {
            throw TranscodeError(.notMedia, "The file is empty (0 bytes). Please upload the recording again.")
        }
        let io = try ByteSourceIO(source: source)
        let context: InputFormatContext
        do {
            context = try InputFormatContext(io: io)
        } catch {
            if let failure = io.failure { throw failure }
            throw TranscodeError(
                .notMedia,
                """
                This file is not a video or audio recording we can read, or it is incomplete (\(error.message)). \
                Please check that the upload finished and the file plays on your computer.
                """
            )
        }
        let info = describe(context)
        try check(info, limits: limits)
        return (context, info)
    }
}
