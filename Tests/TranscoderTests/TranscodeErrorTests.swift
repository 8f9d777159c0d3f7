import Testing
import Transcoder

/// `TranscodeError.Kind` became a struct over a private enum (issue #18); what callers read must not change:
/// which kinds are permanent (the worker's retry decision) and the names they print as.
@Suite struct TranscodeErrorTests {
    static let permanent: [TranscodeError.Kind] = [
        .notMedia, .noAudioOrVideo, .unsupportedCodec, .overLimits, .undecodable,
    ]
    static let transient: [TranscodeError.Kind] = [.inputUnavailable, .outputFailure, .internalFailure, .cancelled]

    @Test func onlyProblemsWithTheFileArePermanent() {
        for kind in Self.permanent { #expect(TranscodeError(kind, "x").isPermanent, "\(kind)") }
        for kind in Self.transient { #expect(!TranscodeError(kind, "x").isPermanent, "\(kind)") }
    }

    @Test func kindsAreDistinctAndKeepTheirNames() {
        let all = Self.permanent + Self.transient
        #expect(Set(all).count == all.count)
        #expect(
            all.map(\.description) == [
                "notMedia", "noAudioOrVideo", "unsupportedCodec", "overLimits", "undecodable",
                "inputUnavailable", "outputFailure", "internalFailure", "cancelled",
            ]
        )
        #expect(TranscodeError(.overLimits, "Too long.") == TranscodeError(.overLimits, "Too long."))
        #expect(TranscodeError(.overLimits, "Too long.") != TranscodeError(.notMedia, "Too long."))
        #expect("\(TranscodeError(.overLimits, "Too long."))" == "Too long.")
    }
}
