import Foundation
import LecternCore

/// A lecture watched while it encodes (issue #15): the split encode's progress as the API reads it. The worker
/// writes `LectureRecord.split` (see "Split encoding" in docs/ARCHITECTURE.md); a lecture is *playable* while it
/// is processing, the split is for the job now running, and the sound and chunk 0 are done.
extension LectureRecord {
    /// The split to serve growing playlists from; nil unless the lecture is playable while it encodes. A split
    /// left from an earlier attempt (another output version) is stale: its chunks are not the running job's.
    var growingSplit: LectureSplit? {
        guard state == .processing, let split, split.outputVersion == jobVersion, split.playableThrough != nil else {
            return nil
        }
        return split
    }

    /// The running job's split (playable or not yet), for the progress a professor sees ("7 of 20 parts").
    var currentSplit: LectureSplit? {
        guard state == .processing, let split, split.outputVersion == jobVersion else { return nil }
        return split
    }
}

extension LectureSplit {
    /// The share of the lecture's seconds whose video is encoded (every done chunk, gaps or not), 0…1.
    var encodedFraction: Double {
        guard let total = chunks.last?.end, total > 0 else { return 0 }
        let done = done.filter(chunks.indices.contains).reduce(0.0) { $0 + chunks[$1].end - chunks[$1].start }
        return min(1, max(0, done / total))
    }
}

extension LectureView {
    /// How far a lecture that is still encoding can be watched (present only while it can).
    public struct Playable: Codable, Sendable, Equatable {
        /// Seconds from the start that are encoded without a gap, sound included: the player can seek up to here.
        public var playableThrough: Double
        /// The share of the lecture's seconds encoded so far (0…1), gaps included.
        public var encodedFraction: Double
        public var partsDone: Int
        public var partsTotal: Int

        init(_ split: LectureSplit, playableThrough: Double) {
            self.playableThrough = playableThrough
            encodedFraction = split.encodedFraction
            partsDone = split.done.filter(split.chunks.indices.contains).count
            partsTotal = split.chunks.count
        }
    }
}
