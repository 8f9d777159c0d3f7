import Foundation

/// An ITU-R BS.1770-4 / EBU R128 meter for stereo, written for the audio stage's one pass over the programme.
///
/// Why our own rather than libavfilter's `ebur128`: the stage must know the loudness of the programme *as it will
/// be published*, and that depends on the channel decision, which needs the whole programme too (a left-only
/// recording gains 3 dB when its live channel is copied to both sides). The meter therefore keeps each channel's
/// K-weighted energy per 100 ms sub-block (16 bytes per 100 ms: ~1.2 MB for a 3-hour lecture) and the true peak of
/// each channel, so the integrated loudness, loudness range and true peak of any `ChannelLayoutFix` are computed
/// afterwards without a second decode. `ebur128` reports one mix only. The tests check the result against the
/// ffmpeg CLI's `ebur128` on the published audio.
final class LoudnessMeter {
    /// What the programme would measure with a channel fix applied (before any gain).
    struct Reading: Sendable, Equatable {
        /// Gated integrated loudness, LUFS; nil when every 400 ms block is below the −70 LUFS absolute gate.
        var integrated: Double?
        /// Highest true peak over both channels, dBTP (−inf for digital silence).
        var truePeak: Double
        /// Loudness range (EBU Tech 3342), LU.
        var range: Double
    }

    let sampleRate: Int
    private var left: KWeighting
    private var right: KWeighting
    private var leftPeak: TruePeak
    private var rightPeak: TruePeak
    /// K-weighted mean square of each channel per completed 100 ms sub-block.
    private var leftBlocks: [Double] = []
    private var rightBlocks: [Double] = []
    private let samplesPerSubBlock: Int
    private var pending = (left: 0.0, right: 0.0, count: 0)
    /// Whole-programme sums of the K-weighted signals: each channel's energy and their cross product.
    private(set) var leftEnergy = 0.0
    private(set) var rightEnergy = 0.0
    private(set) var crossEnergy = 0.0

    init(sampleRate: Int) {
        self.sampleRate = sampleRate
        left = KWeighting(sampleRate: Double(sampleRate))
        right = KWeighting(sampleRate: Double(sampleRate))
        leftPeak = TruePeak()
        rightPeak = TruePeak()
        samplesPerSubBlock = max(1, sampleRate / 10)
    }

    /// Feeds `count` samples of each channel.
    func add(left l: UnsafePointer<Float>, right r: UnsafePointer<Float>, count: Int) {
        leftPeak.add(l, count: count)
        rightPeak.add(r, count: count)
        for i in 0..<count {
            let a = Double(l[i]), b = Double(r[i])
            let ka = left.filter(a), kb = right.filter(b)
            pending.left += ka * ka
            pending.right += kb * kb
            crossEnergy += ka * kb
            pending.count += 1
            if pending.count == samplesPerSubBlock {
                leftBlocks.append(pending.left / Double(samplesPerSubBlock))
                rightBlocks.append(pending.right / Double(samplesPerSubBlock))
                leftEnergy += pending.left
                rightEnergy += pending.right
                pending = (0, 0, 0)
            }
        }
    }

    /// The programme's reading with `fix` applied (the partial last sub-block, under 100 ms, is left out as
    /// BS.1770's 400 ms blocks would leave it out).
    func reading(_ fix: ChannelLayoutFix = .none) -> Reading {
        let power: [Double]
        let peak: Double
        switch fix {
        case .none, .invertRight:
            // Inverting a channel changes neither its energy nor its peak.
            power = zip(leftBlocks, rightBlocks).map { $0 + $1 }
            peak = max(leftPeak.peak, rightPeak.peak)
        case .leftOnly:
            power = leftBlocks.map { 2 * $0 }
            peak = leftPeak.peak
        case .rightOnly:
            power = rightBlocks.map { 2 * $0 }
            peak = rightPeak.peak
        }
        return Reading(
            integrated: Self.integrated(power),
            truePeak: peak > 0 ? 20 * log10(peak) : -.infinity,
            range: Self.range(power)
        )
    }

    // MARK: BS.1770 gating

    static func loudness(_ meanSquare: Double) -> Double { -0.691 + 10 * log10(meanSquare) }

    /// Mean power of each window of `length` sub-blocks, one window per sub-block step.
    private static func windows(_ power: [Double], length: Int) -> [Double] {
        guard power.count >= length else { return [] }
        var sum = power[0..<length].reduce(0, +)
        var result = [sum / Double(length)]
        for end in length..<power.count {
            sum += power[end] - power[end - length]
            result.append(max(0, sum) / Double(length))
        }
        return result
    }

    /// Integrated loudness: 400 ms blocks overlapping by 75 %, absolute gate −70 LUFS, relative gate −10 LU.
    static func integrated(_ power: [Double]) -> Double? {
        let blocks = windows(power, length: 4).filter { $0 > 0 && loudness($0) > -70 }
        guard !blocks.isEmpty else { return nil }
        let relative = loudness(blocks.reduce(0, +) / Double(blocks.count)) - 10
        let gated = blocks.filter { loudness($0) > relative }
        guard !gated.isEmpty else { return nil }
        return loudness(gated.reduce(0, +) / Double(gated.count))
    }

    /// Loudness range (EBU Tech 3342): 3 s short-term windows every 100 ms, absolute gate −70 LUFS, relative gate
    /// −20 LU; the spread between the 10th and 95th percentiles.
    static func range(_ power: [Double]) -> Double {
        let blocks = windows(power, length: 30).filter { $0 > 0 && loudness($0) > -70 }
        guard !blocks.isEmpty else { return 0 }
        let relative = loudness(blocks.reduce(0, +) / Double(blocks.count)) - 20
        let levels = blocks.map(loudness).filter { $0 > relative }.sorted()
        guard levels.count > 1 else { return 0 }
        func percentile(_ p: Double) -> Double {
            levels[min(levels.count - 1, Int((Double(levels.count - 1) * p).rounded()))]
        }
        return percentile(0.95) - percentile(0.10)
    }
}

/// BS.1770's K-weighting: a high shelf (+4 dB above ~1.7 kHz, the head's effect) then a high pass (~38 Hz, RLB).
/// Coefficients from the analogue prototypes, so 44.1 kHz is weighted as exactly as 48 kHz (as libebur128 does).
struct KWeighting {
    private var shelf: Biquad
    private var highPass: Biquad

    init(sampleRate: Double) {
        var k = tan(Double.pi * 1681.974450955533 / sampleRate)
        var q = 0.7071752369554196
        let vh = pow(10, 3.999843853973347 / 20)
        let vb = pow(vh, 0.4996667741545416)
        var a0 = 1 + k / q + k * k
        shelf = Biquad(
            b0: (vh + vb * k / q + k * k) / a0,
            b1: 2 * (k * k - vh) / a0,
            b2: (vh - vb * k / q + k * k) / a0,
            a1: 2 * (k * k - 1) / a0,
            a2: (1 - k / q + k * k) / a0
        )
        k = tan(Double.pi * 38.13547087602444 / sampleRate)
        q = 0.5003270373238773
        a0 = 1 + k / q + k * k
        highPass = Biquad(b0: 1, b1: -2, b2: 1, a1: 2 * (k * k - 1) / a0, a2: (1 - k / q + k * k) / a0)
    }

    mutating func filter(_ x: Double) -> Double { highPass.filter(shelf.filter(x)) }
}

/// A direct-form-II-transposed biquad.
struct Biquad {
    let b0: Double, b1: Double, b2: Double, a1: Double, a2: Double
    private var z1 = 0.0, z2 = 0.0

    init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    mutating func filter(_ x: Double) -> Double {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }
}

/// True peak per BS.1770-4 Annex 2: the signal oversampled 4× by a windowed-sinc interpolator (13 taps per
/// phase, Blackman window; passband flat to ~0.9 × Nyquist), and the largest magnitude of the samples and the
/// interpolated points between them.
struct TruePeak {
    static let factor = 4
    static let tapsPerPhase = 13
    /// The interpolator split by phase, flat: the point `p` quarter-samples along weights the k-th newest sample
    /// by `taps[p * tapsPerPhase + k]` (taps `p`, `p + 4`, `p + 8`, … of the 52-tap filter).
    private static let taps: [Double] = {
        let length = factor * tapsPerPhase
        let centre = Double(length - 1) / 2
        var filter = [Double](repeating: 0, count: length)
        for n in 0..<length {
            let t = (Double(n) - centre) / Double(factor)
            let sinc = t == 0 ? 1 : sin(Double.pi * t) / (Double.pi * t)
            let w = Double(n) / Double(length - 1)
            let window = 0.42 - 0.5 * cos(2 * Double.pi * w) + 0.08 * cos(4 * Double.pi * w)
            filter[n] = sinc * window
        }
        return (0..<factor).flatMap { p in (0..<tapsPerPhase).map { filter[p + factor * $0] } }
    }()

    /// The newest samples, newest first, in `history[start..<start + tapsPerPhase]`; written twice (at `i` and
    /// `i + tapsPerPhase`) so the window is always contiguous.
    private var history = [Double](repeating: 0, count: 2 * tapsPerPhase)
    private var start = 0
    private(set) var peak = 0.0

    mutating func add(_ samples: UnsafePointer<Float>, count: Int) {
        let n = Self.tapsPerPhase
        var peak = self.peak
        var start = self.start
        Self.taps.withUnsafeBufferPointer { taps in
            history.withUnsafeMutableBufferPointer { history in
                for i in 0..<count {
                    let x = Double(samples[i])
                    peak = max(peak, abs(x))
                    start = start == 0 ? n - 1 : start - 1
                    history[start] = x
                    history[start + n] = x
                    for phase in 0..<Self.factor {
                        var y = 0.0
                        let base = phase * n
                        for k in 0..<n { y += taps[base + k] * history[start + k] }
                        peak = max(peak, abs(y))
                    }
                }
            }
        }
        self.peak = peak
        self.start = start
    }
}

/// How the stage rearranges a stereo programme's channels (see `ChannelAnalysis`).
enum ChannelLayoutFix: String, Sendable, Codable {
    /// Left as recorded (genuine stereo, a centred mono, or too quiet to judge).
    case none
    /// The right channel is silent or far quieter: the left is copied to both.
    case leftOnly
    case rightOnly
    /// The channels cancel when mixed (correlation ≈ −1): the right is inverted back.
    case invertRight

    /// `out = (a·L + b·R, c·L + d·R)`.
    var matrix: (Float, Float, Float, Float) {
        switch self {
        case .none: (1, 0, 0, 1)
        case .leftOnly: (1, 0, 1, 0)
        case .rightOnly: (0, 1, 0, 1)
        case .invertRight: (1, 0, 0, -1)
        }
    }
}
