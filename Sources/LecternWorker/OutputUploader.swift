import AWS
import Foundation
import Transcoder

/// Uploads a finished transcode under its version prefix: every listed file (a few at a time), then the manifest
/// last, so a reader that finds the manifest finds every file it names.
struct OutputUploader: Sendable {
    let s3: S3Client
    let bucket: String
    var parallelFiles = 4

    /// Answers the bytes uploaded. `progress` gets (files done, files in all).
    func upload(
        directory: String,
        prefix: String,
        files: [String],
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> Int64 {
        try await upload(
            directory: directory,
            placing: files.map { ($0, prefix + $0) },
            manifestKey: prefix + TranscodeManifest.fileName,
            progress: progress
        )
    }

    /// Uploads each listed file to its own key, then the manifest to `manifestKey` (a split encode's part puts its
    /// segments at their published names and the rest under its chunk prefix: `PartOutputs`).
    func upload(
        directory: String,
        placing files: [(file: String, key: String)],
        manifestKey: String,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) async throws -> Int64 {
        let total = files.count + 1
        var uploaded: Int64 = 0
        try await withThrowingTaskGroup(of: Int64.self) { group in
            var pending = files.makeIterator()
            var running = 0
            var done = 0
            func startNext() {
                guard let placed = pending.next() else { return }
                running += 1
                group.addTask { try await self.put(directory + "/" + placed.file, key: placed.key) }
            }
            for _ in 0..<parallelFiles { startNext() }
            while running > 0, let bytes = try await group.next() {
                running -= 1
                done += 1
                uploaded += bytes
                progress(done, total)
                startNext()
            }
        }
        uploaded += try await put(directory + "/" + TranscodeManifest.fileName, key: manifestKey)
        progress(total, total)
        return uploaded
    }

    private func put(_ path: String, key: String) async throws -> Int64 {
        let result = try await s3.uploadFile(
            path: path,
            bucket: bucket,
            key: key,
            contentType: Self.contentType(of: path)
        )
        return Int64(result.size)
    }

    static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "m3u8": "application/vnd.apple.mpegurl"
        case "m4s": "video/iso.segment"
        case "mp4": "video/mp4"
        case "m4a": "audio/mp4"
        case "jpg", "jpeg": "image/jpeg"
        case "vtt": "text/vtt"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}
