import CFFmpeg
import Foundation
import Testing

@testable import Transcoder

/// Issue #17, picture: HDR tone-mapped to SDR, every output tagged (VUI and `colr`), full-range levels made
/// limited, BT.601 kept for SD and converted for HD, and any display-matrix turn or mirror applied.
@Suite struct PictureTests {
    static let oneRung = TranscodePlan(ladder: [1080].map(Rung.standard(height:)), segmentSeconds: 2)

    // MARK: HDR

    @Test(arguments: PictureFixtures.HDRTransfer.allCases)
    func hdrIsToneMappedLikeTheCLIReference(_ transfer: PictureFixtures.HDRTransfer) async throws {
        let directory = try TemporaryDirectory()
        let source = try await PictureFixtures.hdr(transfer, in: directory)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        let name = transfer == .hlg ? "HLG" : "PQ"
        #expect(manifest.corrections == [.init(kind: "hdr", summary: "HDR \(name) tone-mapped to BT.709")])

        let joined = try OutputChecks.joinedStream(playlist: manifest.video[0].playlist, in: output)
        defer { try? FileManager.default.removeItem(atPath: joined) }
        // The reference: the same conversion written out for the ffmpeg CLI, which reads the source's tags itself.
        let reference = try await PictureFixtures.meanColour(
            source,
            filters: "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap=mobius:desat=0,"
                + "zscale=t=bt709:m=bt709:r=tv,format=yuv420p"
        )
        for published in [joined, output + "/" + Transcoder.Paths.progressive] {
            let ours = try await PictureFixtures.meanColour(published)
            #expect(abs(ours.y - reference.y) < 1.5, "luma \(ours.y) vs \(reference.y)")
            #expect(abs(ours.u - reference.u) < 1.0, "Cb \(ours.u) vs \(reference.u)")
            #expect(abs(ours.v - reference.v) < 1.0, "Cr \(ours.v) vs \(reference.v)")
            try await expectTags(published, primaries: 1, transfer: 1, matrix: 1)
        }
    }

    /// A grey ramp over the HDR signal: reference white lands near SDR white, the top keeps its gradation and
    /// stays within limited-range white (no clipped highlights).
    @Test(arguments: PictureFixtures.HDRTransfer.allCases)
    func hdrRampKeepsReferenceWhiteAndHighlights(_ transfer: PictureFixtures.HDRTransfer) async throws {
        let directory = try TemporaryDirectory()
        let source = try await PictureFixtures.hdrRamp(transfer, in: directory)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        #expect(manifest.video.map { [$0.width, $0.height] } == [[256, 64]])
        let luma = try await PictureFixtures.luma(output + "/" + Transcoder.Paths.progressive, width: 256, height: 64)
        // Column means over the middle rows (away from the encoder's edge blocks).
        let columns = (0..<256).map { x in Double((16..<48).reduce(0) { $0 + Int(luma[$1 * 256 + x]) }) / 32 }
        let bands = stride(from: 0, to: 256, by: 16).map { start in columns[start..<start + 16].reduce(0, +) / 16 }
        for (lower, upper) in zip(bands, bands.dropFirst()) {
            #expect(upper > lower + 1, "the ramp's gradation is lost: \(bands)")
        }
        #expect(bands.last! <= 235.5, "highlights beyond limited-range white: \(bands)")
        // HLG 75 % and PQ 203 cd/m² are reference white (BT.2408); SDR puts it near the top, not at mid-grey.
        let referenceWhiteColumn = transfer == .hlg ? 191 : Int((573.0 - 64) / (723 - 64) * 255)
        let white = columns[referenceWhiteColumn - 2...referenceWhiteColumn + 2].reduce(0, +) / 5
        #expect(abs(white - 218) < 5, "reference white at \(white): \(bands)")
    }

    /// PQ brighter than the usual 1000 cd/m² keeps its highlights when the stream says how bright it gets (MaxCLL
    /// and the mastering display, which x265 writes as SEI): the decoder's side data reaches tonemap through our
    /// graph, so a ramp to 4000 cd/m² stays within white. (Without the metadata tonemap assumes ~1000 cd/m² and
    /// brighter highlights clip: see `ColourConversion.toneMapping`.)
    @Test func pqBeyondAThousandNitsFollowsItsMetadata() async throws {
        let directory = try TemporaryDirectory()
        // 10-bit code 855 is PQ's 4000 cd/m².
        let source = try await PictureFixtures.hdr(
            .pq,
            picture:
                "color=c=black:s=256x64:r=30:d=0.5,format=yuv420p10le,geq=lum='64+X/(W-1)*(855-64)':cb=512:cr=512",
            in: directory,
            name: "pq4000.mp4",
            x265:
                ":max-cll=4000,400:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(40000000,50)"
        )
        let (_, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        let luma = try await PictureFixtures.luma(output + "/" + Transcoder.Paths.progressive, width: 256, height: 64)
        func column(_ x: Int) -> Double { Double((16..<48).reduce(0) { $0 + Int(luma[$1 * 256 + x]) }) / 32 }
        let top: [Double] = (240..<256).map(column)
        #expect(top.allSatisfy { $0 <= 235.5 }, "highlights beyond limited-range white: \(top)")
        let middleMean: Double = (120..<136).map(column).reduce(0, +) / 16
        let topMean: Double = top.reduce(0, +) / 16
        #expect(middleMean < topMean - 20, "the ramp is flattened: \(middleMean) against \(topMean)")
    }

    // MARK: SDR colour and levels

    @Test func sdrBT709SourceIsTaggedAndNotConverted() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(
            in: directory,
            size: "320x180",
            seconds: 1,
            extra: ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]
        )
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        #expect(manifest.corrections == nil)
        let mp4 = output + "/" + Transcoder.Paths.progressive
        try await expectTags(mp4, primaries: 1, transfer: 1, matrix: 1)
        let ours = try await PictureFixtures.meanColour(mp4), original = try await PictureFixtures.meanColour(source)
        #expect(abs(ours.y - original.y) < 1 && abs(ours.u - original.u) < 1 && abs(ours.v - original.v) < 1)
    }

    /// The common case costs nothing: no colour or orientation filter joins the chain it always had.
    @Test func sdrBT709PlanAddsNoFilter() {
        for (width, height, matrix) in [(1920, 1080, AVCOL_SPC_BT709), (1280, 720, AVCOL_SPC_UNSPECIFIED)] {
            let plan = ColourConversion.plan(
                source: ColourDescription(
                    primaries: matrix == AVCOL_SPC_BT709 ? AVCOL_PRI_BT709 : AVCOL_PRI_UNSPECIFIED,
                    transfer: AVCOL_TRC_UNSPECIFIED,
                    matrix: matrix,
                    range: AVCOL_RANGE_UNSPECIFIED
                ),
                pixelFormat: AV_PIX_FMT_YUV420P,
                width: width,
                height: height
            )
            #expect(plan.filters.isEmpty && plan.corrections.isEmpty && plan.output == .bt709)
            let chain = VideoFilterChain.description(
                interlaced: false,
                orientation: Orientation.upright.filters(width: width, height: height),
                frameRate: AVRational(num: 30, den: 1),
                colour: plan.filters
            )
            #expect(chain == "fps=fps=30/1:round=near,format=yuv420p")
        }
    }

    /// Each colour case's decision, without encoding anything.
    @Test func colourPlanDecidesEachCase() {
        func plan(
            _ primaries: AVColorPrimaries,
            _ transfer: AVColorTransferCharacteristic,
            _ matrix: AVColorSpace,
            _ range: AVColorRange = AVCOL_RANGE_MPEG,
            format: AVPixelFormat = AV_PIX_FMT_YUV420P,
            height: Int = 1080
        ) -> ColourConversion {
            ColourConversion.plan(
                source: ColourDescription(primaries: primaries, transfer: transfer, matrix: matrix, range: range),
                pixelFormat: format,
                width: height * 16 / 9,
                height: height
            )
        }
        let pq = plan(AVCOL_PRI_BT2020, AVCOL_TRC_SMPTE2084, AVCOL_SPC_BT2020_NCL, format: AV_PIX_FMT_YUV420P10LE)
        #expect(pq.corrections.map(\.summary) == ["HDR PQ tone-mapped to BT.709"] && pq.output == .bt709)
        #expect(pq.filters.contains(ColourConversion.toneMapping))
        // HLG tagged only by its transfer (some phones leave the rest unspecified): BT.2020 is assumed.
        let hlg = plan(AVCOL_PRI_UNSPECIFIED, AVCOL_TRC_ARIB_STD_B67, AVCOL_SPC_UNSPECIFIED)
        #expect(hlg.filters.first == "zscale=pin=9:tin=18:min=9:rin=limited:t=linear:npl=100")
        let sdr2020 = plan(AVCOL_PRI_BT2020, AVCOL_TRC_BT2020_10, AVCOL_SPC_BT2020_NCL)
        #expect(sdr2020.corrections.map(\.kind) == ["colour"] && sdr2020.output == .bt709)
        let hd601 = plan(AVCOL_PRI_UNSPECIFIED, AVCOL_TRC_UNSPECIFIED, AVCOL_SPC_BT470BG)
        // The primaries of an HD picture are taken as BT.709: only the matrix is converted.
        #expect(hd601.filters == ["zscale=pin=1:tin=1:min=5:rin=limited:p=1:t=1:m=1:r=limited", "format=yuv420p"])
        let sdUntagged = plan(AVCOL_PRI_UNSPECIFIED, AVCOL_TRC_UNSPECIFIED, AVCOL_SPC_UNSPECIFIED, height: 480)
        #expect(sdUntagged.filters.isEmpty && sdUntagged.corrections.isEmpty)
        #expect(sdUntagged.output.matrix == AVCOL_SPC_SMPTE170M && sdUntagged.output.primaries == AVCOL_PRI_SMPTE170M)
        let fullH264 = plan(AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_SPC_BT709, AVCOL_RANGE_JPEG)
        #expect(fullH264.corrections.map(\.kind) == ["range"] && fullH264.output == .bt709)
        #expect(fullH264.filters.first?.contains("rin=full") == true)
    }

    /// SD stays BT.601, tagged so: right on players that read tags and on those that guess BT.601 for SD.
    @Test func sdBT601SourceKeepsBT601AndIsTagged() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(
            in: directory,
            size: "320x240",
            seconds: 1,
            extra: ["-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m"]
        )
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        #expect(manifest.corrections == nil)
        let mp4 = output + "/" + Transcoder.Paths.progressive
        try await expectTags(mp4, primaries: 6, transfer: 6, matrix: 6)
        let ours = try await PictureFixtures.meanColour(mp4), original = try await PictureFixtures.meanColour(source)
        #expect(abs(ours.y - original.y) < 1 && abs(ours.u - original.u) < 1 && abs(ours.v - original.v) < 1)
    }

    /// HD in BT.601 becomes BT.709: players that ignore tags assume BT.709 for HD.
    @Test func hdBT601SourceIsConvertedToBT709() async throws {
        let directory = try TemporaryDirectory()
        // A saturated colour, so the matrix change moves the means far more than the tolerance below.
        let source = directory.file("hd601.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "color=c=0xC02030:s=1280x720:r=30:d=0.5", "-c:v", "libx264", "-preset", "ultrafast",
            "-colorspace", "smpte170m", "-color_primaries", "bt709", "-color_trc", "bt709", source,
        ])
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        #expect(manifest.corrections?.map(\.kind) == ["colour"])
        let mp4 = output + "/" + Transcoder.Paths.progressive
        try await expectTags(mp4, primaries: 1, transfer: 1, matrix: 1)
        // Independent reference: libavfilter's colorspace filter, matrix only (the primaries already are BT.709).
        let reference = try await PictureFixtures.meanColour(
            source,
            filters: "colorspace=space=bt709:ispace=smpte170m:primaries=bt709:iprimaries=bt709:trc=bt709:itrc=bt709"
        )
        let ours = try await PictureFixtures.meanColour(mp4)
        #expect(abs(ours.y - reference.y) < 1.5 && abs(ours.u - reference.u) < 1 && abs(ours.v - reference.v) < 1)
        let original = try await PictureFixtures.meanColour(source)
        #expect(abs(original.y - reference.y) + abs(original.u - reference.u) + abs(original.v - reference.v) > 5)
    }

    @Test func fullRangeWebcamMJPEGBecomesLimitedAndTagged() async throws {
        let directory = try TemporaryDirectory()
        let source = directory.file("webcam.avi")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=1", "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", source,
        ])
        await #expect(try MediaTools.streams(source).first?["pix_fmt"] as? String == "yuvj420p")
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        #expect(manifest.corrections?.map(\.kind) == ["range"])
        let mp4 = output + "/" + Transcoder.Paths.progressive
        // MJPEG says BT.470BG (625-line BT.601); it stays BT.601, now limited range.
        try await expectTags(mp4, primaries: 5, transfer: 6, matrix: 5)
        let ours = try await PictureFixtures.meanColour(mp4), original = try await PictureFixtures.meanColour(source)
        #expect(abs(ours.y - (16 + original.y * 219 / 255)) < 1.5, "luma \(ours.y) from full-range \(original.y)")
    }

    /// JPEG (JFIF) is BT.601 full range; a BT.709 picture written into it unconverted turns red towards orange.
    @Test func posterAndStoryboardKeepTheColoursOfABT709Source() async throws {
        let directory = try TemporaryDirectory()
        let source = directory.file("red709.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "color=c=0xC02030:s=320x180:r=30:d=1", "-vf", "scale=out_color_matrix=bt709",
            "-c:v", "libx264", "-preset", "ultrafast", "-colorspace", "bt709", "-color_primaries", "bt709",
            "-color_trc", "bt709", source,
        ])
        let (_, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        func meanRGB(_ path: String, filters: String) async throws -> [Double] {
            let rgb = try await MediaTools.run(
                "ffmpeg",
                ["-nostdin", "-v", "error", "-i", path, "-frames:v", "1", "-vf", filters, "-f", "rawvideo", "-"]
            ).stdout
            try #require(rgb.count >= 3 * 64)
            return (0..<3).map { channel in
                Double(stride(from: channel, to: rgb.count, by: 3).reduce(0) { $0 + Int(rgb[$1]) })
                    / Double(rgb.count / 3)
            }
        }
        // The source as a BT.709 player shows it (H.264 quantisation moves it a little off 192/32/48).
        let reference = try await meanRGB(source, filters: "scale=in_color_matrix=bt709,format=rgb24")
        for image in ["poster.jpg", "storyboard.jpg"] {
            let means = try await meanRGB(output + "/" + image, filters: "format=rgb24")
            for (mean, expected) in zip(means, reference) {
                #expect(abs(mean - expected) < 4, "\(image): RGB \(means), source \(reference)")
            }
        }
    }

    // MARK: Rotation

    struct Turn: Sendable, CustomTestStringConvertible {
        /// As `av_display_rotation_set` takes it (in FFmpeg 5.1: clockwise, as the picture is to be shown).
        var angle: Double
        var mirrored: Bool
        var upright: (width: Int, height: Int)
        var testDescription: String { "\(angle)°\(mirrored ? ", mirrored" : "")" }
    }

    /// Each turn comes out as FFmpeg's own CLI shows it (its autorotation reads the same matrix); any angle is
    /// turned on a canvas large enough for the whole picture, where the CLI keeps the source size and cuts corners.
    @Test(arguments: [
        Turn(angle: -30, mirrored: false, upright: (398, 368)),
        Turn(angle: 180, mirrored: true, upright: (320, 240)),
        Turn(angle: -90, mirrored: true, upright: (240, 320)),
        Turn(angle: 90, mirrored: false, upright: (240, 320)),
        Turn(angle: 0, mirrored: true, upright: (320, 240)),
    ])
    func displayMatrixIsApplied(_ turn: Turn) async throws {
        let directory = try TemporaryDirectory()
        let source = try await PictureFixtures.displayMatrix(
            angle: turn.angle,
            mirrored: turn.mirrored,
            in: directory
        )
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.oneRung)
        #expect(manifest.video.map { [$0.width, $0.height] } == [[turn.upright.width, turn.upright.height]])
        #expect(manifest.corrections?.map(\.kind) == ["rotation"])
        let mp4 = output + "/" + Transcoder.Paths.progressive
        let stream = try await #require(try MediaTools.streams(mp4).first)
        #expect(stream["width"] as? Int == turn.upright.width && stream["height"] as? Int == turn.upright.height)
        let cliSize = turn.angle.truncatingRemainder(dividingBy: 180) == 0 ? (320, 240) : (240, 320)
        let isQuarterTurn = turn.angle.truncatingRemainder(dividingBy: 90) == 0
        let reference = try await PictureFixtures.luma(
            source,
            width: isQuarterTurn ? cliSize.0 : 320,
            height: isQuarterTurn ? cliSize.1 : 240,
            autorotate: true
        )
        let ours = try await PictureFixtures.luma(
            mp4,
            width: isQuarterTurn ? cliSize.0 : 320,
            height: isQuarterTurn ? cliSize.1 : 240,
            filters: isQuarterTurn ? nil : "crop=320:240"
        )
        let difference = PictureFixtures.meanDifference(ours, reference)
        #expect(difference < 6, "mean difference \(difference) from the CLI's upright picture")
    }

    @Test func orientationReadsAngleAndMirrorFromTheMatrix() {
        func orientation(_ angle: Double, mirrored: Bool) -> Orientation {
            var matrix = [Int32](repeating: 0, count: 9)
            av_display_rotation_set(&matrix, angle)
            if mirrored { av_display_matrix_flip(&matrix, 1, 0) }
            return Orientation(displayMatrix: matrix)
        }
        #expect(orientation(0, mirrored: false) == .upright)
        // The matrix phones write for portrait video (see `Fixtures.rotated`): a quarter turn clockwise.
        #expect(Orientation(displayMatrix: [0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x4000_0000]).degrees == 90)
        #expect(orientation(90, mirrored: false) == Orientation(degrees: 90, isMirrored: false))
        #expect(orientation(-90, mirrored: false) == Orientation(degrees: 270, isMirrored: false))
        #expect(orientation(180, mirrored: true) == Orientation(degrees: 180, isMirrored: true))
        // A flip applied after a turn is the same as flipping first and turning the other way.
        #expect(orientation(90, mirrored: true) == Orientation(degrees: 270, isMirrored: true))
        let thirty = orientation(30, mirrored: false)
        #expect(abs(thirty.degrees - 30) < 0.01 && !thirty.isMirrored)
        #expect(orientation(90.2, mirrored: false).degrees == 90)
        #expect(Orientation.upright.filters(width: 320, height: 240).isEmpty)
        #expect(Orientation.upright.correction == nil)
    }

    // MARK: Helpers

    /// ffprobe's reading, the H.264 VUI and the `colr` box all say the same colour, limited range, 8-bit 4:2:0.
    private func expectTags(
        _ path: String,
        primaries: Int,
        transfer: Int,
        matrix: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let expected = PictureFixtures.Tags(primaries: primaries, transfer: transfer, matrix: matrix, fullRange: 0)
        #expect(
            try await PictureFixtures.vuiTags(path) == expected,
            "H.264 VUI of \(path)",
            sourceLocation: sourceLocation
        )
        #expect(
            try await PictureFixtures.colrTags(path) == expected,
            "colr box of \(path)",
            sourceLocation: sourceLocation
        )
        let stream = try #require(try await MediaTools.streams(path).first, sourceLocation: sourceLocation)
        #expect(stream["pix_fmt"] as? String == "yuv420p", sourceLocation: sourceLocation)
        #expect(stream["color_range"] as? String == "tv", sourceLocation: sourceLocation)
    }
}
