import Foundation

/// How the audio stage evens out sound (issue #17): one linear gain to a loudness target, limited by a true-peak
/// ceiling, and a one-sided or phase-inverted microphone centred. `TranscodePlan.audioNormalisation = nil` turns
/// it off (the stage then encodes as it decodes, in one pass).
public struct AudioNormalisation: Sendable, Equatable {
    /// Integrated loudness to reach, LUFS (−16: the usual streaming target for speech).
    public var targetLoudness: Double
    /// The gain never takes the true peak above this, dBTP.
    public var truePeakCeiling: Double
    /// Programmes measuring below this (or gated out entirely) are silent: published with a notice, no gain.
    public var silenceBelow: Double
    /// Gains smaller than this (either way), dB, are not worth a notice; they are still applied.
    public var noticeableGain: Double
    /// Centre a one-sided or phase-inverted microphone (see `ChannelAnalysis`).
    public var centresOneSidedChannels: Bool

    public init(
        targetLoudness: Double = -16,
        truePeakCeiling: Double = -1.5,
        silenceBelow: Double = -70,
        noticeableGain: Double = 0.5,
        centresOneSidedChannels: Bool = true
    ) {
        self.targetLoudness = targetLoudness
        self.truePeakCeiling = truePeakCeiling
        self.silenceBelow = silenceBelow
        self.noticeableGain = noticeableGain
        self.centresOneSidedChannels = centresOneSidedChannels
    }

    /// Room left for AAC's own overshoot when peaks limit the gain: the gain aims this far below the ceiling.
    /// Measured (FFmpeg's native AAC, 128 kb/s; our meter on the PCM vs the CLI's `ebur128` on the encoded audio):
    /// the speech-like test signal with clicks stays under the ceiling; pink noise −0.1 dB; white noise +2.3 dB
    /// (the codec's quantisation noise at high frequencies). Speech is far from white noise, so 0.5 dB; a lecture
    /// whose loudest peaks are broadband noise (applause, a dropped microphone) can end up to ~2 dB over.
    static let encoderHeadroom = 0.5
}

/// Judges a stereo programme's channels from the whole-programme sums the meter kept.
enum ChannelAnalysis {
    /// A channel this far below the other (K-weighted energy, dB) is a dead or stray microphone, not stereo.
    static let oneSidedBelow = 20.0
    /// Correlation at or under this means a mono downmix would cancel: one channel is inverted.
    static let invertedAtOrBelow = -0.8

    static func fix(leftEnergy: Double, rightEnergy: Double, crossEnergy: Double) -> ChannelLayoutFix {
        guard leftEnergy > 0 || rightEnergy > 0 else { return .none }
        if rightEnergy <= leftEnergy * pow(10, -oneSidedBelow / 10) { return .leftOnly }
        if leftEnergy <= rightEnergy * pow(10, -oneSidedBelow / 10) { return .rightOnly }
        let correlation = crossEnergy / (leftEnergy * rightEnergy).squareRoot()
        return correlation <= invertedAtOrBelow ? .invertRight : .none
    }
}

/// What the audio stage decided after measuring the programme, and what it measured.
struct AudioDecision: Sendable, Equatable {
    var channels: ChannelLayoutFix
    /// Linear gain in dB (0 for silence).
    var gain: Double
    var limitedByPeaks: Bool
    var input: LoudnessMeter.Reading
    var isSilent: Bool

    static func decide(meter: LoudnessMeter, settings: AudioNormalisation) -> AudioDecision {
        let asRecorded = meter.reading()
        let silent = (asRecorded.integrated ?? -.infinity) < settings.silenceBelow
        guard !silent else {
            return AudioDecision(channels: .none, gain: 0, limitedByPeaks: false, input: asRecorded, isSilent: true)
        }
        let channels =
            settings.centresOneSidedChannels
            ? ChannelAnalysis.fix(
                leftEnergy: meter.leftEnergy,
                rightEnergy: meter.rightEnergy,
                crossEnergy: meter.crossEnergy
            ) : .none
        // The programme as it will be published, before the gain: a copied channel adds 3 dB.
        let fixed = meter.reading(channels)
        let wanted = settings.targetLoudness - (fixed.integrated ?? settings.targetLoudness)
        let allowed = settings.truePeakCeiling - AudioNormalisation.encoderHeadroom - fixed.truePeak
        let limited = wanted > allowed
        return AudioDecision(
            channels: channels,
            gain: limited ? allowed : wanted,
            limitedByPeaks: limited,
            input: asRecorded,
            isSilent: false
        )
    }

    /// The manifest's corrections, in words a professor can read (and `lectern transcode` prints joined by "; ").
    func corrections(output: LoudnessMeter.Reading, settings: AudioNormalisation) -> [TranscodeManifest.Correction] {
        if isSilent {
            return [.init(kind: "silence", summary: "The recording has no audible sound.")]
        }
        var result: [TranscodeManifest.Correction] = []
        if abs(gain) > settings.noticeableGain, let before = input.integrated, let after = output.integrated {
            var summary = "audio \(Self.lufs(before)) → \(Self.lufs(after)) LUFS"
            if limitedByPeaks { summary += " (limited by peaks)" }
            result.append(.init(kind: "loudness", summary: summary))
        }
        switch channels {
        case .none: break
        case .leftOnly: result.append(.init(kind: "channels", summary: "left channel only, centred"))
        case .rightOnly: result.append(.init(kind: "channels", summary: "right channel only, centred"))
        case .invertRight:
            result.append(.init(kind: "channels", summary: "channels in opposite phase, right channel inverted back"))
        }
        return result
    }

    /// "−27.3": one decimal, with a real minus sign as in print.
    static func lufs(_ value: Double) -> String {
        String(format: "%.1f", value).replacingOccurrences(of: "-", with: "−")
    }

    func manifestRecord(output: LoudnessMeter.Reading, settings: AudioNormalisation) -> TranscodeManifest.AudioLoudness
    {
        TranscodeManifest.AudioLoudness(
            target: settings.targetLoudness,
            truePeakCeiling: settings.truePeakCeiling,
            input: .init(input),
            output: .init(output),
            gain: (gain * 100).rounded() / 100,
            limitedByPeaks: limitedByPeaks,
            channels: channels.rawValue,
            silent: isSilent
        )
    }
}

extension TranscodeManifest {
    /// The audio stage's measurements (BS.1770 / EBU R128) and what it did with them.
    public struct AudioLoudness: Sendable, Equatable, Codable {
        public struct Reading: Sendable, Equatable, Codable {
            /// Integrated loudness, LUFS; nil when the programme is gated out entirely (silence).
            public var integrated: Double?
            /// True peak, dBTP; nil for digital silence.
            public var truePeak: Double?
            /// Loudness range, LU.
            public var range: Double

            init(_ reading: LoudnessMeter.Reading) {
                func round(_ value: Double) -> Double { (value * 100).rounded() / 100 }
                integrated = reading.integrated.map(round)
                truePeak = reading.truePeak.isFinite ? round(reading.truePeak) : nil
                range = round(reading.range)
            }
        }

        public var target: Double
        public var truePeakCeiling: Double
        /// The source as decoded (after the stereo downmix or mono duplication, before any fix).
        public var input: Reading
        /// The PCM handed to the AAC encoder (channels fixed, gain applied), measured as it was encoded.
        public var output: Reading
        /// The linear gain applied, dB.
        public var gain: Double
        public var limitedByPeaks: Bool
        /// `none`, `leftOnly`, `rightOnly` or `invertRight`.
        public var channels: String
        public var silent: Bool
    }
}
