import Foundation
import LecternTestSupport
import Testing

@testable import Transcoder

/// Keyframes where the content changes (issue #16, "Fewer bytes for still slides"): the rule itself on share
/// sequences, then whole transcodes of a generated still deck and of a moving picture.
@Suite(.serialized) struct KeyframePlacementTests {
    // MARK: The rule

    /// 1 s segments at 10 fps: a segment is 10 pictures, the longest GOP 40, the shortest 10.
    static func placement() -> KeyframePlacement { KeyframePlacement(segmentSeconds: 1, frameRate: 10) }

    static func keyframes(_ shares: [Double]) -> [Int] {
        var placement = placement()
        return shares.indices.filter { placement.isKeyframe(changedShare: shares[$0]) }
    }

    @Test func aStillPictureGetsAKeyframeOnlyAtTheLongestGOP() {
        #expect(Self.keyframes(Array(repeating: 0, count: 100)) == [0, 40, 80])
    }

    @Test func aMovingPictureKeepsTheCadence() {
        #expect(Self.keyframes(Array(repeating: 0.04, count: 35)) == [0, 10, 20, 30])
    }

    @Test func aSlideChangeAfterStillnessStartsAGOPButAFadeOnlyOnce() {
        // Still, a cut at 15, still, a fade over 25…34 (every picture changes), still.
        var shares = Array(repeating: 0.0, count: 60)
        shares[15] = 0.3
        for index in 25..<35 { shares[index] = 0.5 }
        // 15: the cut; 25: the fade's first picture; 35: one segment after it, the fade having moved the picture.
        #expect(Self.keyframes(shares) == [0, 15, 25, 35])
    }

    /// A change under the slide-change share (a few words) a segment or more after the last keyframe starts the GOP
    /// itself, rather than being coded as a P-frame with the keyframe on the picture after it.
    @Test func aSmallChangeAfterASegmentOfStillnessStartsTheGOPItself() {
        var shares = Array(repeating: 0.0, count: 30)
        shares[15] = 0.03
        #expect(Self.keyframes(shares) == [0, 15])
    }

    @Test func slideChangesCloserThanTheShortestGOPShareOne() {
        var shares = Array(repeating: 0.0, count: 30)
        shares[12] = 0.3
        shares[16] = 0.3
        // 16 is 4 pictures after 12's keyframe (under 10); the picture has moved, so the cadence cuts at 22.
        #expect(Self.keyframes(shares) == [0, 12, 22])
    }

    @Test func aSlideChangeWhileThePictureMovesWaitsForTheCadence() {
        // 2 s segments at 10 fps (a segment is 20 pictures, the shortest GOP 10): a camera window moving every
        // other picture, a slide change at 15 right after a picture without motion. The cadence keeps 20.
        var shares = (0..<40).map { $0 % 2 == 0 ? 0.0 : 0.02 }
        shares[15] = 0.3
        var placement = KeyframePlacement(segmentSeconds: 2, frameRate: 10)
        #expect(shares.indices.filter { placement.isKeyframe(changedShare: shares[$0]) } == [0, 20])
    }

    // MARK: Whole transcodes

    /// 640 × 360 at 30 fps, 20 s of white slides with DejaVu Sans text, changing at 7 s and 15 s; no motion.
    static let slideChanges = [7.0, 15.0]
    static let deckSeconds = 20.0

    static func makeStillDeck(in directory: TemporaryDirectory) async throws -> String {
        let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        let starts = [0.0] + slideChanges, titles = ["Limits", "Derivatives and rates", "Series"]
        var text: [String] = []
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1] : deckSeconds
            let enable = "enable='between(t,\(start),\(end - 0.001))'"
            text.append("drawtext=fontfile=\(font):text='\(titles[index])':fontsize=40:x=40:y=40:\(enable)")
            text.append(
                "drawtext=fontfile=\(font):text='Line \(index) of the body':fontsize=28:x=60:"
                    + "y=\(140 + index * 50):\(enable)"
            )
        }
        let path = directory.file("still-deck.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "color=c=white:s=640x360:r=30:d=\(deckSeconds)",
            "-vf", text.joined(separator: ","),
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", path,
        ])
        return path
    }

    /// Two rungs (the smaller scaled from the source or from the taller one), 2 s segments: the longest is 8 s.
    static var plan: TranscodePlan {
        var plan = TranscodePlan(heights: [360, 180])
        plan.segmentSeconds = 2
        plan.detectsSlides = false
        return plan
    }

    struct Rendition {
        var keyframes: [Double]
        var segments: [Double]
        var targetDuration: Int
    }

    static func renditions(_ manifest: TranscodeManifest, output: String) async throws -> [Rendition] {
        var result: [Rendition] = []
        for video in manifest.video {
            let text = try String(contentsOfFile: output + "/" + video.playlist, encoding: .utf8)
            let target = text.split(separator: "\n").first { $0.hasPrefix("#EXT-X-TARGETDURATION:") }
                .flatMap { Int($0.dropFirst("#EXT-X-TARGETDURATION:".count)) }
            let joined = try OutputChecks.joinedStream(playlist: video.playlist, in: output)
            defer { try? FileManager.default.removeItem(atPath: joined) }
            let keyframes = try await MediaTools.keyframeTimes(joined)
            let origin = keyframes.first ?? 0
            result.append(
                Rendition(
                    keyframes: keyframes.map { $0 - origin },
                    segments: MediaPlaylistSummary(text: text).segments.map(\.duration),
                    targetDuration: target ?? -1
                )
            )
        }
        return result
    }

    @Test func stillSlidesGetKeyframesAtTheirChangesAndEveryRungCutsThere() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Self.makeStillDeck(in: directory)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let renditions = try await Self.renditions(manifest, output: output)
        #expect(renditions.count == 2)
        for rendition in renditions {
            // Keyframes at the start and at each slide change (15 s is also the longest GOP after 7 s), none at
            // the fixed cadence (10 of them in 20 s).
            let expected = [0.0] + Self.slideChanges
            #expect(rendition.keyframes.count == expected.count, "\(rendition.keyframes)")
            for (found, wanted) in zip(rendition.keyframes, expected) { #expect(abs(found - wanted) < 0.02) }
            // A segment per keyframe, none longer than 4 segments, the target duration covering each.
            #expect(rendition.segments.count == rendition.keyframes.count, "\(rendition.segments)")
            #expect(rendition.segments.allSatisfy { $0 <= 8.0 + 0.02 }, "\(rendition.segments)")
            #expect(rendition.segments.allSatisfy { Int($0.rounded()) <= rendition.targetDuration })
        }
        // Every rung's keyframes and segments at the same times.
        #expect(renditions[0].keyframes == renditions[1].keyframes)
        #expect(renditions[0].segments == renditions[1].segments)

        // Off: the fixed cadence, one keyframe every 2 s.
        var fixed = Self.plan
        fixed.keyframesFollowContent = false
        let fixedDirectory = try TemporaryDirectory()
        let (fixedManifest, fixedOutput) = try await OutputChecks.transcode(source, in: fixedDirectory, plan: fixed)
        let cadence = try await Self.renditions(fixedManifest, output: fixedOutput)
        #expect(cadence.allSatisfy { $0.keyframes.count == 10 }, "\(cadence.map(\.keyframes))")
        print("still deck keyframes: \(renditions[0].keyframes.count) placed by content, 10 on the fixed cadence")
    }

    @Test func seekingIntoALongSegmentShowsTheRightSlide() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Self.makeStillDeck(in: directory)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let relative = try #require(manifest.video.first?.playlist)
        let summary = MediaPlaylistSummary(
            text: try String(contentsOfFile: output + "/" + relative, encoding: .utf8)
        )

        // A player seeking to 12 s takes the segment whose span holds it (ffmpeg 5.1's hls demuxer cannot read
        // fMP4 playlists, so this does what the player does): the one from 7 s, 8 s long.
        var start = 0.0
        let index = try #require(
            summary.segments.indices.first { index in
                defer { start += summary.segments[index].duration }
                return start + summary.segments[index].duration > 12
            }
        )
        start -= summary.segments[index].duration
        #expect(abs(start - 7) < 0.05, "\(summary.segments)")
        // That segment alone (with the init segment) decodes, and its picture 5 s in is the second slide.
        let segment = try OutputChecks.joinedStream(playlist: relative, in: output, segments: index...index)
        defer { try? FileManager.default.removeItem(atPath: segment) }
        #expect(try await MediaTools.decodeErrors(segment).isEmpty)

        func picture(_ path: String, frame: Int) async throws -> [UInt8] {
            let output = try await MediaTools.run(
                "ffmpeg",
                [
                    "-nostdin", "-v", "error", "-i", path,
                    // At the output rate first: a still stretch has fewer pictures (`StillPictureThinning`), and a
                    // player shows the last one until the next.
                    "-vf", "fps=30,select=eq(n\\,\(frame)),scale=64:36,format=gray", "-frames:v", "1", "-f", "rawvideo",
                    "-",
                ]
            )
            return [UInt8](output.stdout)
        }
        func difference(_ a: [UInt8], _ b: [UInt8]) -> Double {
            guard a.count == b.count, !a.isEmpty else { return .infinity }
            return Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
        }
        let seeked = try await picture(segment, frame: Int(((12 - start) * 30).rounded()))
        let second = try await picture(source, frame: 12 * 30), first = try await picture(source, frame: 3 * 30)
        #expect(difference(seeked, second) < 2, "\(difference(seeked, second))")
        #expect(difference(seeked, first) > 2 * difference(seeked, second) + 1, "\(difference(seeked, first))")
    }

    @Test func aMovingPictureKeepsTheFixedCadenceInEveryRung() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(in: directory, size: "640x360", seconds: 7)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        for rendition in try await Self.renditions(manifest, output: output) {
            #expect(rendition.keyframes.map { ($0 * 10).rounded() / 10 } == [0, 2, 4, 6])
            #expect(rendition.segments.count == 4)
        }
    }
}
