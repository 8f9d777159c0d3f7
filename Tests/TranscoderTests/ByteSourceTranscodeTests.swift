import Foundation
import Testing

@testable import Transcoder

/// `Transcoder.transcode(source:)`: a whole transcode (or a split encode's chunk) reading its recording through a
/// `MediaByteSource`, as a chunk job reads an S3 object in ranges.
@Suite struct ByteSourceTranscodeTests {
    /// A file's bytes served the way `S3RangedSource` serves them: each read blocks its caller while a Swift
    /// concurrency task (the "GET") completes it after `delay`. Counts the reads made inside a Swift task, and fails
    /// every read that touches `failing`.
    final class SlowSource: MediaByteSource, @unchecked Sendable {
        let data: Data
        let delay: Duration
        let failing: Range<Int64>?
        private let lock = NSLock()
        private var reads = 0
        private var readsInATask = 0
        init(path: String, delay: Duration = .milliseconds(1), failing: Range<Int64>? = nil) throws {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
            self.delay = delay
            self.failing = failing
        }
        var size: Int64 { Int64(data.count) }
        /// How many reads there were, and how many of them ran inside a Swift task (on the cooperative pool).
        var counts: (reads: Int, inATask: Int) { lock.withLock { (reads, readsInATask) } }
        func read(offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws(TranscodeError) -> Int {
            // Inside a Swift task means on a cooperative-pool thread (thread names cannot tell: on Linux a Foundation
            // `Thread` keeps the OS name of the thread that started it).
            let inTask = withUnsafeCurrentTask { $0 != nil }
            lock.withLock {
                reads += 1
                if inTask { readsInATask += 1 }
            }
            // Block until a task on the cooperative pool has run: were this thread one of the pool's, and the pool
            // exhausted, this would never return.
            let done = DispatchSemaphore(value: 0)
            let delay = self.delay
            Task {
                try? await Task.sleep(for: delay)
                done.signal()
            }
            done.wait()
            if let failing, offset < failing.upperBound, offset + Int64(buffer.count) > failing.lowerBound {
                throw TranscodeError(.inputUnavailable, "The recording could not be read from storage (test).")
            }
            guard offset < size else { return 0 }
            let count = min(buffer.count, data.count - Int(offset))
            data.withUnsafeBytes { bytes in
                buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + Int(offset), byteCount: count)
            }
            return count
        }
    }

    /// Every published file's hash, the manifest itself left out (it is assembled from them).
    static func hashes(_ manifest: TranscodeManifest) -> [String: String] {
        var hashes: [String: String] = [:]
        for file in manifest.files { hashes[file.path] = file.sha256 }
        return hashes
    }

    /// The same outputs, byte for byte, as the path; and every read happened on the transcode's own threads (opening
    /// and demuxing), never on a cooperative-pool thread.
    @Test func transcodeThroughSlowSourceWritesThePathsOutputs() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Fixtures.lecture(in: directory, seconds: 4)
        let plan = OutputChecks.smallLadder
        let viaPath = try await Transcoder().transcode(input: path, outputDirectory: directory.file("path"), plan: plan)
        let source = try SlowSource(path: path)
        let viaSource = try await Transcoder().transcode(
            source: source,
            outputDirectory: directory.file("source"),
            plan: plan
        )
        #expect(!viaPath.files.isEmpty)
        #expect(Self.hashes(viaSource) == Self.hashes(viaPath))
        #expect(source.counts.reads > 0)
        #expect(source.counts.inATask == 0)
    }

    /// A split encode's chunk through a source (the seek for its range reads the index through it) is the chunk
    /// encoded from the path.
    @Test func chunkThroughSourceWritesThePathsChunk() async throws {
        let directory = try TemporaryDirectory()
        let path = try await SplitEncodeTests.countedLecture(in: directory, seconds: 8)
        let layout = try SplitEncodeTests.layout(path, chunkSeconds: 4)
        let plan = layout.videoPlan(1, base: SplitEncodeTests.plan)
        #expect(plan.range?.start == 4)
        let viaPath = try await Transcoder().transcode(input: path, outputDirectory: directory.file("path"), plan: plan)
        let source = try SlowSource(path: path)
        let viaSource = try await Transcoder().transcode(
            source: source,
            outputDirectory: directory.file("source"),
            plan: plan
        )
        #expect(!viaPath.files.isEmpty)
        #expect(Self.hashes(viaSource) == Self.hashes(viaPath))
        #expect(source.counts.reads > 0)
        #expect(source.counts.inATask == 0)
    }

    /// Storage that fails mid-stream fails the transcode with the source's error (not a lecture cut short at the
    /// failure) and leaves no outputs behind.
    @Test func sourceFailingMidStreamFailsAndRemovesTheOutputs() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Fixtures.lecture(in: directory, seconds: 6)
        let size = Int64(try Data(contentsOf: URL(fileURLWithPath: path)).count)
        // The moov is at the end (the fixture is not faststart), so opening succeeds and the demuxer meets the hole.
        let source = try SlowSource(path: path, delay: .zero, failing: (size / 2)..<(size / 2 + 1))
        let output = directory.file("out")
        let error = await #expect(throws: TranscodeError.self) {
            try await Transcoder().transcode(source: source, outputDirectory: output, plan: OutputChecks.smallLadder)
        }
        #expect(error?.kind == .inputUnavailable)
        #expect(error?.reason.contains("could not be read from storage") == true)
        #expect(!FileManager.default.fileExists(atPath: output + "/video"))
        #expect(!FileManager.default.fileExists(atPath: output + "/" + TranscodeManifest.fileName))
        #expect(!FileManager.default.fileExists(atPath: output + "/" + Transcoder.Paths.progressive))
    }

    /// Cancelling a transcode that is waiting on its source stops it and removes the outputs.
    @Test func cancellationStopsATranscodeReadingASource() async throws {
        let directory = try TemporaryDirectory()
        let path = try await Fixtures.lecture(in: directory, seconds: 20)
        let source = try SlowSource(path: path, delay: .milliseconds(5))
        let output = directory.file("out")
        let started = ProgressLog()
        let task = Task {
            try await Transcoder().transcode(source: source, outputDirectory: output, plan: OutputChecks.smallLadder) {
                started.append($0)
            }
        }
        let deadline = Date().addingTimeInterval(120)
        while started.values.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!started.values.isEmpty)
        task.cancel()
        let result = await task.result
        if case .failure(let error as TranscodeError) = result {
            #expect(error.kind == .cancelled)
        } else {
            Issue.record("the transcode should have been cancelled, got \(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: output + "/video"))
        #expect(!FileManager.default.fileExists(atPath: output + "/" + TranscodeManifest.fileName))
    }
}
