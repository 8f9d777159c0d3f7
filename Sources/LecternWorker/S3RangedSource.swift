import AWS
import Foundation
import Transcoder

/// An S3 object read in ranged GETs, for the demuxer (`MediaByteSource`): a chunk job reads only its time range
/// of a long source (plus the container's index), never the whole object.
///
/// Blocks of `settings.blockSize` are fetched by Tasks and kept in a small LRU (`settings.memoryBound`); reading
/// block n starts fetching blocks n+1…n+readAhead so the demuxer rarely waits. `read` blocks its calling thread
/// on a condition while a GET runs: libavformat calls it on the transcoder's own stage threads (or the thread
/// that opens the input), never on a cooperative thread.
public final class S3RangedSource: MediaByteSource, @unchecked Sendable {
    /// A GET of an inclusive byte range; `S3RangedSource.open` makes one over `S3Client.getObject`.
    typealias Fetch = @Sendable (ClosedRange<Int64>) async throws -> Data

    private enum Block {
        case loading
        case ready(Data)
        case failed(TranscodeError)
    }

    public let size: Int64
    let settings: RangedReadSettings
    private let fetch: Fetch
    private let describe: String

    // Guarded by `condition` (the reason for `@unchecked Sendable`).
    private let condition = NSCondition()
    private var blocks: [Int64: Block] = [:]
    private var recency: [Int64] = []  // least recently read first; at most `cachedBlocks` long
    private var fetchedBytes: Int64 = 0
    private var requests = 0

    /// Opens `s3://bucket/key`: one HEAD for the size (a missing object fails here, before any demuxing).
    public static func open(
        s3: S3Client,
        bucket: String,
        key: String,
        settings: RangedReadSettings = RangedReadSettings()
    ) async throws(TranscodeError) -> S3RangedSource {
        let info: S3ObjectInfo
        do {
            info = try await s3.headObject(bucket: bucket, key: key)
        } catch {
            throw storageError(error, key: key)
        }
        let limit = settings.blockSize
        return S3RangedSource(size: info.objectSize, settings: settings, describe: key) { range in
            try await s3.getObject(bucket: bucket, key: key, range: range, limit: limit).body
        }
    }

    init(size: Int64, settings: RangedReadSettings, describe: String = "the recording", fetch: @escaping Fetch) {
        self.size = size
        self.settings = settings
        self.describe = describe
        self.fetch = fetch
    }

    /// Bytes received by GETs so far (for tests and metrics).
    /// An object whose size is known already (a published segment, sized by its chunk's manifest): no HEAD.
    public static func known(
        s3: S3Client,
        bucket: String,
        key: String,
        size: Int64,
        settings: RangedReadSettings = RangedReadSettings()
    ) -> S3RangedSource {
        let limit = settings.blockSize
        return S3RangedSource(size: size, settings: settings, describe: key) { range in
            try await s3.getObject(bucket: bucket, key: key, range: range, limit: limit).body
        }
    }

    public var bytesFetched: Int64 { condition.withLock { fetchedBytes } }
    /// Ranged GETs that succeeded so far.
    public var getRequests: Int { condition.withLock { requests } }
    /// Blocks held now (ready or in flight); never more than `settings.cachedBlocks`.
    var blocksHeld: Int { condition.withLock { blocks.count } }

    /// Blocks until no GET is in flight, so `bytesFetched` counts every block started so far: a test measuring
    /// one phase (open, then a range) calls it between phases, or the read-ahead the first phase started lands in
    /// the second's count (CI saw that under load).
    func waitUntilSettled() {
        condition.lock()
        defer { condition.unlock() }
        while blocks.keys.contains(where: { !isSettled($0) }) { condition.wait() }
    }

    public func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int {
        guard offset >= 0, offset < size, buffer.count > 0 else { return 0 }
        let blockSize = Int64(settings.blockSize)
        let index = offset / blockSize
        condition.lock()
        defer { condition.unlock() }
        // The block being read and its read-ahead are never the ones evicted to make room: read-ahead blocks are
        // least recently *read* (not yet read at all), and evicting them would throw away the GETs just made.
        let window = index...index + Int64(settings.readAhead)
        startIfAbsent(index, keeping: window)
        for next in window.dropFirst() where next * blockSize < size { startIfAbsent(next, keeping: window) }
        while true {
            switch blocks[index] {
            case .loading?:
                condition.wait()
            case .ready(let data)?:
                touch(index)
                let within = Int(offset - index * blockSize)
                let count = min(buffer.count, data.count - within)
                guard count > 0 else { return 0 }
                data.withUnsafeBytes { bytes in
                    buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + within, byteCount: count)
                }
                return count
            case .failed(let error)?:
                forget(index)  // a later read may try again
                throw error
            case nil:
                // Evicted while we waited (only under a cache too small for two readers).
                startIfAbsent(index, keeping: window)
            }
        }
    }

    /// Forgets every block (those in flight are dropped when they land): the reader moved on to another source.
    public func release() {
        condition.withLock {
            blocks.removeAll()
            recency.removeAll()
        }
    }

    /// Starts fetching `index` unless it is held; makes room first (never evicting `window`, the block being read
    /// and its read-ahead), so at most `cachedBlocks` are ever held.
    /// Called with the lock held.
    private func startIfAbsent(_ index: Int64, keeping window: ClosedRange<Int64>) {
        if blocks[index] != nil { return }
        while blocks.count >= settings.cachedBlocks,
            let victim = recency.first(where: { isSettled($0) && !window.contains($0) })
        {
            forget(victim)
        }
        if blocks.count >= settings.cachedBlocks { return }  // every block is in flight: read-ahead waits its turn
        blocks[index] = .loading
        recency.append(index)
        let start = index * Int64(settings.blockSize)
        let range = start...min(size, start + Int64(settings.blockSize)) - 1
        Task.detached { [self] in
            complete(index, with: await fetchWithRetries(range))
        }
    }

    /// Files a finished GET and wakes the readers waiting for it.
    private func complete(_ index: Int64, with result: Result<Data, TranscodeError>) {
        condition.lock()
        defer { condition.unlock() }
        switch result {
        case .success(let data):
            fetchedBytes += Int64(data.count)
            requests += 1
            // Released while in flight (`release`): nobody waits for it, and keeping it would hold it for good.
            if blocks[index] != nil { blocks[index] = .ready(data) }
        case .failure(let error):
            if blocks[index] != nil { blocks[index] = .failed(error) }
        }
        condition.broadcast()
    }

    private func isSettled(_ index: Int64) -> Bool {
        if case .loading? = blocks[index] { return false }
        return true
    }

    private func touch(_ index: Int64) {
        if let position = recency.firstIndex(of: index) { recency.remove(at: position) }
        recency.append(index)
    }

    private func forget(_ index: Int64) {
        blocks[index] = nil
        if let position = recency.firstIndex(of: index) { recency.remove(at: position) }
    }

    private func fetchWithRetries(_ range: ClosedRange<Int64>) async -> Result<Data, TranscodeError> {
        let expected = Int(range.upperBound - range.lowerBound + 1)
        var attempt = 0
        while true {
            do {
                let data = try await fetch(range)
                // A short body (a connection cut mid-response) is as transient as a reset.
                guard data.count == expected else {
                    throw HTTPTransportError(
                        kind: .connectionBroken,
                        message: "short body: \(data.count) of \(expected) bytes",
                        url: describe
                    )
                }
                return .success(data)
            } catch {
                attempt += 1
                guard attempt < settings.attempts, Self.isTransient(error) else {
                    return .failure(Self.storageError(error, key: describe))
                }
                // Doubling from `retryDelay`, with full jitter so parallel chunk workers do not retry in step.
                let ceiling = settings.retryDelay * (1 << min(attempt - 1, 10))
                try? await Task.sleep(for: ceiling * Double.random(in: 0.5..<1))
            }
        }
    }

    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? AWSError { return error.isRetryable && !error.isNotFound }
        return RetryPolicy.isRetryable(error)
    }

    /// The error a job reports: what went wrong in words a professor can act on, the storage detail after.
    static func storageError(_ error: any Error, key: String) -> TranscodeError {
        if let error = error as? TranscodeError { return error }
        if let error = error as? AWSError {
            if error.isNotFound || error.status == 404 {
                return TranscodeError(
                    .inputUnavailable,
                    "The uploaded recording is no longer in storage (\(key) was not found). Please upload it again."
                )
            }
            if error.status == 403 {
                return TranscodeError(
                    .inputUnavailable,
                    """
                    The uploaded recording could not be read: storage refused access (\(error.code)). \
                    This is our fault, not yours; we have been told.
                    """
                )
            }
        }
        return TranscodeError(
            .inputUnavailable,
            """
            The uploaded recording could not be read from storage after several attempts \
            (\(error)). It will be tried again.
            """
        )
    }
}
