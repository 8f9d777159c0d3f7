import Foundation

/// Test inputs, generated with the ffmpeg CLI from lavfi sources: small and a few seconds long.
enum Fixtures {
    static let sourceTags = [
        "location": "+48.8584+002.2945/", "make": "LecternPhoneMaker", "model": "SecretModel9",
        "title": "Private title",
    ]

    /// 426x240 at 30 fps with a stereo tone, 7 s, source GOP unrelated to ours, location/device tags.
    static func lecture(
        in directory: TemporaryDirectory,
        seconds: Int = 7,
        name: String = "lecture.mp4"
    ) async throws -> String {
        let path = directory.file(name)
        var arguments = [
            "-f", "lavfi", "-i", "testsrc2=s=426x240:r=30:d=\(seconds)",
            "-f", "lavfi", "-i", "sine=f=440:d=\(seconds):sample_rate=48000",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "47", "-c:a", "aac", "-ac", "2",
            "-movflags", "+use_metadata_tags",
        ]
        for (key, value) in sourceTags { arguments += ["-metadata", "\(key)=\(value)"] }
        try await MediaTools.ffmpeg(arguments + [path])
        return path
    }

    static func videoOnly(
        in directory: TemporaryDirectory,
        size: String = "426x240",
        seconds: Double = 3,
        extra: [String] = [],
        name: String = "video.mp4"
    ) async throws -> String {
        let path = directory.file(name)
        try await MediaTools.ffmpeg(
            ["-f", "lavfi", "-i", "testsrc2=s=\(size):r=30:d=\(seconds)", "-c:v", "libx264", "-preset", "ultrafast"]
                + extra + [path]
        )
        return path
    }

    static func audioOnly(
        in directory: TemporaryDirectory,
        layout: String = "stereo",
        seconds: Int = 3,
        name: String = "audio.m4a"
    ) async throws -> String {
        let path = directory.file(name)
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "sine=f=330:d=\(seconds):sample_rate=44100", "-af",
            "aformat=channel_layouts=\(layout)",
            "-c:a", "aac", path,
        ])
        return path
    }

    /// Video with a display matrix asking players to rotate 90° clockwise, as phones record portrait video.
    /// FFmpeg 5.1's CLI cannot write one, so the track header's matrix is patched in place.
    static func rotated(in directory: TemporaryDirectory) async throws -> String {
        let path = directory.file("rotated.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=2", "-c:v", "libx264", "-preset", "ultrafast", path,
        ])
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let box = data.firstRange(of: Data("tkhd".utf8)) else {
            throw MediaTools.Failure(description: "no tkhd box")
        }
        let version = data[box.upperBound]
        // version/flags, times, track id, reserved, duration, reserved(8), layer, group, volume, reserved
        let matrixOffset = box.upperBound + 4 + (version == 1 ? 32 : 20) + 8 + 8
        let matrix: [UInt32] = [0, 0x10000, 0, UInt32(bitPattern: -0x10000), 0, 0, 0, 0, 0x4000_0000]
        for (index, value) in matrix.enumerated() {
            for byte in 0..<4 {
                data[matrixOffset + index * 4 + byte] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(byte)))
            }
        }
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Irregular frame timestamps: random frames dropped and kept as variable frame rate.
    static func variableFrameRate(in directory: TemporaryDirectory) async throws -> String {
        let path = directory.file("vfr.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=30:d=4", "-vf", "select='lt(mod(n\\,7)\\,4)+eq(n\\,119)'",
            "-vsync", "vfr", "-c:v", "libx264", "-preset", "ultrafast", path,
        ])
        return path
    }

    /// 5.1 tone plus video.
    static func surround(in directory: TemporaryDirectory) async throws -> String {
        let path = directory.file("surround.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=3",
            "-f", "lavfi", "-i", "sine=f=440:d=3:sample_rate=48000", "-af", "aformat=channel_layouts=5.1",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", path,
        ])
        return path
    }

    static func interlaced(in directory: TemporaryDirectory) async throws -> String {
        let path = directory.file("interlaced.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=320x240:r=25:d=2", "-c:v", "libx264", "-preset", "ultrafast",
            "-flags", "+ildct+ilme", "-x264-params", "tff=1", "-field_order", "tt", path,
        ])
        return path
    }

    /// Copies `source` and overwrites `count` bytes with garbage at `fraction` of its length.
    static func corrupt(
        _ source: String,
        at fraction: Double,
        count: Int,
        name: String,
        in directory: TemporaryDirectory
    ) throws -> String {
        var data = try Data(contentsOf: URL(fileURLWithPath: source))
        let start = Int(Double(data.count) * fraction)
        for offset in start..<min(data.count, start + count) {
            data[offset] = UInt8(truncatingIfNeeded: offset &* 7919 &+ 13)
        }
        let path = directory.file(name)
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The 4 s lecture with every audio packet's bytes overwritten by garbage (located with ffprobe), so the
    /// container is intact but no audio frame decodes.
    static func garbageAudio(in directory: TemporaryDirectory) async throws -> String {
        let clean = try await lecture(in: directory, seconds: 4, name: "clean.mp4")
        let packets =
            try await MediaTools.probe(clean, ["-select_streams", "a", "-show_entries", "packet=pos,size"])["packets"]
            as? [[String: Any]] ?? []
        var data = try Data(contentsOf: URL(fileURLWithPath: clean))
        var state: UInt32 = 12_345
        for packet in packets {
            guard let position = Int(packet["pos"] as? String ?? ""), let size = Int(packet["size"] as? String ?? "")
            else { continue }
            for offset in position..<position + size {
                state = state &* 1_103_515_245 &+ 12_345
                data[offset] = UInt8(truncatingIfNeeded: state >> 16)
            }
        }
        guard packets.count > 10 else {
            throw MediaTools.Failure(description: "ffprobe listed \(packets.count) audio packets")
        }
        let path = directory.file("garbage-audio.mp4")
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The lecture in Matroska with codec ids FFmpeg does not know (the same length, so the file stays valid):
    /// `A_AAC` → `A_QQQ` for the audio, and with `noVideoCodec` the video's `V_MPEG4/ISO/AVC` → `…/QQQ` as well.
    /// With `audioOnly` the source is the audio-only fixture.
    static func unknownCodecs(
        in directory: TemporaryDirectory,
        noVideoCodec: Bool = false,
        audioOnly: Bool = false
    ) async throws -> String {
        let clean =
            audioOnly
            ? try await self.audioOnly(in: directory) : try await lecture(in: directory, seconds: 3, name: "clean.mp4")
        let mkv = directory.file("clean.mkv")
        try await MediaTools.ffmpeg(["-i", clean, "-c", "copy", mkv])
        var data = try Data(contentsOf: URL(fileURLWithPath: mkv))
        var replacements = [("A_AAC", "A_QQQ")]
        if noVideoCodec { replacements.append(("V_MPEG4/ISO/AVC", "V_MPEG4/ISO/QQQ")) }
        for (old, new) in replacements {
            guard let range = data.firstRange(of: Data(old.utf8)) else {
                throw MediaTools.Failure(description: "no \(old) in the mkv")
            }
            data.replaceSubrange(range, with: Data(new.utf8))
        }
        let path = directory.file(
            noVideoCodec ? "nothing-decodable.mkv" : audioOnly ? "unknown-audio-only.mkv" : "unknown-audio.mkv"
        )
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func truncated(
        _ source: String,
        keeping fraction: Double,
        name: String,
        in directory: TemporaryDirectory
    ) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let path = directory.file(name)
        try data.prefix(Int(Double(data.count) * fraction)).write(to: URL(fileURLWithPath: path))
        return path
    }
}
