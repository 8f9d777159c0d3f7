import Foundation

/// Several byte sources read as one, in order: a rung's init segment followed by its media segments (a split
/// encode's chunks, wherever they are stored) is one fragmented MP4 that libavformat demuxes as a whole, so the MP4
/// download can be remuxed from it (`ProgressiveRemux`) without ever holding more than a read's worth in memory:
/// the part the reader leaves is told to `release` what it cached (an `S3RangedSource` keeps its blocks until then,
/// so the stitch of a 3-hour lecture held its whole download rung in memory by the end).
public final class ConcatenatedByteSource: MediaByteSource, @unchecked Sendable {
    public let size: Int64
    private let parts: [any MediaByteSource]
    /// Where each part starts in the whole.
    private let starts: [Int64]
    // Guarded by `lock` (the reason for `@unchecked Sendable`): the part the last read was in.
    private let lock = NSLock()
    private var reading = 0

    public init(_ parts: [any MediaByteSource]) {
        self.parts = parts
        var starts: [Int64] = []
        var total: Int64 = 0
        for part in parts {
            starts.append(total)
            total += part.size
        }
        self.starts = starts
        size = total
    }

    public func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int {
        guard offset >= 0, offset < size, buffer.count > 0 else { return 0 }
        // The last part starting at or before `offset` (empty parts are skipped by the search's `<=`).
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        var index = low
        while index < parts.count - 1, offset - starts[index] >= parts[index].size { index += 1 }
        let left = lock.withLock { () -> Int? in
            defer { reading = index }
            return reading == index ? nil : reading
        }
        if let left { parts[left].release() }
        // One part per call: a short read is allowed, and libavformat asks again for the rest.
        return try parts[index].read(offset: offset - starts[index], into: buffer)
    }
}

/// A local file as a byte source (the stitcher's chunks on disk).
public final class FileByteSource: MediaByteSource, @unchecked Sendable {
    public let size: Int64
    private let handle: FileHandle
    private let path: String
    // FileHandle's offset is shared state; reads take the lock.
    private let lock = NSLock()

    public init(path: String) throws(TranscodeError) {
        guard let handle = FileHandle(forReadingAtPath: path),
            let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64
        else {
            throw TranscodeError(.inputUnavailable, "Could not read \((path as NSString).lastPathComponent).")
        }
        self.handle = handle
        self.size = size
        self.path = path
    }

    public func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int {
        guard offset < size else { return 0 }
        lock.lock()
        defer { lock.unlock() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            guard let data = try handle.read(upToCount: buffer.count), !data.isEmpty else { return 0 }
            data.copyBytes(to: buffer)
            return data.count
        } catch {
            throw TranscodeError(.inputUnavailable, "Could not read \((path as NSString).lastPathComponent).")
        }
    }

    deinit { try? handle.close() }
}
