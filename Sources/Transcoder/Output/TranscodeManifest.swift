import Crypto
import Foundation

/// `manifest.json`: everything the API and the player need to know about the published outputs.
public struct TranscodeManifest: Sendable, Equatable, Codable {
    public struct VideoRendition: Sendable, Equatable, Codable {
        public var name: String
        public var width: Int
        public var height: Int
        public var codecs: String
        public var frameRate: Double
        public var bandwidth: Int
        public var averageBandwidth: Int
        public var maxBitRate: Int
        public var playlist: String
        public var segmentCount: Int
        public var duration: Double
    }

    public struct AudioRendition: Sendable, Equatable, Codable {
        public var codecs: String
        public var channels: Int
        public var sampleRate: Int
        public var bitRate: Int
        public var bandwidth: Int
        public var averageBandwidth: Int
        public var playlist: String
        public var segmentCount: Int
        public var duration: Double
        /// Measured loudness and what normalisation did (nil when it was off).
        public var loudness: AudioLoudness? = nil
    }

    public struct Progressive: Sendable, Equatable, Codable {
        public var path: String
        public var width: Int
        public var height: Int
        public var hasAudio: Bool
    }

    public struct Storyboard: Sendable, Equatable, Codable {
        public var image: String
        public var cues: String
        public var interval: Double
        public var thumbnailWidth: Int
        public var thumbnailHeight: Int
        public var columns: Int
        public var count: Int
    }

    /// A source stream left out of the outputs, and why (for example audio we cannot decode beside good video).
    public struct DroppedStream: Sendable, Equatable, Codable {
        public var kind: StreamInfo.Kind
        public var codec: String
        public var reason: String
    }

    /// Something the transcoder changed so the lecture sounds and looks as meant (loudness evened out, a one-sided
    /// microphone centred, HDR tone-mapped, a rotation applied), in words a professor can read. `kind` is a stable
    /// token for programs (`loudness`, `channels`, `silence`, `hdr`, `colour`, `range`, `rotation`, …).
    public struct Correction: Sendable, Equatable, Codable {
        public var kind: String
        public var summary: String

        public init(kind: String, summary: String) {
            self.kind = kind
            self.summary = summary
        }
    }

    public struct File: Sendable, Equatable, Codable {
        public var path: String
        public var bytes: Int
        public var sha256: String
    }

    public var version = 1
    public var duration: Double
    public var source: MediaInfo
    public var masterPlaylist: String
    public var video: [VideoRendition]
    public var audio: AudioRendition?
    public var progressive: Progressive?
    public var poster: String?
    public var storyboard: Storyboard?
    /// Source streams that were not published (nil when every audio/video stream made it).
    public var droppedStreams: [DroppedStream]?
    /// What was corrected, in the order the stages report it (nil when nothing was).
    public var corrections: [Correction]? = nil
    /// Slides and chapters (issue #16); nil for audio-only lectures and when detection is off.
    public var slides: Slides? = nil
    /// Every published file except manifest.json itself, relative to the output directory, sorted.
    public var files: [File]
    /// A split encode's video chunk: where it starts and the number of its first segment; nil for a whole encode
    /// and for the stitched lecture. The stitch checks the chunks join at these without a gap or an overlap.
    public var chunk: ChunkPosition? = nil

    public struct ChunkPosition: Sendable, Equatable, Codable {
        /// Seconds on the lecture's timeline (`TimeRange.start`).
        public var start: Int
        /// `TranscodePlan.chunkFirstSegmentNumber`.
        public var firstSegmentNumber: Int
    }

    public static let fileName = "manifest.json"

    func write(to directory: String) throws(TranscodeError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/" + Self.fileName))
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the manifest: \(error.localizedDescription)")
        }
    }
}

enum FileDigest {
    /// SHA-256 of a file, read in 1 MiB chunks so large outputs never sit in memory.
    static func sha256(path: String) throws -> (hex: String, bytes: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TranscodeError(.outputFailure, "Could not read back \((path as NSString).lastPathComponent).")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            total += chunk.count
        }
        return (hasher.finalize().map { String(format: "%02x", $0) }.joined(), total)
    }

    /// Every regular file under `directory` (relative paths, sorted), hashed.
    static func inventory(
        of directory: String,
        excluding excluded: Set<String>
    ) throws(TranscodeError) -> [TranscodeManifest.File] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [TranscodeManifest.File] = []
        for case let relative as String in enumerator where !excluded.contains(relative) {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            do {
                let digest = try sha256(path: path)
                files.append(.init(path: relative, bytes: digest.bytes, sha256: digest.hex))
            } catch let error as TranscodeError {
                throw error
            } catch {
                throw TranscodeError(.outputFailure, "Could not read back \(relative): \(error.localizedDescription)")
            }
        }
        return files.sorted { $0.path < $1.path }
    }
}
