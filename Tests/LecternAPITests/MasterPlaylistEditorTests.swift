import Testing

@testable import LecternAPI

@Suite struct MasterPlaylistEditorTests {
    func master(_ heights: [Int]) -> String {
        var lines = [
            "#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS",
            #"""
            #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",LANGUAGE="und",DEFAULT=YES,\#
            AUTOSELECT=YES,CHANNELS="2",URI="a.m3u8"
            """#,
        ]
        for height in heights {
            lines += [
                "#EXT-X-STREAM-INF:BANDWIDTH=\(height * 1000),RESOLUTION=\(height * 16 / 9)x\(height),AUDIO=\"audio\"",
                "v\(height).m3u8",
            ]
        }
        lines += [#"#EXT-X-STREAM-INF:BANDWIDTH=130000,CODECS="mp4a.40.2""#, "a.m3u8"]
        return lines.joined(separator: "\n") + "\n"
    }

    func variantURIs(_ text: String) -> [String] {
        let lines = text.split(separator: "\n").map(String.init)
        return lines.indices.filter { lines[$0].hasPrefix("#EXT-X-STREAM-INF:") }.map { lines[$0 + 1] }
    }

    @Test(arguments: [
        ([360, 480, 720, 1080], "v720.m3u8"),
        ([1080, 720, 480, 360], "v720.m3u8"),
        ([1080, 540, 360], "v540.m3u8"),
        ([1080, 1440], "v1080.m3u8"),
        ([240, 144], "v240.m3u8"),
    ])
    func playersStartAt720pOrTheTallestBelow(ladder: [Int], first: String) {
        let edited = MasterPlaylistEditor.edit(master(ladder), subtitles: [])
        let uris = variantURIs(edited)
        #expect(uris.first == first)
        // The whole ladder remains, in its order after the first.
        #expect(uris.sorted() == (ladder.map { "v\($0).m3u8" } + ["a.m3u8"]).sorted())
        #expect(!edited.contains("SUBTITLES"))
    }

    @Test func subtitleRenditionsAndGroupsWithUserTextNeutralised() {
        let edited = MasterPlaylistEditor.edit(
            master([720, 360]),
            subtitles: [
                .init(name: "Français", language: "fr", isDefault: false, uri: "captions/cap_a.m3u8?grant=g"),
                .init(
                    name: "Evil\",URI=\"http://x\"\n#EXT-X-ENDLIST",
                    language: "en",
                    isDefault: true,
                    uri: "captions/cap_b.m3u8?grant=g"
                ),
            ]
        )
        let lines = edited.split(separator: "\n").map(String.init)
        let media = lines.filter { $0.hasPrefix("#EXT-X-MEDIA:TYPE=SUBTITLES") }
        #expect(
            media == [
                #"""
                #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Français",LANGUAGE="fr",DEFAULT=NO,\#
                AUTOSELECT=NO,FORCED=NO,URI="captions/cap_a.m3u8?grant=g"
                """#,
                #"""
                #EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Evil”,URI=”http://x” #EXT-X-ENDLIST",\#
                LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="captions/cap_b.m3u8?grant=g"
                """#,
            ]
        )
        #expect(!lines.contains("#EXT-X-ENDLIST"))
        #expect(lines.filter { $0.hasPrefix("#EXT-X-STREAM-INF:") }.allSatisfy { $0.hasSuffix(#",SUBTITLES="subs""#) })
        // Renditions come before the variants that name their group.
        #expect(
            lines.firstIndex { $0.hasPrefix("#EXT-X-MEDIA:TYPE=SUBTITLES") }! < lines.firstIndex {
                $0.hasPrefix("#EXT-X-STREAM-INF")
            }!
        )
    }
}
