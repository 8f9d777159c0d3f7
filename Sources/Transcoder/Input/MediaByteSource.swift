/// Random-access bytes of a recording that is not a local file (an S3 object read in ranges, for a chunk that
/// needs only its time range of a long source). The demuxer reads through an `AVIOContext` over it
/// (`ByteSourceIO`).
///
/// `read` may block: libavformat calls it on the thread that opened the input or runs the demux stage, never on
/// a cooperative thread of Swift concurrency (callers keep it so: see `MediaProbe.open(source:limits:)`).
public protocol MediaByteSource: AnyObject, Sendable {
    /// The whole object's size in bytes (libavformat asks for it with `AVSEEK_SIZE` to find a trailing index).
    var size: Int64 { get }

    /// Copies up to `buffer.count` bytes starting at `offset` into `buffer` and returns how many it copied; fewer
    /// than asked is fine (libavformat asks again), 0 only at or past the end.
    /// - Throws: `TranscodeError` (`.inputUnavailable` for storage that cannot be read) — the transcode reports it.
    func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int

    /// The reader moved on to another source (a `ConcatenatedByteSource` read through this part): free what is
    /// cached for reads. A later read must still work, at the cost of fetching again.
    func release()
}

extension MediaByteSource {
    /// Nothing cached: nothing to free.
    public func release() {}
}
