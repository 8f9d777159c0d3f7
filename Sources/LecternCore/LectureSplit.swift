import Foundation

/// A split encode's progress on the lecture item (issue #15): the chunks the worker planned for one output
/// version, which of them are done, and whether the lecture's sound is. The API reads it to say how far a
/// lecture can be watched while it encodes; the worker writes it with conditional updates (see
/// "Split encoding" in docs/ARCHITECTURE.md). Nil on a lecture encoded as one job.
public struct LectureSplit: Codable, Sendable, Equatable {
    /// One video chunk: `[start, end)` seconds on the published timeline; the last chunk's `end` is the
    /// lecture's duration.
    public struct Chunk: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }
    }

    /// The output version the chunks are encoded for; a plan for another version is stale.
    public var outputVersion: String
    public var chunks: [Chunk]
    /// Indexes of the video chunks whose outputs are uploaded (a set: a chunk run twice counts once).
    public var done: Set<Int>
    /// Whether the one audio chunk (the whole lecture's sound) is uploaded; true for a silent lecture.
    public var audioDone: Bool

    public init(outputVersion: String, chunks: [Chunk], done: Set<Int> = [], audioDone: Bool = false) {
        self.outputVersion = outputVersion
        self.chunks = chunks
        self.done = done
        self.audioDone = audioDone
    }

    public var isComplete: Bool { audioDone && done.count == chunks.count }

    /// How many chunks from the start are done without a gap: what a player can watch in order.
    public var contiguousDone: Int {
        var count = 0
        while count < chunks.count, done.contains(count) { count += 1 }
        return count
    }

    /// Seconds from the start a student can watch now; nil while nothing is playable (the sound and the first
    /// chunk are both needed).
    public var playableThrough: Double? {
        guard audioDone, contiguousDone > 0 else { return nil }
        return chunks[contiguousDone - 1].end
    }
}

extension ObjectKeys {
    /// Where video chunk `index` of a split encode keeps what only the stitch reads (its init segments, its
    /// media playlists, its manifest and thumbnails); its media segments go straight to their published names
    /// under `renditionPrefix`, since segment numbers continue across chunks and never collide.
    public static func chunkPrefix(lectureID: String, version: String, index: Int) -> String {
        renditionPrefix(lectureID: lectureID, version: version) + "chunks/" + String(format: "%03d", index) + "/"
    }
    /// Where the split encode's one audio chunk keeps its stitch-only files.
    public static func audioChunkPrefix(lectureID: String, version: String) -> String {
        renditionPrefix(lectureID: lectureID, version: version) + "chunks/audio/"
    }
}
