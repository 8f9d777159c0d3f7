import CFFmpeg

/// A picture's colour description in FFmpeg's terms (the values H.264's VUI and the MP4 `colr` box carry).
struct ColourDescription: Equatable, Sendable {
    var primaries: AVColorPrimaries
    var transfer: AVColorTransferCharacteristic
    var matrix: AVColorSpace
    var range: AVColorRange

    /// HD video as every browser assumes it when untagged: BT.709, limited ("TV") range.
    static let bt709 = ColourDescription(
        primaries: AVCOL_PRI_BT709,
        transfer: AVCOL_TRC_BT709,
        matrix: AVCOL_SPC_BT709,
        range: AVCOL_RANGE_MPEG
    )

    /// As the decoder reports the stream (unspecified fields stay unspecified; `ColourConversion` resolves them).
    init(parameters: AVCodecParameters) {
        primaries = parameters.color_primaries
        transfer = parameters.color_trc
        matrix = parameters.color_space
        range = parameters.color_range
    }

    init(
        primaries: AVColorPrimaries,
        transfer: AVColorTransferCharacteristic,
        matrix: AVColorSpace,
        range: AVColorRange
    ) {
        self.primaries = primaries
        self.transfer = transfer
        self.matrix = matrix
        self.range = range
    }

    /// Tags an encoder before it is opened: libx264 writes these into the H.264 VUI, and the MP4/fMP4 muxers
    /// (which copy the encoder's parameters) into each track's `colr` box.
    func apply(to context: UnsafeMutablePointer<AVCodecContext>) {
        context.pointee.color_primaries = primaries
        context.pointee.color_trc = transfer
        context.pointee.colorspace = matrix
        context.pointee.color_range = range
    }
}

/// What the video path does about colour: the libavfilter steps that bring a source to the published colour
/// space (none for the common SDR BT.709 source, so it costs nothing there), the tags every rendition carries, and
/// what the manifest reports.
///
/// The rules, and why:
/// - HDR (PQ or HLG, in practice BT.2020 10-bit from phones) is tone-mapped to SDR BT.709 8-bit. Shown untouched
///   on an SDR screen it is flat and grey (PQ) or subtly wrong (HLG), and browsers without HDR support do not map it.
/// - SD sources in BT.601 keep BT.601 and are tagged so: players that read tags show them right, and players that
///   ignore tags guess BT.601 for SD pictures anyway, so tagging is right on both where converting to BT.709 would
///   be wrong on the second kind; it also costs nothing and re-quantises nothing.
/// - HD sources that are not BT.709 (a BT.601 matrix from some screen recorders, SDR BT.2020) are converted to
///   BT.709: players that ignore tags guess BT.709 for HD.
/// - Full-range ("JPEG") levels, as webcams' MJPEG delivers them, become limited range: H.264 in browsers is
///   limited range in practice, and full-range levels shown as limited crush blacks and clip whites.
/// Every rung, the MP4 and (through the encoders) both the bitstream and the container say which space they are in.
struct ColourConversion: Equatable {
    /// Filters to append to the video chain (empty when the source already is what we publish).
    let filters: [String]
    /// The tags every encoder carries.
    let output: ColourDescription
    let corrections: [TranscodeManifest.Correction]

    /// The light level (cd/m²) that zimg maps to linear 1.0. 100 makes SDR reference white land where it should:
    /// PQ is absolute (its 203 cd/m² reference white then reads 2.03), and zimg renders HLG — scene-referred, so it
    /// needs a display to be rendered for — for BT.2100's 1000 cd/m² reference display, which puts HLG's 75 %
    /// reference white at the same 2.03. Measured with the CLI: HLG 75 % and PQ 203 cd/m² both come out at
    /// 8-bit luma 218 (of 235), HLG 100 % and PQ 1000 cd/m² at 235; with npl=1000, HLG reference white would fall
    /// to 128 — a lecture hall gone dim.
    static let nominalPeakLuminance = 100

    /// The tone-mapping operator. Mobius leaves everything below a knee untouched (faces, slides, the room — the
    /// parts of a lecture at or below reference white) and rolls off only the highlights above it smoothly, so a
    /// ramp keeps its gradation to the top without clipping. Hable (filmic) darkens mid-tones by about a third
    /// (HLG reference white at 181 instead of 218) and reinhard compresses everything a little; both make a lecture
    /// look dimmer than the professor saw it. `desat=0`: tonemap's default desaturates bright colours towards
    /// white, which washes out coloured slides under stage light; the gamut is clipped by zscale instead.
    /// The peak comes from the stream's HDR metadata (MaxCLL, mastering display) when it has some, else
    /// libavfilter's ~1000 cd/m², the usual mastering peak of phones. HLG never goes beyond it; a PQ stream without
    /// metadata and brighter highlights loses them above that (measured: a ramp to 4000 cd/m² ends at luma 239,
    /// shown as 235; with MaxCLL 4000 it ends at 235 with its gradation).
    static let toneMapping = "tonemap=tonemap=mobius:desat=0"

    static func plan(source: ColourDescription, pixelFormat: AVPixelFormat, width: Int, height: Int) -> ColourConversion
    {
        let isHD = width >= 1280 || height >= 720
        let isFullRange = source.range == AVCOL_RANGE_JPEG || Self.fullRangeFormats.contains(pixelFormat)
        let hdr: String? =
            switch source.transfer {
            case AVCOL_TRC_ARIB_STD_B67: "HLG"
            case AVCOL_TRC_SMPTE2084: "PQ"
            default: nil
            }

        // Unspecified fields get what players assume for them.
        var matrix = source.matrix
        if !Self.knownMatrices.contains(matrix) {
            matrix =
                source.primaries == AVCOL_PRI_BT2020 || hdr != nil
                ? AVCOL_SPC_BT2020_NCL : (isHD ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M)
        }
        var primaries = source.primaries
        if !Self.knownPrimaries.contains(primaries) {
            primaries =
                switch matrix {
                case AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL: AVCOL_PRI_BT2020
                case AVCOL_SPC_BT470BG where !isHD: AVCOL_PRI_BT470BG
                case AVCOL_SPC_SMPTE170M where !isHD: AVCOL_PRI_SMPTE170M
                default: AVCOL_PRI_BT709
                }
        }
        // SDR transfers are all displayed as BT.709/BT.1886 in practice; only HDR's are converted.
        let transfer = hdr == nil ? AVCOL_TRC_BT709 : source.transfer
        let input =
            """
            pin=\(primaries.rawValue):tin=\(transfer.rawValue):min=\(matrix.rawValue):\
            rin=\(isFullRange ? "full" : "limited")
            """

        if let hdr {
            return ColourConversion(
                filters: [
                    "zscale=\(input):t=linear:npl=\(nominalPeakLuminance)", "format=gbrpf32le", "zscale=p=bt709",
                    toneMapping, "zscale=t=bt709:m=bt709:r=limited", "format=yuv420p",
                ],
                output: .bt709,
                corrections: [.init(kind: "hdr", summary: "HDR \(hdr) tone-mapped to BT.709")]
            )
        }

        let isBT601 =
            [AVCOL_SPC_SMPTE170M, AVCOL_SPC_BT470BG].contains(matrix)
            && [AVCOL_PRI_SMPTE170M, AVCOL_PRI_BT470BG, AVCOL_PRI_BT709].contains(primaries)
        let target: ColourDescription =
            isBT601 && !isHD
            ? ColourDescription(
                primaries: primaries,
                transfer: AVCOL_TRC_SMPTE170M,
                matrix: matrix,
                range: AVCOL_RANGE_MPEG
            )
            : .bt709
        let convertsColour = target.matrix != matrix || target.primaries != primaries
        var corrections: [TranscodeManifest.Correction] = []
        if convertsColour {
            corrections.append(
                .init(
                    kind: "colour",
                    summary:
                        "Colours converted from \(Self.name(matrix, primaries)) to BT.709, the standard for HD video"
                )
            )
        }
        if isFullRange {
            corrections.append(
                .init(
                    kind: "range",
                    summary:
                        """
                        Full-range (webcam-style) levels converted to standard video range, \
                        so blacks and whites are not crushed
                        """
                )
            )
        }
        guard convertsColour || isFullRange else {
            return ColourConversion(filters: [], output: target, corrections: [])
        }
        // zscale converts straight to the encoders' format; `format` pins that, so no later step reads the levels
        // a second time (a yuvj420p picture converted by swscale would be expanded again).
        return ColourConversion(
            filters: [
                """
                zscale=\(input):p=\(target.primaries.rawValue):t=\(transfer.rawValue):\
                m=\(target.matrix.rawValue):r=limited
                """,
                "format=yuv420p",
            ],
            output: target,
            corrections: corrections
        )
    }

    /// The first filter this FFmpeg build lacks (zscale needs libavfilter built with libzimg), or nil.
    var missingFilter: String? {
        filters.compactMap { $0.split(separator: "=").first.map(String.init) }.first { avfilter_get_by_name($0) == nil }
    }

    private static let fullRangeFormats: Set<Int32> = [
        AV_PIX_FMT_YUVJ420P.rawValue, AV_PIX_FMT_YUVJ422P.rawValue, AV_PIX_FMT_YUVJ444P.rawValue,
        AV_PIX_FMT_YUVJ440P.rawValue, AV_PIX_FMT_YUVJ411P.rawValue,
    ]
    private static let knownMatrices: [AVColorSpace] = [
        AVCOL_SPC_BT709, AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M, AVCOL_SPC_SMPTE240M, AVCOL_SPC_BT2020_NCL,
        AVCOL_SPC_BT2020_CL,
    ]
    private static let knownPrimaries: [AVColorPrimaries] = [
        AVCOL_PRI_BT709, AVCOL_PRI_BT470M, AVCOL_PRI_BT470BG, AVCOL_PRI_SMPTE170M, AVCOL_PRI_SMPTE240M,
        AVCOL_PRI_BT2020, AVCOL_PRI_SMPTE432,
    ]

    private static func name(_ matrix: AVColorSpace, _ primaries: AVColorPrimaries) -> String {
        switch (matrix, primaries) {
        case (AVCOL_SPC_BT2020_NCL, _), (AVCOL_SPC_BT2020_CL, _), (_, AVCOL_PRI_BT2020): "BT.2020"
        case (AVCOL_SPC_SMPTE170M, _), (AVCOL_SPC_BT470BG, _): "BT.601"
        case (_, AVCOL_PRI_SMPTE432): "Display P3"
        default: String(cString: av_color_space_name(matrix))
        }
    }
}

extension Set where Element == Int32 {
    fileprivate func contains(_ format: AVPixelFormat) -> Bool { contains(format.rawValue) }
}
