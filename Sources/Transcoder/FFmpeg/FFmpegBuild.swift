import CFFmpeg

/// The FFmpeg the transcoder is linked against, as its build names itself (Debian 12: `5.1.9-0+deb12u1`).
///
/// The libraries' own version numbers (`avcodec_version()`, 59.37.100 for all of 5.1) do not move with a point
/// release, yet a point release can change encoded bytes: moving to Debian's 5.1.9 changed every video segment
/// `PinnedOutputTests` pins. The worker logs this at start so an output can be traced to the build that made it.
public enum FFmpegBuild {
    public static var version: String { String(cString: av_version_info()) }
}
