import LecternCore
import Testing

@testable import LecternWorker

/// Where a part's files go (the chunk contract the API's growing playlists and the stitch read; see "Split
/// encoding" in docs/ARCHITECTURE.md): held here against `ObjectKeys`, the names the API reads.
@Suite struct PartOutputsTests {
    let published = ObjectKeys.renditionPrefix(lectureID: "lec_a", version: "v1")

    @Test func aVideoPartPublishesItsSegmentsAndKeepsTheRestUnderItsOwnPrefix() {
        let outputs = PartOutputs(lectureID: "lec_a", version: "v1", part: .video(2))
        let own = ObjectKeys.chunkPrefix(lectureID: "lec_a", version: "v1", index: 2)
        #expect(outputs.key(for: "video/720p/segment_00031.m4s") == published + "video/720p/segment_00031.m4s")
        #expect(outputs.key(for: "video/720p/init.mp4") == own + "video/720p/init.mp4")
        #expect(outputs.key(for: "video/720p/playlist.m3u8") == own + "video/720p/playlist.m3u8")
        #expect(outputs.key(for: "poster.jpg") == own + "poster.jpg")
        #expect(outputs.key(for: "storyboard.jpg") == own + "storyboard.jpg")
        #expect(outputs.key(for: "master.m3u8") == own + "master.m3u8")
        #expect(outputs.manifestKey == own + "manifest.json")
    }

    @Test func theSoundIsPublishedWholeAndOnlyItsManifestStaysAside() {
        let outputs = PartOutputs(lectureID: "lec_a", version: "v1", part: .audio)
        #expect(outputs.key(for: "audio/init.mp4") == published + "audio/init.mp4")
        #expect(outputs.key(for: "audio/playlist.m3u8") == published + "audio/playlist.m3u8")
        #expect(outputs.key(for: "audio/segment_00004.m4s") == published + "audio/segment_00004.m4s")
        #expect(outputs.key(for: "master.m3u8") == nil)
        #expect(outputs.manifestKey == ObjectKeys.audioChunkPrefix(lectureID: "lec_a", version: "v1") + "manifest.json")
    }
}
