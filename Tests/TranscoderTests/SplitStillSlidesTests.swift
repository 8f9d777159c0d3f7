import Foundation
import Testing

@testable import Transcoder

/// A split encode of still slides keeps issue #16's savings (keyframes at slide changes, still pictures left out):
/// every lecture of 10 minutes or more is split, so before this a long lecture of slides got the fixed cadence and
/// every picture. The deck is `KeyframePlacementTests`' (20 s, slides changing at 7 s and 15 s, nothing moving),
/// cut into chunks at 6 s and 12 s.
@Suite(.serialized) struct SplitStillSlidesTests {
    static let plan = KeyframePlacementTests.plan

    /// The deck's split layout (parts of 6 s) and its video chunks encoded with `plan`.
    static func encodeChunks(
        _ source: String,
        plan: TranscodePlan,
        in directory: TemporaryDirectory,
        name: String
    ) async throws -> (layout: SplitProbe.SplitLayout, chunks: [String]) {
        guard case .splittable(let layout) = try SplitProbe.examine(input: source, plan: plan, chunkSeconds: 6) else {
            throw MediaTools.Failure(description: "the deck should be splittable")
        }
        let encoded = try await SplitEncodeTests.encodeChunks(
            source,
            layout: layout,
            in: directory,
            plan: plan,
            name: name
        )
        return (layout, encoded.video)
    }

    @Test func aSplitStillDeckIsCutAtItsSlidesAndLeavesOutStillPicturesLikeAWholeEncode() async throws {
        let directory = try TemporaryDirectory()
        let source = try await KeyframePlacementTests.makeStillDeck(in: directory)
        var plan = Self.plan
        plan.progressiveMaxHeight = 180
        let (wholeManifest, whole) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        let (layout, chunks) = try await Self.encodeChunks(source, plan: plan, in: directory, name: "chunk")
        #expect(layout.chunks == [.init(start: 0, end: 6), .init(start: 6, end: 12), .init(start: 12, end: nil)])
        let stitchedDirectory = directory.file("stitched")
        let stitched = try ChunkStitcher(videoChunks: chunks, audioChunk: nil, outputDirectory: stitchedDirectory)
            .stitch()

        // Keyframes at the slide changes as in the whole encode, plus one where each chunk starts.
        let renditions = try await KeyframePlacementTests.renditions(stitched, output: stitchedDirectory)
        let expected = [0.0, 6, 7, 12, 15]
        for rendition in renditions {
            #expect(rendition.keyframes.count == expected.count, "\(rendition.keyframes)")
            for (found, wanted) in zip(rendition.keyframes, expected) { #expect(abs(found - wanted) < 0.02) }
            #expect(rendition.segments.count == expected.count, "\(rendition.segments)")
            #expect(rendition.segments.allSatisfy { Int($0.rounded()) <= rendition.targetDuration })
        }
        // Each chunk's segments are numbered from its start second, so the list has gaps in its numbers only.
        let playlist = try String(
            contentsOfFile: stitchedDirectory + "/" + stitched.video[0].playlist,
            encoding: .utf8
        )
        let numbers = MediaPlaylistSummary(text: playlist).segments.compactMap {
            ChunkStitcher.segmentNumber($0.uri)
        }
        #expect(numbers == [0, 6, 7, 12, 13], "\(numbers)")

        // Still pictures left out in every chunk, at the whole encode's times: the same pictures but for the ones
        // each chunk's first three and its heartbeat keep; every chunk edge is a picture; no gap over 1 s.
        let times = try await StillPictureThinningTests.pictureTimes(stitched.video[0], output: stitchedDirectory)
        let wholeTimes = try await StillPictureThinningTests.pictureTimes(wholeManifest.video[0], output: whole)
        #expect(times.count < 60, "\(times.count) pictures")
        #expect(abs(times.count - wholeTimes.count) <= 6, "\(times.count) split, \(wholeTimes.count) whole")
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 > 0 && $1 - $0 <= 1.0 + 0.001 }, "\(times)")
        #expect(times.allSatisfy { abs($0 * 30 - ($0 * 30).rounded()) < 0.01 }, "off the 30 fps grid: \(times)")
        for edge in expected { #expect(times.contains { abs($0 - edge) < 0.001 }, "no picture at \(edge) s") }
        #expect(try await StillPictureThinningTests.pictureTimes(stitched.video[1], output: stitchedDirectory) == times)

        // As long as the whole encode, in the playlists and in the MP4 download remuxed from the segments.
        for (rendition, reference) in zip(stitched.video, wholeManifest.video) {
            #expect(abs(rendition.duration - reference.duration) < 0.001, "\(rendition.duration)")
        }
        let download = try await StillPictureThinningTests.videoDuration(
            stitchedDirectory + "/" + Transcoder.Paths.progressive
        )
        let wholeDownload = try await StillPictureThinningTests.videoDuration(
            whole + "/" + Transcoder.Paths.progressive
        )
        #expect(abs(download - wholeDownload) < 0.001, "\(download) against \(wholeDownload)")

        // Bytes: close to the whole encode's (two more IDRs), far below the fixed cadence's split.
        var fixed = plan
        fixed.keyframesFollowContent = false
        let (_, fixedChunks) = try await Self.encodeChunks(source, plan: fixed, in: directory, name: "fixed")
        let fixedDirectory = directory.file("fixed-stitched")
        _ = try ChunkStitcher(videoChunks: fixedChunks, audioChunk: nil, outputDirectory: fixedDirectory).stitch()
        let bytes = StillPictureThinningTests.bytes(under: stitchedDirectory + "/video")
        let wholeBytes = StillPictureThinningTests.bytes(under: whole + "/video")
        let fixedBytes = StillPictureThinningTests.bytes(under: fixedDirectory + "/video")
        print("still deck split in 3: \(bytes) bytes, whole \(wholeBytes), split on the fixed cadence \(fixedBytes)")
        #expect(bytes < fixedBytes * 3 / 4, "\(bytes) against \(fixedBytes) on the fixed cadence")
        #expect(bytes < wholeBytes * 3 / 2, "\(bytes) against \(wholeBytes) whole")
    }

    /// The chunks' manifests say where each starts, so the stitch sees a missing chunk even though the numbers
    /// leave gaps anyway.
    @Test func aMissingChunkIsRefusedByItsTime() async throws {
        let directory = try TemporaryDirectory()
        let source = try await KeyframePlacementTests.makeStillDeck(in: directory)
        let (_, chunks) = try await Self.encodeChunks(source, plan: Self.plan, in: directory, name: "chunk")
        #expect(chunks.count == 3)
        let stitcher = ChunkStitcher(
            videoChunks: [chunks[0], chunks[2]],
            audioChunk: nil,
            outputDirectory: directory.file("s")
        )
        let error = try #require(throws: TranscodeError.self) { try stitcher.stitch() }
        #expect(error.kind == .chunkMismatch)
        #expect(error.reason.contains("start at 12 s, but the chunks before it end at 6.000 s"), "\(error.reason)")
    }
}
