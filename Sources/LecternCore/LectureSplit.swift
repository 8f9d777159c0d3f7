import Foundation

/// A split encode's plan and progress on the lecture item (issue #15): the chunks the worker planned for one output
/// version, and per part (each video chunk, and the one audio part: the whole lecture's sound) whether it is done,
/// who holds it and how often it was tried. The worker writes it with conditional updates on the part's own entry
/// (`LectureStore+Split.swift`); the API reads it to say how far a lecture can be watched while it encodes. Nil on
/// a lecture encoded as one job.
///
/// One entry per part inside the lecture's item, not one item per part: a part's claim, heartbeat and completion
/// each change the part *and* the lecture (its lease, its state's guard) in one conditional write, which across
/// items would need a transaction; and the last completion sees every part in the same item it wrote (see
/// `LectureStore.completePart`). K is capped (`SplitSettings.maxChunks`), so the item stays far below 400 KB.
public struct LectureSplit: Codable, Sendable, Equatable {
    /// Who works on a part until when; the same discipline as the lecture's own lease.
    public struct Lease: Codable, Sendable, Equatable {
        public var workerId: String
        public var expiresAt: Date
        public init(workerId: String, expiresAt: Date) {
            self.workerId = workerId
            self.expiresAt = expiresAt
        }
    }

    /// One video chunk: `[start, end)` seconds on the published timeline; the last chunk's `end` is the
    /// lecture's duration.
    public struct Chunk: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var done: Bool
        public var lease: Lease?
        /// Claims of this part so far (each a delivery that started encoding it).
        public var attempts: Int

        public init(start: Double, end: Double, done: Bool = false, lease: Lease? = nil, attempts: Int = 0) {
            self.start = start
            self.end = end
            self.done = done
            self.lease = lease
            self.attempts = attempts
        }

        /// Tolerant: a field a newer or older worker did not write reads as its default (not done, no lease, no
        /// attempt), so one record never fails a lecture listing with a decoding error.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            start = try container.decode(Double.self, forKey: .start)
            end = try container.decode(Double.self, forKey: .end)
            done = try container.decodeIfPresent(Bool.self, forKey: .done) ?? false
            lease = try container.decodeIfPresent(Lease.self, forKey: .lease)
            attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
        }
    }

    /// The one audio part.
    public struct AudioPart: Codable, Sendable, Equatable {
        public var done: Bool
        public var lease: Lease?
        public var attempts: Int

        public init(done: Bool = false, lease: Lease? = nil, attempts: Int = 0) {
            self.done = done
            self.lease = lease
            self.attempts = attempts
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            done = try container.decodeIfPresent(Bool.self, forKey: .done) ?? false
            lease = try container.decodeIfPresent(Lease.self, forKey: .lease)
            attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
        }
    }

    /// The output version the chunks are encoded for; a plan for another version is stale.
    public var outputVersion: String
    public var chunks: [Chunk]
    public var audio: AudioPart
    /// The whole encode's timestamp offset (`SplitProbe.SplitLayout`), which every part's plan carries; kept here
    /// so a resumed plan sends its parts again without probing the source.
    public var timestampOffset: Double
    /// The longest a segment of this encode can be, in whole seconds (with keyframes placed by content, 4 segment
    /// lengths): the growing playlists declare it as their target duration from the first part on, which RFC 8216
    /// §6.2.1 does not let change while a playlist grows. Nil from a worker that did not write it: the parts' own.
    public var targetDuration: Int?
    /// Whether the parts place keyframes by the content (and leave out still pictures), decided once by the planner:
    /// every part of a lecture must agree, because a part's segment numbers and the stitch's checks depend on it.
    /// Nil: a plan from a worker before this field, whose parts all kept the fixed cadence, as they still do.
    public var keyframesFollowContent: Bool?

    public init(
        outputVersion: String,
        chunks: [Chunk],
        audio: AudioPart = AudioPart(),
        timestampOffset: Double = 0,
        targetDuration: Int? = nil,
        keyframesFollowContent: Bool? = nil
    ) {
        self.outputVersion = outputVersion
        self.chunks = chunks
        self.audio = audio
        self.timestampOffset = timestampOffset
        self.targetDuration = targetDuration
        self.keyframesFollowContent = keyframesFollowContent
    }

    private enum CodingKeys: String, CodingKey {
        case outputVersion, chunks, audio, timestampOffset, targetDuration, keyframesFollowContent
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        outputVersion = try container.decode(String.self, forKey: .outputVersion)
        chunks = try container.decode([Chunk].self, forKey: .chunks)
        audio = try container.decodeIfPresent(AudioPart.self, forKey: .audio) ?? AudioPart()
        timestampOffset = try container.decodeIfPresent(Double.self, forKey: .timestampOffset) ?? 0
        targetDuration = try container.decodeIfPresent(Int.self, forKey: .targetDuration)
        keyframesFollowContent = try container.decodeIfPresent(Bool.self, forKey: .keyframesFollowContent)
    }

    /// A plan with the chunks in `done` (and the audio, if `audioDone`) marked done.
    public init(outputVersion: String, chunks: [Chunk], done: Set<Int>, audioDone: Bool) {
        self.timestampOffset = 0
        self.outputVersion = outputVersion
        self.chunks = chunks.enumerated().map { index, chunk in
            var chunk = chunk
            chunk.done = done.contains(index)
            return chunk
        }
        self.audio = AudioPart(done: audioDone)
    }

    /// Indexes of the video chunks whose outputs are uploaded.
    public var done: Set<Int> { Set(chunks.indices.filter { chunks[$0].done }) }
    /// Whether the audio part is uploaded; true for a silent lecture (planned done).
    public var audioDone: Bool { audio.done }

    public var isComplete: Bool { audioDone && chunks.allSatisfy(\.done) }

    /// How many chunks from the start are done without a gap: what a player can watch in order.
    public var contiguousDone: Int {
        var count = 0
        while count < chunks.count, chunks[count].done { count += 1 }
        return count
    }

    /// Seconds from the start a student can watch now; nil while nothing is playable (the sound and the first
    /// chunk are both needed).
    public var playableThrough: Double? {
        guard audioDone, contiguousDone > 0 else { return nil }
        return chunks[contiguousDone - 1].end
    }

    /// Parts not yet done, audio first (it gates playback as much as chunk 0 does), then chunks in timeline order.
    public var undoneParts: [SplitPart] {
        (audioDone ? [] : [.audio]) + chunks.indices.filter { !chunks[$0].done }.map { .video($0) }
    }

    /// The message fields for `part`: its window (the last chunk runs to the source's end) and the offset.
    public func jobPart(_ part: SplitPart) -> JobPart {
        switch part {
        case .audio:
            return JobPart(
                part: .audio,
                start: nil,
                end: nil,
                timestampOffset: timestampOffset,
                chunkCount: chunks.count,
                keyframesFollowContent: keyframesFollowContent
            )
        case .video(let index):
            return JobPart(
                part: part,
                start: chunks[index].start,
                end: index == chunks.count - 1 ? nil : chunks[index].end,
                timestampOffset: timestampOffset,
                chunkCount: chunks.count,
                keyframesFollowContent: keyframesFollowContent
            )
        }
    }
}

/// One part of a split encode: video chunk `index`, or the lecture's sound.
public enum SplitPart: Sendable, Hashable, Codable, CustomStringConvertible {
    case video(Int)
    case audio

    public var description: String {
        switch self {
        case .video(let index): "part \(index + 1)"
        case .audio: "the sound"
        }
    }
}

extension ObjectKeys {
    /// Where video chunk `index` of a split encode keeps what only the stitch reads (its init segments, its
    /// media playlists, its manifest and thumbnails); its media segments go straight to their published names
    /// under `renditionPrefix`, since segment numbers continue across chunks and never collide.
    public static func chunkPrefix(lectureID: String, version: String, index: Int) -> String {
        partsPrefix(lectureID: lectureID, version: version) + String(format: "%03d", index) + "/"
    }
    /// Where the split encode's one audio chunk keeps its stitch-only files.
    public static func audioChunkPrefix(lectureID: String, version: String) -> String {
        partsPrefix(lectureID: lectureID, version: version) + "audio/"
    }
    /// Every part's stitch-only files: removed once the stitched lecture is published.
    public static func partsPrefix(lectureID: String, version: String) -> String {
        renditionPrefix(lectureID: lectureID, version: version) + "chunks/"
    }
}
