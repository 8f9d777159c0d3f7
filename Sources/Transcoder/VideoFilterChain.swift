import CFFmpeg

/// The per-source video preparation shared by all rungs: deinterlace, rotate upright, constant rate.
enum VideoFilterChain {
    /// The filter description for libavfilter.
    static func description(interlaced: Bool, rotation: Int, frameRate: AVRational) -> String {
        var filters: [String] = []
        // yadif only touches frames the decoder flags as interlaced; progressive frames pass unchanged.
        if interlaced { filters.append("yadif=mode=send_frame:parity=auto:deint=interlaced") }
        switch rotation {
        case 90: filters.append("transpose=clock")
        case 180: filters.append("hflip,vflip")
        case 270: filters.append("transpose=cclock")
        default: break
        }
        // fps turns variable-rate input into constant rate by duplicating/dropping frames.
        filters.append("fps=fps=\(frameRate.num)/\(frameRate.den):round=near")
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
