import AWS
import Foundation
import Testing
import Transcoder

@testable import LecternWorker

/// `S3RangedSource`'s blocks without S3: an in-memory object behind the fetch, counting and failing GETs.
@Suite struct RangedBlockCacheTests {
    /// The object's bytes and the GETs made for them; fails the first `failures` GETs with `failure`.
    final class Origin: @unchecked Sendable {
        let data: Data
        private let lock = NSLock()
        private var ranges: [ClosedRange<Int64>] = []
        private var attempts = 0
        private var failures: Int
        private let failure: any Error
        init(size: Int, failures: Int = 0, failure: any Error = Origin.slowDown) {
            data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
            self.failures = failures
            self.failure = failure
        }
        static let slowDown = AWSError(
            code: "SlowDown",
            message: "Please reduce your request rate.",
            status: 503,
            service: "s3"
        )
        var gets: [ClosedRange<Int64>] { lock.withLock { ranges } }
        var attemptCount: Int { lock.withLock { attempts } }
        func fetch(_ range: ClosedRange<Int64>) throws -> Data {
            try lock.withLock {
                attempts += 1
                if failures > 0 {
                    failures -= 1
                    throw failure
                }
                ranges.append(range)
            }
            return data.subdata(in: Int(range.lowerBound)..<Int(range.upperBound) + 1)
        }
        func source(_ settings: RangedReadSettings) -> S3RangedSource {
            S3RangedSource(size: Int64(data.count), settings: settings) { range in try self.fetch(range) }
        }
    }

    static let block = 64 << 10

    /// Reads `count` bytes at `offset` the way libavformat does: repeated short reads.
    static func read(_ source: S3RangedSource, at offset: Int, count: Int) throws -> Data {
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 50_000)  // not a multiple of the block: reads straddle blocks
        while result.count < count {
            let want = min(buffer.count, count - result.count)
            let got = try buffer.withUnsafeMutableBytes { bytes in
                try source.read(
                    offset: Int64(offset + result.count),
                    into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<want])
                )
            }
            if got == 0 { break }
            result.append(contentsOf: buffer[0..<got])
        }
        return result
    }

    @Test func sequentialReadReturnsTheObjectFetchingEachBlockOnce() async throws {
        let origin = Origin(size: 16 * Self.block + 1234)
        let source = origin.source(RangedReadSettings(blockSize: Self.block, readAhead: 2, cachedBlocks: 4))
        let (bytes, maxHeld) = try await BlockingThread.run { () throws -> (Data, Int) in
            var all = Data()
            var held = 0
            while true {
                let part = try Self.read(source, at: all.count, count: 20_000)
                held = max(held, source.blocksHeld)
                if part.isEmpty { break }
                all.append(part)
            }
            return (all, held)
        }
        #expect(bytes == origin.data)
        #expect(maxHeld <= 4)
        let starts = origin.gets.map(\.lowerBound)
        #expect(starts.count == 17 && Set(starts).count == 17, "each of the 17 blocks fetched exactly once")
        #expect(origin.gets.last == Int64(16 * Self.block)...Int64(origin.data.count - 1), "the last block is short")
        #expect(source.bytesFetched == Int64(origin.data.count))
    }

    /// The stitch remuxes the MP4 download from hundreds of segments, each its own source: read through as one,
    /// only the part being read may hold blocks, or the whole download rung ends up in memory.
    @Test func aConcatenationOfSourcesHoldsOnlyThePartBeingRead() async throws {
        let origins = (0..<6).map { Origin(size: 3 * Self.block + 100 * $0) }
        let settings = RangedReadSettings(blockSize: Self.block, readAhead: 2, cachedBlocks: 4)
        let sources = origins.map { $0.source(settings) }
        let whole = ConcatenatedByteSource(sources)
        let bytes = try await BlockingThread.run { () throws -> Data in
            var all = Data()
            var buffer = [UInt8](repeating: 0, count: 50_000)
            while true {
                let got = try buffer.withUnsafeMutableBytes { try whole.read(offset: Int64(all.count), into: $0) }
                if got == 0 { break }
                all.append(contentsOf: buffer[0..<got])
            }
            sources.forEach { $0.waitUntilSettled() }
            return all
        }
        #expect(bytes == origins.reduce(Data()) { $0 + $1.data })
        #expect(sources.dropLast().map(\.blocksHeld) == [0, 0, 0, 0, 0], "\(sources.map(\.blocksHeld))")
        #expect(sources.last?.blocksHeld ?? 0 <= settings.cachedBlocks)
        // A read back into a released part fetches it again.
        let again = try await BlockingThread.run { try Self.read(sources[0], at: 10, count: 100) }
        #expect(again == origins[0].data.subdata(in: 10..<110))
    }

    @Test func readAheadFetchesTheNextBlocksWithoutBeingAsked() async throws {
        let origin = Origin(size: 10 * Self.block)
        let source = origin.source(RangedReadSettings(blockSize: Self.block, readAhead: 2, cachedBlocks: 6))
        _ = try await BlockingThread.run {
            let bytes = try Self.read(source, at: 0, count: 100)
            source.waitUntilSettled()
            return bytes
        }
        #expect(Set(origin.gets.map(\.lowerBound)) == [0, Int64(Self.block), Int64(2 * Self.block)])
    }

    /// A seek back into a block still cached (the moov at the end, read again after the start) costs no GET;
    /// one evicted by newer reads is fetched again, and memory stays within `cachedBlocks`.
    @Test func leastRecentlyReadBlockIsEvictedFirst() async throws {
        let origin = Origin(size: 20 * Self.block)
        let source = origin.source(RangedReadSettings(blockSize: Self.block, readAhead: 0, cachedBlocks: 3))
        let held = try await BlockingThread.run { () throws -> Int in
            var held = 0
            for index in [19, 0, 19, 1, 2, 19, 0] {
                _ = try Self.read(source, at: index * Self.block, count: 10)
                held = max(held, source.blocksHeld)
            }
            return held
        }
        #expect(held == 3)
        // 19, 0 fetched; 19 cached; 1 fills the cache; 2 evicts 0 (19 was read after it); 19 cached; 0 again.
        #expect(origin.gets.map { Int($0.lowerBound) / Self.block } == [19, 0, 1, 2, 0])
    }

    @Test func transientFailuresAreRetried() async throws {
        let origin = Origin(size: 4 * Self.block, failures: 3)
        let source = origin.source(
            RangedReadSettings(blockSize: Self.block, readAhead: 0, attempts: 5, retryDelay: .milliseconds(1))
        )
        let bytes = try await BlockingThread.run { try Self.read(source, at: 0, count: 4 * Self.block) }
        #expect(bytes == origin.data)
        #expect(origin.attemptCount == 4 + 3)
    }

    @Test func permanentFailureIsNotRetriedAndSaysWhat() async throws {
        let denied = AWSError(code: "AccessDenied", message: "Access Denied", status: 403, service: "s3")
        let origin = Origin(size: 4 * Self.block, failures: 100, failure: denied)
        let source = origin.source(
            RangedReadSettings(blockSize: Self.block, readAhead: 0, retryDelay: .milliseconds(1))
        )
        let error = await #expect(throws: TranscodeError.self) {
            try await BlockingThread.run { try Self.read(source, at: 0, count: 10) }
        }
        #expect(error?.kind == .inputUnavailable)
        #expect(error?.reason.contains("refused access") == true)
        #expect(origin.attemptCount == 1)
    }

    @Test func storageStormBeyondTheAttemptsFailsAndALaterReadTriesAgain() async throws {
        let origin = Origin(size: 2 * Self.block, failures: 3)
        let source = origin.source(
            RangedReadSettings(blockSize: Self.block, readAhead: 0, attempts: 2, retryDelay: .milliseconds(1))
        )
        await #expect(throws: TranscodeError.self) {
            try await BlockingThread.run { try Self.read(source, at: 0, count: 10) }
        }
        let bytes = try await BlockingThread.run { try Self.read(source, at: 0, count: 10) }
        #expect(bytes == origin.data.prefix(10))
    }
}
