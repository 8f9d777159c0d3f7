/// What `MediaProbe` found in a file.
public struct MediaInfo: Sendable, Equatable, Codable {
    public var container: String
    /// Seconds; nil when neither the container nor the streams say.
    public var duration: Double?
    public var bitRate: Int64?
    public var streams: [StreamInfo]

    public var video: StreamInfo? { streams.first { $0.kind == .video } }
    public var audio: StreamInfo? { streams.first { $0.kind == .audio } }
}

public struct StreamInfo: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case video, audio, subtitle, data, other }

    public var index: Int
    public var kind: Kind
    public var codec: String
    public var bitRate: Int64?
    public var duration: Double?
    /// Whether this FFmpeg build has a decoder for the codec.
    public var isDecodable: Bool

    // Video
    public var width: Int?
    public var height: Int?
    /// Degrees the picture must be rotated clockwise to display upright (0, 90, 180, 270 from phones; any
    /// whole degree from editors). A mirror is not shown here; the transcoder undoes it too.
    public var rotation: Int?
    /// Pixel aspect ratio as (num, den), 1:1 for square pixels.
    public var sampleAspectRatio: Rational?
    /// Nominal frames per second (the average rate when it is known).
    public var frameRate: Double?
    /// True when the container's base rate and average rate disagree (phones recording VFR).
    public var isVariableFrameRate: Bool?
    public var pixelFormat: String?
    public var isInterlaced: Bool?
    /// Field order as FFmpeg names it (progressive, tt, bb, tb, bt, unknown).
    public var fieldOrder: String?

    // Audio
    public var channels: Int?
    public var channelLayout: String?
    public var sampleRate: Int?
}

public struct Rational: Sendable, Equatable, Codable {
    public var num: Int
    public var den: Int
    public var value: Double { den == 0 ? 0 : Double(num) / Double(den) }
}
