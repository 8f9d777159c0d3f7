import CFFmpeg
import Foundation

@testable import Transcoder

/// Sources for the picture tests (HDR, colour tags, levels, display matrices), made with the ffmpeg CLI, and the
/// readers that check what came out: ffprobe tags, the H.264 VUI (trace_headers), the MP4 `colr` box, signalstats
/// means and raw luma.
enum PictureFixtures {
    enum HDRTransfer: String, CaseIterable, Sendable {
        case hlg = "arib-std-b67"
        case pq = "smpte2084"
    }

    /// x265 10-bit BT.2020 tagged HLG or PQ, as phones record it. `picture` is a lavfi source already in
    /// yuv420p10le (its code values are taken as the HDR signal).
    static func hdr(
        _ transfer: HDRTransfer,
        picture: String = "testsrc2=s=320x180:r=30:d=1,format=yuv420p10le",
        in directory: TemporaryDirectory,
        name: String = "hdr.mp4",
        x265: String = ""
    ) async throws -> String {
        let path = directory.file(name)
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", picture, "-c:v", "libx265", "-pix_fmt", "yuv420p10le",
            "-x265-params",
            "log-level=error:colorprim=bt2020:transfer=\(transfer.rawValue):colormatrix=bt2020nc" + x265,
            "-color_primaries", "bt2020", "-color_trc", transfer.rawValue, "-colorspace", "bt2020nc", path,
        ])
        return path
    }

    /// A left-to-right luma ramp over the HDR signal's useful range: all of HLG (0–100 %), PQ up to 1000 cd/m²
    /// (10-bit code 723), the peak phones master to. Grey (chroma at the centre).
    static func hdrRamp(_ transfer: HDRTransfer, in directory: TemporaryDirectory) async throws -> String {
        let top = transfer == .hlg ? 940 : 723
        return try await hdr(
            transfer,
            picture:
                "color=c=black:s=256x64:r=30:d=0.5,format=yuv420p10le,geq=lum='64+X/(W-1)*\(top - 64)':cb=512:cr=512",
            in: directory,
            name: "ramp.mp4"
        )
    }

    /// An upright picture that shows any turn or mirror: a white top-left quadrant and a grey bar at the top right.
    static let asymmetricPicture =
        """
        color=c=black:s=320x240:r=30:d=1,format=yuv420p,\
        geq=lum='if(lt(X,160)*lt(Y,120),235,if(lt(Y,40)*gt(X,200),128,16))':cb=128:cr=128
        """

    /// H.264 whose track header carries a display matrix made as FFmpeg makes them (`av_display_rotation_set`,
    /// then `av_display_matrix_flip` for a mirror). FFmpeg 5.1's CLI cannot
    /// write one, so the `tkhd` matrix is patched in place (see `Fixtures.rotated`).
    static func displayMatrix(
        angle degrees: Double,
        mirrored: Bool,
        in directory: TemporaryDirectory
    ) async throws -> String {
        let path = directory.file("matrix.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", asymmetricPicture, "-c:v", "libx264", "-preset", "ultrafast", path,
        ])
        var matrix = [Int32](repeating: 0, count: 9)
        av_display_rotation_set(&matrix, degrees)
        if mirrored { av_display_matrix_flip(&matrix, 1, 0) }
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let box = data.firstRange(of: Data("tkhd".utf8)) else { throw MediaTools.Failure(description: "no tkhd") }
        let version = data[box.upperBound]
        let matrixOffset = box.upperBound + 4 + (version == 1 ? 32 : 20) + 8 + 8
        for (index, value) in matrix.enumerated() {
            let bits = UInt32(bitPattern: value)
            for byte in 0..<4 {
                data[matrixOffset + index * 4 + byte] = UInt8(truncatingIfNeeded: bits >> (24 - 8 * UInt32(byte)))
            }
        }
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Readers

    struct Tags: Equatable, CustomStringConvertible {
        var primaries: Int, transfer: Int, matrix: Int, fullRange: Int
        var description: String { "primaries \(primaries) transfer \(transfer) matrix \(matrix) full \(fullRange)" }
    }

    /// The colour description in the first H.264 SPS's VUI, as FFmpeg's trace_headers bitstream filter reads it.
    static func vuiTags(_ path: String) async throws -> Tags? {
        let output = try await MediaTools.run(
            "ffmpeg",
            [
                "-nostdin", "-v", "trace", "-i", path, "-map", "0:v:0", "-c", "copy", "-bsf:v", "trace_headers", "-f",
                "null", "-",
            ]
        )
        var values: [String: Int] = [:]
        for line in output.stderr.split(separator: "\n") {
            for key in [
                "colour_description_present_flag", "colour_primaries", "transfer_characteristics",
                "matrix_coefficients", "video_full_range_flag",
            ] where values[key] == nil {
                let words = line.split(separator: " ")
                if words.contains(Substring(key)), let value = words.last.flatMap({ Int($0) }) { values[key] = value }
            }
        }
        guard values["colour_description_present_flag"] == 1, let p = values["colour_primaries"],
            let t = values["transfer_characteristics"], let m = values["matrix_coefficients"]
        else { return nil }
        return Tags(primaries: p, transfer: t, matrix: m, fullRange: values["video_full_range_flag"] ?? 0)
    }

    /// The `colr` box (`nclx`) of an MP4 or fMP4 init segment, read from its bytes (ffprobe would fall back on
    /// the bitstream's VUI, so it cannot tell the two apart).
    static func colrTags(_ path: String) throws -> Tags? {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let box = data.firstRange(of: Data("colrnclx".utf8)) else { return nil }
        let bytes = Array(data[box.upperBound..<(box.upperBound + 7)])
        func u16(_ at: Int) -> Int { Int(bytes[at]) << 8 | Int(bytes[at + 1]) }
        return Tags(primaries: u16(0), transfer: u16(2), matrix: u16(4), fullRange: Int(bytes[6] >> 7))
    }

    /// Mean Y, U and V over every frame (signalstats).
    static func meanColour(_ path: String, filters: String? = nil) async throws -> (y: Double, u: Double, v: Double) {
        let chain = (filters.map { $0 + "," } ?? "") + "signalstats,metadata=print:file=-"
        let output = try await MediaTools.run(
            "ffmpeg",
            ["-nostdin", "-v", "error", "-i", path, "-vf", chain, "-f", "null", "-"]
        )
        var sums = [String: (Double, Int)]()
        for line in output.text.split(separator: "\n") {
            let parts = line.split(separator: "=")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            let key = String(parts[0])
            guard ["lavfi.signalstats.YAVG", "lavfi.signalstats.UAVG", "lavfi.signalstats.VAVG"].contains(key) else {
                continue
            }
            let sum = sums[key] ?? (0, 0)
            sums[key] = (sum.0 + value, sum.1 + 1)
        }
        func mean(_ key: String) throws -> Double {
            guard let sum = sums["lavfi.signalstats." + key], sum.1 > 0 else {
                throw MediaTools.Failure(description: "no signalstats for \(path): \(output.stderr)")
            }
            return sum.0 / Double(sum.1)
        }
        return (try mean("YAVG"), try mean("UAVG"), try mean("VAVG"))
    }

    /// The first frame's luma, 8-bit, `width`×`height` after `filters`; `autorotate` lets the CLI apply the
    /// display matrix as FFmpeg's own player logic does.
    static func luma(
        _ path: String,
        width: Int,
        height: Int,
        filters: String? = nil,
        autorotate: Bool = false
    ) async throws -> [UInt8] {
        // extractplanes keeps the stored code values (format=gray would expand limited range to full).
        let chain = (filters.map { $0 + "," } ?? "") + "extractplanes=y"
        let output = try await MediaTools.run(
            "ffmpeg",
            ["-nostdin", "-v", "error"] + (autorotate ? [] : ["-noautorotate"])
                + ["-i", path, "-frames:v", "1", "-vf", chain, "-f", "rawvideo", "-"]
        )
        guard output.stdout.count == width * height else {
            throw MediaTools.Failure(
                description: "\(path): \(output.stdout.count) luma bytes, not \(width)x\(height): \(output.stderr)"
            )
        }
        return Array(output.stdout)
    }

    /// Mean absolute difference of two equally sized pictures, in 8-bit levels.
    static func meanDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        precondition(a.count == b.count && !a.isEmpty)
        return Double(zip(a, b).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(a.count)
    }
}
