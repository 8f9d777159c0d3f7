/// One rung of the H.264 ladder: a picture height and its bit-rate caps (capped CRF).
public struct Rung: Sendable, Equatable, Codable {
    public var height: Int
    /// x264 `maxrate`, bits per second.
    public var maxBitRate: Int
    /// x264 `bufsize`, bits.
    public var bufferSize: Int

    public init(height: Int, maxBitRate: Int, bufferSize: Int? = nil) {
        self.height = height
        self.maxBitRate = maxBitRate
        self.bufferSize = bufferSize ?? maxBitRate * 2
    }

    /// The default caps for a height: the standard rungs' values, or scaled by pixel count from 720p.
    public static func standard(height: Int) -> Rung {
        switch height {
        case 1080: Rung(height: 1080, maxBitRate: 5_000_000)
        case 720: Rung(height: 720, maxBitRate: 2_800_000)
        case 480: Rung(height: 480, maxBitRate: 1_400_000)
        case 360: Rung(height: 360, maxBitRate: 800_000)
        default:
            Rung(height: height, maxBitRate: max(200_000, Int(2_800_000 * Double(height * height) / Double(720 * 720))))
        }
    }
}
