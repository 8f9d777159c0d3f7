import Testing

@testable import Captions

@Suite struct CaptionSegmenterTests {
    let document = CaptionDocument(cues: [
        CaptionCue(startMilliseconds: 500, endMilliseconds: 1500, text: "first"),
        CaptionCue(startMilliseconds: 3500, endMilliseconds: 4500, text: "across"),
        CaptionCue(startMilliseconds: 7000, endMilliseconds: 13_000, text: "long"),
        CaptionCue(startMilliseconds: 4000, endMilliseconds: 4000 + 1, text: "boundary start"),
    ])

    @Test func oneSegmentPerVideoSegmentWithCuesRepeatedAcrossBoundaries() {
        let segmenter = CaptionSegmenter(segmentDurations: [4, 4, 4, 2.5], mpegtsAtZero: 6006)
        let segments = segmenter.segments(of: document)
        #expect(segments.count == 4)
        for segment in segments {
            #expect(segment.hasPrefix("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:6006,LOCAL:00:00:00.000\n\n"))
        }
        #expect(segments[0].contains("first") && segments[0].contains("across") && !segments[0].contains("long"))
        #expect(
            segments[1].contains("across") && segments[1].contains("long") && segments[1].contains("boundary start")
        )
        #expect(segments[2].contains("long") && !segments[2].contains("across"))
        #expect(segments[3].contains("long"))
        // Times stay absolute: the map, not the cue, carries the segment's place.
        #expect(segments[1].contains("00:00:03.500 --> 00:00:04.500\nacross"))
        #expect(!segments[0].contains("boundary start"))
    }

    @Test func playlistMatchesTheVideoSegments() {
        let segmenter = CaptionSegmenter(segmentDurations: [4.004, 4.004, 1.5], mpegtsAtZero: 0)
        #expect(
            segmenter.playlist() == """
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:5
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-PLAYLIST-TYPE:VOD
                #EXTINF:4.004000,
                segment_00000.vtt
                #EXTINF:4.004000,
                segment_00001.vtt
                #EXTINF:1.500000,
                segment_00002.vtt
                #EXT-X-ENDLIST

                """
        )
    }

    @Test func cueAfterTheLastBoundaryGoesToTheLastSegment() {
        let segments = CaptionSegmenter(segmentDurations: [2, 2], mpegtsAtZero: 0)
            .segments(
                of: CaptionDocument(cues: [CaptionCue(startMilliseconds: 4100, endMilliseconds: 4300, text: "tail")])
            )
        #expect(segments[1].contains("tail") && !segments[0].contains("tail"))
    }
}
