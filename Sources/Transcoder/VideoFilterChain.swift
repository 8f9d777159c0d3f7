import CFFmpeg

/// The per-source video preparation shared by all rungs: deinterlace, turn upright, constant rate, colour.
enum VideoFilterChain {
    /// The filter description for libavfilter. `orientation` makes the picture upright (see `Orientation`);
    /// `colour` brings it to the published colour space (see `ColourConversion`); both are empty for the common
    /// upright SDR BT.709 source, which then goes through exactly the filters it always did.
    static func description(
        interlaced: Bool,
        orientation: [String],
        frameRate: AVRational,
        colour: [String] = []
    ) -> String {
        var filters: [String] = []
        // yadif only touches frames the decoder flags as interlaced; progressive frames pass unchanged.
        if interlaced { filters.append("yadif=mode=send_frame:parity=auto:deint=interlaced") }
        filters += orientation
        // fps turns variable-rate input into constant rate by duplicating/dropping frames.
        filters.append("fps=fps=\(frameRate.num)/\(frameRate.den):round=near")
        // After fps, so frames it drops (a 60 fps phone clip capped at 30) are never tone-mapped.
        filters += colour
        filters.append("format=yuv420p")
        return filters.joined(separator: ",")
    }

    /// The constant output rate for a source: its nominal rate, snapped to a standard rate when the
    /// average is a measured VFR value, and capped.
    static func outputFrameRate(average: AVRational, base: AVRational, cap: Double) -> AVRational {
        func valid(_ rate: AVRational) -> Bool {
            rate.num > 0 && rate.den > 0 && av_q2d(rate) >= 0.5 && av_q2d(rate) <= 1000
        }
        let nominal = valid(average) ? average : (valid(base) ? base : AVRational(num: 30, den: 1))
        var value = av_q2d(nominal)
        if value > cap { value = cap }
        for standard in [
            AVRational(num: 24000, den: 1001), AVRational(num: 30000, den: 1001), AVRational(num: 60000, den: 1001),
        ]
        where abs(av_q2d(standard) - value) < 0.005 {
            return standard
        }
        if nominal.den == 1, value == av_q2d(nominal) { return nominal }
        return AVRational(num: Int32(max(1, value.rounded())), den: 1)
    }
}

enum LibAV {
    /// FFmpeg logs to stderr at info level by default; only real errors belong in our service logs.
    static let quiet: Void = { av_log_set_level(AV_LOG_ERROR) }()
}
