import Foundation
import Testing

@testable import LecternAPI

/// The pieces growing playlists are made of (issue #15): a chunk's playlist read for its segments, and the cache of
/// done chunks' files.
@Suite struct ChunkPlaylistTests {
    @Test func aChunkPlaylistKeepsItsSegmentsAndDropsWhatTheGrowingPlaylistWritesItself() {
        let playlist = ChunkPlaylist(
            """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:6
            #EXT-X-MEDIA-SEQUENCE:10
            #EXT-X-PLAYLIST-TYPE:VOD
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MAP:URI="init.mp4"
            #EXTINF:6.000000,
            segment_00010.m4s
            #EXT-X-DISCONTINUITY
            #EXTINF:4.500000,
            segment_00011.m4s
            #EXT-X-ENDLIST

            """
        )
        #expect(playlist.targetDuration == 6)
        #expect(playlist.mediaSequence == 10)
        #expect(playlist.map == "init.mp4")
        #expect(playlist.segments.map(\.uri) == ["segment_00010.m4s", "segment_00011.m4s"])
        #expect(playlist.segments.map(\.duration) == [6, 4.5])
        // A tag before a segment stays with it; the end and the header do not come along.
        #expect(playlist.segments[1].tags == ["#EXT-X-DISCONTINUITY", "#EXTINF:4.500000,"])
        #expect(!playlist.segments.flatMap(\.tags).contains { $0.hasPrefix("#EXT-X-ENDLIST") })
    }

    @Test func theCacheForgetsItsOldestEntryPastItsBound() async {
        let files = DoneChunkFiles(capacity: 2)
        await files.remember("a", for: "k1")
        await files.remember("b", for: "k2")
        await files.remember("b again", for: "k2")
        await files.remember("c", for: "k3")
        #expect(await files.count == 2)
        #expect(await files.text("k1") == nil)
        #expect(await files.text("k2") == "b again")
        #expect(await files.text("k3") == "c")
    }
}
