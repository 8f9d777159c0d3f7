import Foundation
import LecternTestSupport

/// The ffmpeg/ffprobe CLIs and Python's m3u8 package, used only as independent makers and readers of
/// media in tests (the code under test never runs them).
enum MediaTools {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Output {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a tool to completion through `ChildProcess.run`, which awaits its exit without holding a thread of the
    /// cooperative pool (the pool has one thread per core, two here; a synchronous wait held one for seconds per
    /// clip and stalled unrelated tests, which kept TranscoderTests out of the parallel step).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> Output {
        let result = try await ChildProcess.run(executable, arguments)
        return Output(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }

    /// Runs `ffmpeg -y -v error ARGS` and fails loudly if it fails.
    static func ffmpeg(_ arguments: [String]) async throws {
        let output = try await run("ffmpeg", ["-nostdin", "-y", "-v", "error"] + arguments)
        guard output.status == 0 else {
            throw Failure(description: "ffmpeg \(arguments.joined(separator: " ")): \(output.stderr)")
        }
    }

    /// `ffprobe -of json` with the given arguments, decoded as a dictionary.
    static func probe(_ path: String, _ arguments: [String]) async throws -> [String: Any] {
        let output = try await run("ffprobe", ["-v", "error", "-of", "json"] + arguments + [path])
        guard output.status == 0, let json = try JSONSerialization.jsonObject(with: output.stdout) as? [String: Any]
        else {
            throw Failure(description: "ffprobe \(path): \(output.stderr)")
        }
        return json
    }

    static func streams(_ path: String) async throws -> [[String: Any]] {
        try await probe(path, ["-show_streams"])["streams"] as? [[String: Any]] ?? []
    }

    static func formatTags(_ path: String) async throws -> [String: String] {
        let format = try await probe(path, ["-show_format"])["format"] as? [String: Any]
        return format?["tags"] as? [String: String] ?? [:]
    }

    static func duration(_ path: String) async throws -> Double {
        let format = try await probe(path, ["-show_format"])["format"] as? [String: Any]
        return Double(format?["duration"] as? String ?? "") ?? -1
    }

    /// Presentation times (seconds, sorted) of every video picture in a file.
    static func frameTimes(_ path: String) async throws -> [Double] {
        let packets =
            try await probe(path, ["-select_streams", "v:0", "-show_entries", "packet=pts_time"])["packets"]
            as? [[String: Any]] ?? []
        return packets.compactMap { Double($0["pts_time"] as? String ?? "") }.sorted()
    }

    /// Presentation times of the video keyframes in a file.
    static func keyframeTimes(_ path: String) async throws -> [Double] {
        let packets =
            try await probe(path, ["-select_streams", "v:0", "-show_entries", "packet=pts_time,flags"])["packets"]
            as? [[String: Any]] ?? []
        return packets.filter { ($0["flags"] as? String ?? "").hasPrefix("K") }.compactMap {
            Double($0["pts_time"] as? String ?? "")
        }.sorted()
    }

    /// Decodes a whole file; returns ffmpeg's error output (empty when every frame decoded cleanly).
    static func decodeErrors(_ path: String) async throws -> String {
        let output = try await run("ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-f", "null", "-"])
        return output.status == 0 ? output.stderr : "exit \(output.status): \(output.stderr)"
    }

    static func sha256(_ path: String) async throws -> String {
        let output = try await run("sha256sum", [path])
        return String(output.text.prefix(64))
    }

    /// Parses a master playlist and its media playlists with Python's m3u8 package.
    static func parseHLS(master path: String) async throws -> HLSDescription {
        let script = """
            import json, sys, m3u8, os
            master = m3u8.load(sys.argv[1])
            base = os.path.dirname(sys.argv[1])
            def media(uri):
                p = m3u8.load(os.path.join(base, uri))
                return {"init": p.segment_map[0].uri if p.segment_map else None,
                        "segments": [{"uri": s.uri, "duration": s.duration} for s in p.segments],
                        "endlist": p.is_endlist, "type": p.playlist_type}
            out = {"variants": [], "media": []}
            for v in master.playlists:
                si = v.stream_info
                out["variants"].append({"uri": v.uri, "bandwidth": si.bandwidth, "average": si.average_bandwidth,
                    "resolution": list(si.resolution) if si.resolution else None, "codecs": si.codecs,
                    "frame_rate": si.frame_rate, "audio": si.audio, "playlist": media(v.uri)})
            for m in master.media:
                out["media"].append({"type": m.type, "group": m.group_id, "uri": m.uri, "playlist": \
            media(m.uri) if m.uri else None})
            print(json.dumps(out))
            """
        let output = try await run("python3", ["-c", script, path])
        guard output.status == 0 else { throw Failure(description: "m3u8 could not parse \(path): \(output.stderr)") }
        return try JSONDecoder().decode(HLSDescription.self, from: output.stdout)
    }
}

struct HLSDescription: Decodable {
    struct MediaPlaylist: Decodable {
        struct Segment: Decodable {
            var uri: String
            var duration: Double
        }
        var `init`: String?
        var segments: [Segment]
        var endlist: Bool
        var type: String?
        var duration: Double { segments.reduce(0) { $0 + $1.duration } }
    }

    struct Variant: Decodable {
        var uri: String
        var bandwidth: Int
        var average: Int?
        var resolution: [Int]?
        var codecs: String?
        var frame_rate: Double?
        var audio: String?
        var playlist: MediaPlaylist
    }

    struct Media: Decodable {
        var type: String
        var group: String?
        var uri: String?
        var playlist: MediaPlaylist?
    }

    var variants: [Variant]
    var media: [Media]
}

/// A scratch directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "lectern-transcoder-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
