import Foundation
import LecternTestSupport
import Testing

@testable import Transcoder

/// Still stretches with fewer pictures (issue #16, "Fewer bytes for still slides"): the rule on its own, then whole
/// transcodes: a still deck, a picture that changes in one pixel or by a small pointer, and a moving picture.
@Suite(.serialized) struct StillPictureThinningTests {
    // MARK: The rule

    /// Which of `count` pictures are kept, all equal to the previous one except `changed`, keyframes at `keyframes`.
    static func kept(count: Int, changed: Set<Int> = [], keyframes: Set<Int> = [], heartbeat: Int = 10) -> [Int] {
        var thinning = StillPictureThinning(heartbeatSeconds: 1, frameRate: Double(heartbeat))
        return (0..<count).filter {
            thinning.keeps(sameAsPrevious: $0 > 0 && !changed.contains($0), isKeyframe: keyframes.contains($0))
        }
    }

    @Test func aStillPictureKeepsTheLeadingPicturesAndAHeartbeat() {
        #expect(Self.kept(count: 35) == [0, 1, 2, 12, 22, 32])
    }

    @Test func aChangedPictureOrAKeyframeIsAlwaysKeptAndRestartsTheHeartbeat() {
        #expect(Self.kept(count: 30, changed: [5], keyframes: [9]) == [0, 1, 2, 5, 9, 19, 29])
    }

    @Test func aMovingPictureKeepsEveryPicture() {
        #expect(Self.kept(count: 25, changed: Set(0..<25)) == Array(0..<25))
    }

    // MARK: Whole transcodes

    /// Presentation times of a rendition's pictures, from its first.
    static func pictureTimes(_ rendition: TranscodeManifest.VideoRendition, output: String) async throws -> [Double] {
        let joined = try OutputChecks.joinedStream(playlist: rendition.playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let times = try await MediaTools.frameTimes(joined)
        return times.map { $0 - (times.first ?? 0) }
    }

    static func bytes(under directory: String) -> Int {
        let files = FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []
        return files.compactMap {
            (try? FileManager.default.attributesOfItem(atPath: directory + "/" + $0))?[.size] as? Int
        }.reduce(0, +)
    }

    /// The video stream's duration in a file (the MP4 download).
    static func videoDuration(_ path: String) async throws -> Double {
        let video = try await MediaTools.streams(path).first { $0["codec_type"] as? String == "video" }
        return Double(video?["duration"] as? String ?? "") ?? -1
    }

    @Test func aStillDeckHasFewerPicturesAtTheSameTimesInEveryRungAndLastsAsLong() async throws {
        let directory = try TemporaryDirectory()
        let source = try await KeyframePlacementTests.makeStillDeck(in: directory)
        var plan = KeyframePlacementTests.plan
        plan.progressiveMaxHeight = 180
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        var constant = plan
        constant.dropsRepeatedPictures = false
        let constantDirectory = try TemporaryDirectory()
        let (constantManifest, constantOutput) = try await OutputChecks.transcode(
            source,
            in: constantDirectory,
            plan: constant
        )
        #expect(manifest.video.count == 2)

        let times = try await Self.pictureTimes(manifest.video[0], output: output)
        let constantTimes = try await Self.pictureTimes(constantManifest.video[0], output: constantOutput)
        // 20 s at 30 fps is 600 pictures; still but for two slide changes, about one a second is left.
        #expect(constantTimes.count == 600)
        #expect(times.count < 60, "\(times.count) pictures")
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 <= 1.0 + 0.001 }, "\(times)")
        // Every kept picture is one of the constant-rate encode's, and the slide changes are among them.
        let grid = Set(constantTimes.map { ($0 * 30).rounded() })
        #expect(times.allSatisfy { grid.contains(($0 * 30).rounded()) })
        for change in KeyframePlacementTests.slideChanges {
            #expect(times.contains { abs($0 - change) < 0.001 }, "no picture at \(change) s")
        }
        // Every rung has the same pictures.
        #expect(try await Self.pictureTimes(manifest.video[1], output: output) == times)
        // As long as before, in the playlists and in the MP4 download.
        for (rendition, constantRendition) in zip(manifest.video, constantManifest.video) {
            #expect(abs(rendition.duration - constantRendition.duration) < 0.001)
        }
        let download = try await Self.videoDuration(output + "/" + Transcoder.Paths.progressive)
        let constantDownload = try await Self.videoDuration(constantOutput + "/" + Transcoder.Paths.progressive)
        #expect(abs(download - constantDownload) < 0.001, "\(download) against \(constantDownload)")
        // And fewer bytes.
        let bytes = Self.bytes(under: output + "/video"), constantBytes = Self.bytes(under: constantOutput + "/video")
        #expect(bytes < constantBytes * 3 / 4, "\(bytes) against \(constantBytes)")
    }

    /// A source without loss, still but for one pixel that changes at 2.5 s and a 4 × 4 pointer that moves every
    /// third of a second from 4 s: every picture that shows a change is kept.
    @Test func aOnePixelChangeAndASmallPointerAreNeverLeftOut() async throws {
        let directory = try TemporaryDirectory()
        let source = directory.file("pointer.mkv")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "color=c=white:s=640x360:r=30:d=6", "-f", "lavfi", "-i", "color=c=red:s=4x4:r=30:d=6",
            "-filter_complex",
            "[0:v]drawbox=x=100:y=100:w=1:h=1:color=black:t=fill:enable='gte(t,2.5)'[still];"
                + "[still][1:v]overlay=x='200+4*floor(3*t)':y=200:enable='gte(t,4)'",
            "-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-pix_fmt", "yuv420p", source,
        ])
        var plan = KeyframePlacementTests.plan
        plan.ladder = [Rung.standard(height: 360)]
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        let times = try await Self.pictureTimes(try #require(manifest.video.first), output: output)
        let changes = [2.5] + (12..<18).map { Double($0) / 3 }
        for change in changes {
            #expect(times.contains { abs($0 - change) < 0.001 }, "no picture at \(change) s: \(times)")
        }
        #expect(times.filter { $0 > 0.5 && $0 < 2.4 }.count <= 2, "\(times)")
    }

    @Test func aMovingPictureKeepsEveryPictureInEveryRung() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(in: directory, size: "640x360", seconds: 3)
        let (manifest, output) = try await OutputChecks.transcode(
            source,
            in: directory,
            plan: KeyframePlacementTests.plan
        )
        for rendition in manifest.video {
            let times = try await Self.pictureTimes(rendition, output: output)
            #expect(times.count == 90, "\(rendition.name): \(times.count) pictures")
        }
    }
}
