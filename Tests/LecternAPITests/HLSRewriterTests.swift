import Testing

@testable import LecternAPI

@Suite("HLS rewriting rules") struct HLSRewriterTests {
    @Test func renditionIDsRoundTripAndRefuseEscapes() {
        #expect(HLSRewriter.renditionID(forPlaylist: "video/720p/playlist.m3u8") == "video~720p~playlist")
        #expect(HLSRewriter.playlistPath(forRendition: "video~720p~playlist") == "video/720p/playlist.m3u8")
        #expect(HLSRewriter.playlistPath(forRendition: "..~..~uploads~x~source") == nil)
        #expect(HLSRewriter.playlistPath(forRendition: "video~~x") == nil)
        #expect(HLSRewriter.renditionID(forPlaylist: "/etc/passwd.m3u8") == nil)
    }

    @Test func relativeLinksResolveInsideThePrefixOnly() {
        #expect(HLSRewriter.resolve("segment_00001.m4s", inDirectory: "video/720p") == "video/720p/segment_00001.m4s")
        #expect(HLSRewriter.resolve("../poster.jpg", inDirectory: "video/720p") == "video/poster.jpg")
        #expect(HLSRewriter.resolve("../../../x", inDirectory: "video/720p") == nil)
        #expect(HLSRewriter.resolve("init.mp4?v=1", inDirectory: "audio") == "audio/init.mp4")
    }

    @Test func everyURIIsTransformedAndTagsKeepTheirOtherAttributes() async throws {
        let playlist = """
            #EXTM3U
            #EXT-X-MAP:URI="init.mp4",BYTERANGE="100@0"
            #EXTINF:6.0,
            segment_00000.m4s
            #EXT-X-KEY:METHOD=NONE
            #EXTINF:4.0,
            https://cdn.example.edu/absolute.m4s
            #EXT-X-ENDLIST
            """
        let rewritten = try await HLSRewriter.rewrite(playlist) { uri in
            HLSRewriter.isAbsolute(uri) ? nil : "S3(\(uri))"
        }
        #expect(
            rewritten == """
                #EXTM3U
                #EXT-X-MAP:URI="S3(init.mp4)",BYTERANGE="100@0"
                #EXTINF:6.0,
                S3(segment_00000.m4s)
                #EXT-X-KEY:METHOD=NONE
                #EXTINF:4.0,
                https://cdn.example.edu/absolute.m4s
                #EXT-X-ENDLIST

                """
        )
    }
}
