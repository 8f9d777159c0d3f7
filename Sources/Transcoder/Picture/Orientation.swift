import CFFmpeg
import Foundation

/// How a source picture must be turned to be shown upright and unmirrored, read from its display matrix: a
/// clockwise rotation by any angle (phones write quarter turns; editors and gimbals write others) and whether the
/// picture is mirrored (front cameras), which the matrix says with a negative determinant.
struct Orientation: Equatable, Sendable {
    /// Clockwise degrees in [0, 360), applied after the mirror.
    var degrees: Double
    /// Flip left-right first.
    var isMirrored: Bool

    static let upright = Orientation(degrees: 0, isMirrored: false)

    /// Angles within this many degrees of a quarter turn are taken as that quarter turn: the matrix is stored in
    /// 16.16 fixed point, so a written 90° reads back a few millionths off, and a lossless transpose beats
    /// resampling the whole picture for a turn nobody could see.
    static let quarterTurnTolerance = 0.5

    /// From FFmpeg's display matrix (row-vector convention, `[x' y'] = [x y] · [[a b] [c d]]`, picture
    /// coordinates with y down). A clockwise turn by φ after a left-right flip is `a = −cos φ, b = −sin φ,
    /// c = −sin φ, d = cos φ`; without the flip `a = cos φ, b = sin φ`. In both `φ = atan2(−c, d)`, and the flip
    /// is the determinant's sign. (`av_display_rotation_get` reads φ from `a` and `b`, which is 180° off for
    /// a mirrored matrix, so it is not used here.)
    init(displayMatrix m: [Int32]) {
        precondition(m.count >= 9)
        let a = Double(m[0]) / 65536, b = Double(m[1]) / 65536
        let c = Double(m[3]) / 65536, d = Double(m[4]) / 65536
        let determinant = a * d - b * c
        guard determinant.isFinite, determinant != 0 else {
            self = .upright
            return
        }
        isMirrored = determinant < 0
        var angle = atan2(-c, d) * 180 / Double.pi
        angle = angle.truncatingRemainder(dividingBy: 360)
        if angle < 0 { angle += 360 }
        let quarter = (angle / 90).rounded() * 90
        degrees =
            abs(angle - quarter) <= Self.quarterTurnTolerance ? quarter.truncatingRemainder(dividingBy: 360) : angle
    }

    init(degrees: Double, isMirrored: Bool) {
        self.degrees = degrees
        self.isMirrored = isMirrored
    }

    /// The stream's orientation; upright when it has no display matrix.
    static func of(_ stream: UnsafeMutablePointer<AVStream>) -> Orientation {
        var matrix = [Int32](repeating: 0, count: 9)
        guard lectern_stream_display_matrix(stream, &matrix) != 0 else { return .upright }
        return Orientation(displayMatrix: matrix)
    }

    var isUpright: Bool { degrees == 0 && !isMirrored }
    private var isQuarterTurn: Bool { degrees.truncatingRemainder(dividingBy: 90) == 0 }

    /// The libavfilter chain that makes a `width`×`height` picture upright, or nil when it already is.
    /// Quarter turns are exact transposes; any other angle goes through `rotate` onto a canvas just large enough
    /// for the whole turned picture (even sides for 4:2:0), filled with black, so nothing is cut off.
    func filters(width: Int, height: Int) -> [String] {
        var filters: [String] = []
        switch (isMirrored, isQuarterTurn ? Int(degrees) : -1) {
        case (false, 0): break
        case (true, 0): filters.append("hflip")
        // Mirrored and half-turned is a top-bottom flip: one pass instead of three.
        case (true, 180): filters.append("vflip")
        case (false, 180): filters.append("hflip,vflip")
        case (let mirrored, 90):
            if mirrored { filters.append("hflip") }
            filters.append("transpose=clock")
        case (let mirrored, 270):
            if mirrored { filters.append("hflip") }
            filters.append("transpose=cclock")
        case (let mirrored, _):
            if mirrored { filters.append("hflip") }
            let size = rotatedSize(width: width, height: height)
            let radians = String(format: "%.9f", degrees * Double.pi / 180)
            filters.append("rotate=a=\(radians):ow=\(size.width):oh=\(size.height):c=black:bilinear=1")
        }
        return filters
    }

    /// The bounding box of a `width`×`height` picture turned by `degrees`, rounded to even sides.
    func rotatedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let radians = degrees * Double.pi / 180
        let c = abs(cos(radians)), s = abs(sin(radians))
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        return (even(Double(width) * c + Double(height) * s), even(Double(width) * s + Double(height) * c))
    }

    /// What the manifest says was done, or nil when the picture was already upright.
    var correction: TranscodeManifest.Correction? {
        guard !isUpright else { return nil }
        let turn = "turned \(Int(degrees.rounded()))° clockwise to stand upright"
        let summary =
            switch (isMirrored, degrees == 0) {
            case (true, true): "Mirrored picture (front camera) flipped back"
            case (true, false): "Mirrored picture (front camera) flipped back and " + turn
            default: "Picture " + turn
            }
        return .init(kind: "rotation", summary: summary)
    }
}
