import Foundation
import Synchronization

/// A snapshot of a running transcode, delivered a few times per second.
public struct TranscodeProgress: Sendable, Equatable {
    /// 0…1 of the source duration processed by the slowest output.
    public var fraction: Double
    /// Pictures of the source the top rung got through per second of wall time (0 for audio-only): still pictures
    /// left out (`StillPictureThinning`) count, so it compares with the source's frame rate.
    public var framesPerSecond: Double
    /// Estimated seconds remaining; nil until it can be estimated.
    public var estimatedSecondsRemaining: Double?
    public var elapsedSeconds: Double
}

/// Turns per-frame notifications from the stage threads into throttled progress callbacks.
final class ProgressReporter: Sendable {
    private struct State {
        var videoTime: Double = 0
        var audioTime: Double = 0
        var frames = 0
        var lastReport: Double = -1
    }

    private let state = Mutex(State())
    private let start = Date()
    private let duration: Double?
    private let tracksVideo: Bool
    private let tracksAudio: Bool
    private let callback: @Sendable (TranscodeProgress) -> Void

    init(
        duration: Double?,
        tracksVideo: Bool,
        tracksAudio: Bool,
        callback: @escaping @Sendable (TranscodeProgress) -> Void
    ) {
        self.duration = duration
        self.tracksVideo = tracksVideo
        self.tracksAudio = tracksAudio
        self.callback = callback
    }

    /// The top rung encoded the picture at `time`, the `picture`-th of the output rate's (0 first).
    func videoFrameEncoded(at time: Double, picture: Int) {
        report {
            $0.videoTime = time
            $0.frames = max($0.frames, picture + 1)
        }
    }

    func audioEncoded(upTo time: Double) {
        report { $0.audioTime = time }
    }

    func finished() {
        let snapshot = state.withLock { $0 }
        callback(
            TranscodeProgress(
                fraction: 1,
                framesPerSecond: fps(snapshot.frames),
                estimatedSecondsRemaining: 0,
                elapsedSeconds: elapsed
            )
        )
    }

    private var elapsed: Double { Date().timeIntervalSince(start) }
    private func fps(_ frames: Int) -> Double { elapsed > 0 ? Double(frames) / elapsed : 0 }

    private func report(_ update: (inout State) -> Void) {
        let now = elapsed
        let snapshot: State? = state.withLock { state in
            update(&state)
            guard now - state.lastReport >= 0.25 else { return nil }
            state.lastReport = now
            return state
        }
        guard let snapshot else { return }
        var done =
            [tracksVideo ? snapshot.videoTime : nil, tracksAudio ? snapshot.audioTime : nil].compactMap { $0 }.min()
            ?? 0
        done = max(0, done)
        var fraction = 0.0
        if let duration, duration > 0 { fraction = min(0.99, done / duration) }
        let remaining: Double? = fraction > 0.01 ? now * (1 - fraction) / fraction : nil
        callback(
            TranscodeProgress(
                fraction: fraction,
                framesPerSecond: fps(snapshot.frames),
                estimatedSecondsRemaining: remaining,
                elapsedSeconds: now
            )
        )
    }
}
