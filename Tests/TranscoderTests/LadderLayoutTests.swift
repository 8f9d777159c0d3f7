import Testing

@testable import Transcoder

@Suite struct LadderLayoutTests {
    let standard = TranscodePlan.standardLadder

    @Test func fullHDSourceGetsEveryRung() {
        let rungs = LadderLayout.renditions(displayWidth: 1920, displayHeight: 1080, ladder: standard)
        #expect(rungs.map(\.height) == [1080, 720, 480, 360])
        #expect(rungs.map(\.width) == [1920, 1280, 854, 640])
    }

    @Test func neverUpscalesAndAddsTopRungAtSourceHeight() {
        // 900p sits between 1080 and 720: a 900 rung on top, nothing taller.
        let rungs = LadderLayout.renditions(displayWidth: 1600, displayHeight: 900, ladder: standard)
        #expect(rungs.map(\.height) == [900, 720, 480, 360])
        #expect(rungs[0].width == 1600)
        #expect(rungs[0].rung.maxBitRate <= Rung.standard(height: 1080).maxBitRate)
    }

    @Test func tinySourceGetsOneRungAtItsOwnHeight() {
        let rungs = LadderLayout.renditions(displayWidth: 320, displayHeight: 240, ladder: standard)
        #expect(rungs.map(\.height) == [240])
        #expect(rungs[0].width == 320)
    }

    @Test func oddSizesRoundToEvenAndKeepAspect() {
        let rungs = LadderLayout.renditions(displayWidth: 641, displayHeight: 361, ladder: standard)
        #expect(rungs.map(\.height) == [360])
        #expect(rungs[0].width == 640)
        for rung in LadderLayout.renditions(displayWidth: 1000, displayHeight: 750, ladder: standard) {
            #expect(rung.width % 2 == 0 && rung.height % 2 == 0)
            #expect(abs(Double(rung.width) / Double(rung.height) - 4.0 / 3.0) < 0.02)
        }
    }

    @Test func tallerThanLadderKeepsLadderOnly() {
        let rungs = LadderLayout.renditions(displayWidth: 3840, displayHeight: 2160, ladder: standard)
        #expect(rungs.map(\.height) == [1080, 720, 480, 360])
    }

    @Test func portraitSourceUsesDisplayHeight() {
        let rungs = LadderLayout.renditions(displayWidth: 1080, displayHeight: 1920, ladder: standard)
        #expect(rungs.first?.height == 1080)
        #expect(rungs.first?.width == 608)
    }

    @Test func encoderThreadsFollowPixelShare() {
        let pixels = [1920 * 1080, 1280 * 720, 854 * 480, 640 * 360]
        #expect(EncoderThreads.perRung(pixels, requested: 0, cores: 2) == [1, 1, 1, 1])
        #expect(EncoderThreads.perRung(pixels, requested: 0, cores: 8) == [4, 2, 1, 1])
        #expect(EncoderThreads.perRung(pixels, requested: 3, cores: 2) == [3, 3, 3, 3])
        #expect(EncoderThreads.perRung(pixels, requested: 0, cores: 1) == [1, 1, 1, 1])
    }

    @Test func standardCapsMatchTheIssue() {
        #expect(standard.map(\.maxBitRate) == [5_000_000, 2_800_000, 1_400_000, 800_000])
    }

    @Test func avc1CodecStringFromAnnexBAndAvcC() {
        let annexB: [UInt8] = [0, 0, 0, 1, 0x67, 0x64, 0x00, 0x1f, 0xac, 0, 0, 0, 1, 0x68, 0xeb]
        #expect(CodecString.avc1(extradata: annexB) == "avc1.64001f")
        let avcC: [UInt8] = [1, 0x4d, 0x40, 0x1e, 0xff, 0xe1]
        #expect(CodecString.avc1(extradata: avcC) == "avc1.4d401e")
        #expect(CodecString.avc1(extradata: [0, 0, 1, 0x68, 1, 2, 3]) == nil)
    }

    @Test func vfrRatesSnapToStandardRates() {
        func rate(_ average: (Int32, Int32), _ base: (Int32, Int32)) -> [Int32] {
            let result = VideoFilterChain.outputFrameRate(
                average: .init(num: average.0, den: average.1),
                base: .init(num: base.0, den: base.1),
                cap: 60
            )
            return [result.num, result.den]
        }
        #expect(rate((2997, 100), (30, 1)) == [30000, 1001])
        #expect(rate((12000, 100), (120, 1)) == [60, 1])
        #expect(rate((0, 0), (25, 1)) == [25, 1])
        #expect(rate((2410, 100), (30, 1)) == [24, 1])
    }

    @Test func masterPlaylistDeclaresAudioGroupAndAudioOnlyVariant() {
        let master = MasterPlaylist(
            videos: [
                .init(
                    uri: "video/720p/playlist.m3u8",
                    bandwidth: 1000,
                    averageBandwidth: 800,
                    width: 1280,
                    height: 720,
                    codecs: "avc1.64001f",
                    frameRate: 30
                )
            ],
            audio: .init(uri: "audio/playlist.m3u8", bandwidth: 130, averageBandwidth: 128, codecs: "mp4a.40.2")
        ).render()
        #expect(master.contains("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\""))
        #expect(
            master.contains(
                """
                BANDWIDTH=1130,AVERAGE-BANDWIDTH=928,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",\
                FRAME-RATE=30.000,AUDIO="audio"
                """
            )
        )
        #expect(
            master.contains(
                "#EXT-X-STREAM-INF:BANDWIDTH=130,AVERAGE-BANDWIDTH=128,CODECS=\"mp4a.40.2\"\naudio/playlist.m3u8"
            )
        )
    }

    @Test func storyboardCuesTileTheSheet() throws {
        let sheet = try ThumbnailSheet(
            duration: 25,
            displayWidth: 1280,
            displayHeight: 720,
            thumbnailWidth: 160,
            posterWidth: 64,
            posterHeight: 36
        )
        #expect(sheet.layout.interval == 1)
        #expect(sheet.layout.count == 25)
        #expect(sheet.layout.thumbnailHeight == 90)
        let vtt = sheet.webVTT()
        #expect(vtt.hasPrefix("WEBVTT\n"))
        #expect(vtt.contains("00:00:11.000 --> 00:00:12.000\nstoryboard.jpg#xywh=160,90,160,90"))
        #expect(vtt.contains("00:00:24.000 --> 00:00:25.000\nstoryboard.jpg#xywh=640,180,160,90"))
    }
}
