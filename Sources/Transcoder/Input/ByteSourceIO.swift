import CFFmpeg
import Foundation

/// An `AVIOContext` reading from a `MediaByteSource`. This object owns the context and its buffer: both are
/// freed in `deinit`, after the format context that reads through it is closed (`InputFormatContext` keeps it).
///
/// Ownership per `avio.h`: the buffer passed to `avio_alloc_context` must come from `av_malloc`, and libavformat
/// may free it and install a bigger one (probing grows it), so `deinit` frees whatever `context.buffer` holds
/// *now*, then the context with `avio_context_free` (which frees neither the buffer nor the opaque pointer).
final class ByteSourceIO {
    /// 64 KiB, FFmpeg's own default for file I/O (`IO_BUFFER_SIZE` in aviobuf.c, 32 KiB) doubled: each read is a
    /// memory copy out of the source's block cache, so a bigger buffer only saves calls.
    static let bufferSize = 64 * 1024

    /// What the C callbacks see through `opaque`: the source, where the demuxer is, and the first error the
    /// source threw (libavformat only sees `AVERROR(EIO)`; the opener reports this instead).
    final class Cursor {
        let source: any MediaByteSource
        var position: Int64 = 0
        var failure: TranscodeError?
        init(source: any MediaByteSource) { self.source = source }
    }

    let cursor: Cursor
    let context: UnsafeMutablePointer<AVIOContext>

    init(source: any MediaByteSource) throws(TranscodeError) {
        cursor = Cursor(source: source)
        guard let buffer = av_malloc(Self.bufferSize) else {
            throw TranscodeError(.internalFailure, "Out of memory opening the recording.")
        }
        let opaque = Unmanaged.passUnretained(cursor).toOpaque()  // `self.cursor` holds it as long as the context
        guard
            let context = avio_alloc_context(
                buffer.assumingMemoryBound(to: UInt8.self),
                Int32(Self.bufferSize),
                0,
                opaque,
                byteSourceRead,
                nil,
                byteSourceSeek
            )
        else {
            av_free(buffer)
            throw TranscodeError(.internalFailure, "Out of memory opening the recording.")
        }
        self.context = context
    }

    /// The error the source threw, if a read failed.
    var failure: TranscodeError? { cursor.failure }

    deinit {
        av_freep(&context.pointee.buffer)
        var owned: UnsafeMutablePointer<AVIOContext>? = context
        avio_context_free(&owned)
    }
}

private func cursor(_ opaque: UnsafeMutableRawPointer?) -> ByteSourceIO.Cursor {
    Unmanaged<ByteSourceIO.Cursor>.fromOpaque(opaque!).takeUnretainedValue()
}

/// `read_packet`: at most `size` bytes at the cursor; `AVERROR_EOF` at the end (0 is not EOF for libavformat).
private func byteSourceRead(
    _ opaque: UnsafeMutableRawPointer?,
    _ buffer: UnsafeMutablePointer<UInt8>?,
    _ size: Int32
)
    -> Int32
{
    let cursor = cursor(opaque)
    guard let buffer, size > 0 else { return 0 }
    do {
        let count = try cursor.source.read(
            offset: cursor.position,
            into: UnsafeMutableRawBufferPointer(start: buffer, count: Int(size))
        )
        if count == 0 { return AVError.endOfFile }
        cursor.position += Int64(count)
        return Int32(count)
    } catch {
        if cursor.failure == nil { cursor.failure = error }
        return -EIO
    }
}

/// `seek`: `SEEK_SET`/`SEEK_CUR`/`SEEK_END`, or `AVSEEK_SIZE` for the size; `AVSEEK_FORCE` is a hint we ignore
/// (every seek is cheap here: it only moves the cursor).
private func byteSourceSeek(_ opaque: UnsafeMutableRawPointer?, _ offset: Int64, _ whence: Int32) -> Int64 {
    let cursor = cursor(opaque)
    let size = cursor.source.size
    let mode = whence & ~Int32(AVSEEK_FORCE)
    if mode & Int32(AVSEEK_SIZE) != 0 { return size }
    let target: Int64
    switch mode {
    case SEEK_SET: target = offset
    case SEEK_CUR: target = cursor.position + offset
    case SEEK_END: target = size + offset
    default: return Int64(-EINVAL)
    }
    guard target >= 0 else { return Int64(-EINVAL) }
    cursor.position = target
    return target
}
