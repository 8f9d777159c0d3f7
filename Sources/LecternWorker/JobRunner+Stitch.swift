import AWS
import Foundation
import LecternCore
import Logging
import Transcoder

/// The stitch of a split encode (issue #15), run by the worker whose part completed the plan (or by the whole job's
/// next claim when that worker died): it reads only the parts' small files (manifests, playlists, init segments,
/// thumbnails; a few KB each), never a media segment, joins them with `ChunkStitcher` (which checks that every
/// chunk's init segment of a rung is byte-identical and that segment numbers continue), uploads the joined
/// playlists, init segments, poster and manifest, and publishes as a whole encode does — conditional on the
/// lecture's lease, for the plan's output version.
extension JobRunner {
    func stitchAndPublish(
        _ job: JobMessage,
        split: LectureSplit,
        scratch name: String,
        progress: JobProgress,
        logger: Logger
    ) async throws -> JobTimings {
        let configuration = environment.configuration
        let folder = try scratchFolder(name)
        defer { folder.remove() }
        var timings = JobTimings()
        let clock = ContinuousClock()
        var started = clock.now
        progress.update(percent: 95, stage: "stitching")

        var videoChunks: [String] = []
        for index in split.chunks.indices {
            let directory = folder.path + "/chunk-\(index)"
            let outputs = PartOutputs(lectureID: job.lectureID, version: job.outputVersion, part: .video(index))
            try await fetchStitchFiles(outputs, into: directory)
            videoChunks.append(directory)
        }
        // A silent lecture's sound was planned done and never ran.
        var audioChunk: String?
        if split.audio.attempts > 0 {
            let directory = folder.path + "/audio"
            try await fetchStitchFiles(
                PartOutputs(lectureID: job.lectureID, version: job.outputVersion, part: .audio),
                into: directory
            )
            audioChunk = directory
        }
        timings.download = (clock.now - started).seconds

        started = clock.now
        let outputDirectory = folder.path + "/out"
        let prefix = ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion)
        let (s3, bucket, settings) = (environment.s3, configuration.bucket, configuration.rangedRead)
        // The MP4 download is remuxed from the published segments, read in ranges (one GET per segment of the
        // download's rung and of the sound): never a whole rung on this worker's disk but the MP4 itself.
        let manifest = try await ChunkStitcher(
            videoChunks: videoChunks,
            audioChunk: audioChunk,
            outputDirectory: outputDirectory,
            segments: .inPlace { path, bytes in
                S3RangedSource.known(s3: s3, bucket: bucket, key: prefix + path, size: Int64(bytes), settings: settings)
            },
            slideSettings: transcodePlan(ladder: job.ladder).slideSettings
        ).stitchOnItsOwnThread()
        timings.transcode = (clock.now - started).seconds

        started = clock.now
        let written = manifest.files.map(\.path).filter {
            FileManager.default.fileExists(atPath: outputDirectory + "/" + $0)
        }
        let uploaded = try await OutputUploader(s3: environment.s3, bucket: configuration.bucket)
            .upload(directory: outputDirectory, prefix: prefix, files: written) { _, _ in }
        environment.metrics.bytesOut.increment(by: uploaded)
        timings.upload = (clock.now - started).seconds

        try await publish(
            job,
            prefix: prefix,
            manifest: manifest,
            slideLanguage: transcodePlan(ladder: job.ladder).slideTextLanguage,
            progress: progress,
            timings: &timings
        )
        timings.bytesOut = uploaded
        await removePartFiles(job, logger: logger)
        return timings
    }

    /// The parts' stitch-only files (their init segments, playlists, manifests, sheets: ~10 small objects a part)
    /// are read by the stitch and, while the lecture encodes, by the API's growing playlists; once the lecture is
    /// published neither reads them. Best effort: a failure leaves them to the lecture's delete, which removes the
    /// whole rendition prefix. A stitcher that dies before this leaves its part's message, whose next delivery
    /// removes them (`settleUnclaimablePart`).
    func removePartFiles(_ job: JobMessage, logger: Logger) async {
        let prefix = ObjectKeys.partsPrefix(lectureID: job.lectureID, version: job.outputVersion)
        let (s3, bucket) = (environment.s3, environment.configuration.bucket)
        do {
            let keys = try await s3.listAll(bucket: bucket, prefix: prefix).map(\.key)
            if !keys.isEmpty { _ = try await s3.deleteObjects(bucket: bucket, keys: keys) }
        } catch {
            logger.notice("the parts' files stay after publish", metadata: ["error": "\(error)"])
        }
    }

    /// A part's manifest, then every file it placed under its own prefix (what only the stitch reads); for the
    /// sound also its published media playlist, which the stitch measures.
    private func fetchStitchFiles(_ outputs: PartOutputs, into directory: String) async throws {
        let s3 = environment.s3
        let bucket = environment.configuration.bucket
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let manifestPath = directory + "/" + TranscodeManifest.fileName
        do {
            try await s3.getObject(bucket: bucket, key: outputs.manifestKey, toFile: manifestPath)
        } catch let error as AWSError where error.isNotFound {
            throw TranscodeError(
                .chunkMismatch,
                "\(outputs.part) is marked done but its manifest is missing; encode the lecture again."
            )
        }
        guard let data = FileManager.default.contents(atPath: manifestPath),
            let manifest = try? JSONDecoder().decode(TranscodeManifest.self, from: data)
        else {
            throw TranscodeError(.chunkMismatch, "The manifest of \(outputs.part) cannot be read.")
        }
        var wanted = manifest.files.map(\.path).filter { outputs.key(for: $0)?.hasPrefix(outputs.own) == true }
        if let audio = manifest.audio { wanted.append(audio.playlist) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = wanted.makeIterator()
            func startNext() {
                guard let file = pending.next() else { return }
                let key = outputs.part == .audio ? outputs.published + file : outputs.own + file
                let path = directory + "/" + file
                group.addTask {
                    try FileManager.default.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent,
                        withIntermediateDirectories: true
                    )
                    try await s3.getObject(bucket: bucket, key: key, toFile: path)
                }
            }
            for _ in 0..<8 { startNext() }
            while try await group.next() != nil { startNext() }
        }
    }
}
