import LecternCore

/// How `S3RangedSource` reads an object: block size, read-ahead, the cache's bound and retries.
///
/// Memory is bounded by `cachedBlocks × blockSize` (8 × 4 MiB = 32 MiB by default) per open source: blocks being
/// fetched count toward the bound, and the least recently read block is dropped first.
public struct RangedReadSettings: Sendable, Equatable {
    /// Bytes per ranged GET. 4 MiB: a 1080p lecture at ~5 Mbit/s is ~6.5 s per block, so a 2-minute chunk costs
    /// ~20 GETs; smaller blocks multiply request cost ($0.0004 per 1000 GETs) and per-request latency.
    public var blockSize: Int
    /// Blocks fetched ahead of the one being read, while the demuxer consumes it.
    public var readAhead: Int
    /// Blocks kept (LRU), including those in flight. At least `readAhead + 2`: the block being read, its
    /// read-ahead, and one more so a seek back into the index (moov at the end) finds it still here.
    public var cachedBlocks: Int
    /// Attempts per block for transient failures (503 SlowDown, a reset connection), with `retryDelay` doubling.
    public var attempts: Int
    public var retryDelay: Duration

    public init(
        blockSize: Int = 4 << 20,
        readAhead: Int = 2,
        cachedBlocks: Int = 8,
        attempts: Int = 5,
        retryDelay: Duration = .milliseconds(200)
    ) {
        self.blockSize = max(4096, blockSize)
        self.readAhead = max(0, readAhead)
        self.cachedBlocks = max(cachedBlocks, self.readAhead + 2)
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
    }

    /// The most memory one source holds in blocks.
    public var memoryBound: Int { cachedBlocks * blockSize }

    /// The worker's variables (docs/operations.md, "Split encoding"): each unset one keeps its default. Ranges
    /// keep a part's memory between 128 KiB and 1 GiB (`memoryBound`); `init` raises the cache to the read-ahead's
    /// needs.
    static func read(
        _ reader: EnvironmentReader,
        into settings: inout RangedReadSettings
    ) throws(EnvironmentReader.Problem) {
        if let value = try reader.integer("LECTERN_RANGED_BLOCK_KIB", in: 64...65_536) {
            settings.blockSize = value << 10
        }
        if let value = try reader.integer("LECTERN_RANGED_READ_AHEAD", in: 0...8) { settings.readAhead = value }
        if let value = try reader.integer("LECTERN_RANGED_CACHED_BLOCKS", in: 2...64) { settings.cachedBlocks = value }
        if let value = try reader.integer("LECTERN_RANGED_ATTEMPTS", in: 1...10) { settings.attempts = value }
        settings = RangedReadSettings(
            blockSize: settings.blockSize,
            readAhead: settings.readAhead,
            cachedBlocks: settings.cachedBlocks,
            attempts: settings.attempts,
            retryDelay: settings.retryDelay
        )
    }
}
