import AWS
import ArgumentParser
import Foundation
import LecternAPI
import LecternCore

/// `lectern demo`: generates a sample lecture, uploads it through the API as the portal does, waits for it to be
/// ready, checks that its playlists play through their grant links and prints where to watch it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Upload a generated sample lecture through the API and wait until it is ready.",
        discussion: """
            Needs a running API (make run). Signs in with --token, or mints a professor token of --course from \
            --secret or $LECTERN_JWT_SECRET (the API's). When the lecture is ready, plays its HLS playlists as a \
            player would (no token, only the playback grant in the link) and prints that link. Exits non-zero with the \
            reason if the lecture or its playback fails.
            """
    )

    @Option(help: "The API's base URL.")
    var api: String = "http://localhost:8080"

    @Option(help: "A professor token for --course.")
    var token: String?

    @Option(help: "Mint the token with this secret (default: $LECTERN_JWT_SECRET).")
    var secret: String?

    @Option(help: "The course to upload to.")
    var course: String = "DEMO101"

    @Option(help: "Length of the generated clip in seconds.")
    var seconds: Int = 30

    @Option(help: "Frame size of the generated clip, WIDTHxHEIGHT.")
    var size: String = "1280x720"

    @Option(help: "Upload this video instead of generating one.")
    var file: String?

    @Option(
        help:
            """
            Put this address in the minted token's email claim: with LECTERN_NOTIFY_EMAIL=ses the \
            ready (or failed) mail goes there.
            """
    )
    var email: String?

    @Option(help: "Give up waiting for ready after this long.")
    var timeout: DevDuration = DevDuration(seconds: 600)

    func validate() throws {
        if let email, !LectureMailSettings.isPlausibleAddress(email) {
            throw ValidationError("--email \(email) is not an e-mail address")
        }
        if !(1...3_600).contains(seconds) { throw ValidationError("--seconds must be 1…3600") }
        _ = try frameSize()
        guard let url = URL(string: api), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--api must be an http(s) URL, not \(api)")
        }
        if let file, !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("--file \(file) cannot be read")
        }
        if token == nil { _ = try DevSecret.resolve(secret) }
    }

    func frameSize() throws -> (width: Int, height: Int) {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (64...3_840).contains(parts[0]), (64...2_160).contains(parts[1]) else {
            throw ValidationError("--size must be WIDTHxHEIGHT between 64x64 and 3840x2160, not \(size)")
        }
        return (parts[0] & ~1, parts[1] & ~1)
    }

    func run() async throws {
        let bearer: String
        if let token {
            bearer = token
        } else {
            bearer = try await DevTokens.mint(
                secret: try DevSecret.resolve(secret),
                role: .professor,
                user: "demo-professor",
                courses: [course],
                name: "Demo Professor",
                expiresIn: 3_600,
                email: email
            )
        }
        var base = api.hasSuffix("/") ? api : api + "/"
        guard let baseURL = URL(string: base) else { throw ValidationError("bad --api \(api)") }
        base = baseURL.absoluteString
        let client = DemoAPIClient(base: baseURL, token: bearer, transport: CurlTransport())

        let folder = NSTemporaryDirectory() + "lectern-demo-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path: String
        if let file {
            path = file
        } else {
            path = folder + "/sample-lecture.mp4"
            let frame = try frameSize()
            say("generating a \(seconds) s sample lecture (\(frame.width)x\(frame.height)) with ffmpeg…")
            try await DemoClip.make(at: path, seconds: seconds, width: frame.width, height: frame.height)
        }
        let bytes = try (FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0

        let stamp = Date().formatted(.iso8601)
        let created = try await client.call(
            "POST",
            "v1/lectures",
            json: CreateLectureRequest(
                title: "Sample lecture (\(stamp))",
                course: course,
                filename: (path as NSString).lastPathComponent,
                size: bytes,
                contentType: "video/mp4"
            ),
            as: CreateLectureResponse.self
        )
        let id = created.lecture.id
        say("created lecture \(id) in \(course); uploading \(bytes) bytes (\(created.upload.method.rawValue))")
        let completion = try await upload(path: path, size: bytes, lecture: id, plan: created.upload, client: client)
        let accepted = try await client.call(
            "POST",
            "v1/lectures/\(id)/upload/complete",
            json: completion,
            as: JobAccepted.self
        )
        say("upload complete; job \(accepted.jobVersion) queued")

        let lecture = try await waitUntilDone(id, client: client)
        if lecture.state == "failed" {
            throw DemoAPIClient.Failure(
                description: "lecture \(id) failed: \(lecture.failureReason ?? "no reason given")"
            )
        }
        say("ready\(lecture.durationSeconds.map { String(format: " (%.1f s)", $0) } ?? "")")
        if let hls = lecture.playback?.hls {
            let master = try await checkPlayback(hls, client: client)
            // Playable in any HLS player (ffplay, VLC, Safari) until the grant in it expires.
            say("hls: \(master.absoluteString)")
        }
        say("watch: \(base)#/watch/\(id)")
        say("course: \(base)#/courses/\(course)")
    }

    /// Sends the file as the plan says; answers the complete call's body.
    private func upload(
        path: String,
        size: Int64,
        lecture id: String,
        plan: UploadPlan,
        client: DemoAPIClient
    ) async throws -> CompleteUploadRequest {
        switch plan.method {
        case .single:
            guard let url = plan.url else { throw DemoAPIClient.Failure(description: "the upload plan has no URL") }
            _ = try await client.put(file: path, offset: 0, length: size, to: url, headers: plan.headers ?? [:])
            return CompleteUploadRequest()
        case .multipart:
            guard let partSize = plan.partSize, let partCount = plan.partCount, partSize > 0, partCount > 0 else {
                throw DemoAPIClient.Failure(description: "the multipart plan has no part size or count")
            }
            var urls = Dictionary(
                (plan.parts ?? []).map { ($0.partNumber, $0.url) },
                uniquingKeysWith: { first, _ in first }
            )
            var parts: [CompleteUploadRequest.Part] = []
            for number in 1...partCount {
                if urls[number] == nil {
                    // Fetch the next batch (the API hands out at most 100 at a time).
                    let batch = Array(number...min(partCount, number + 99))
                    let more = try await client.call(
                        "POST",
                        "v1/lectures/\(id)/upload/parts",
                        json: PartURLsRequest(partNumbers: batch),
                        as: PartURLsResponse.self
                    )
                    for part in more.parts { urls[part.partNumber] = part.url }
                }
                guard let url = urls[number] else {
                    throw DemoAPIClient.Failure(description: "the API gave no URL for part \(number)")
                }
                let offset = Int64(number - 1) * partSize
                let eTag = try await client.put(
                    file: path,
                    offset: offset,
                    length: min(partSize, size - offset),
                    to: url
                )
                parts.append(.init(partNumber: number, eTag: eTag))
                say("uploaded part \(number)/\(partCount)")
            }
            return CompleteUploadRequest(parts: parts)
        }
    }

    /// Plays the lecture's master playlist and its first variant as a player would, with no token but the grant in the
    /// link; answers the master's absolute URL.
    private func checkPlayback(_ hls: String, client: DemoAPIClient) async throws -> URL {
        guard let master = URL(string: hls, relativeTo: client.base)?.absoluteURL else {
            throw DemoAPIClient.Failure(description: "the lecture's HLS link \(hls) is not a URL")
        }
        let playlist = try await client.fetchAsPlayer(master)
        guard
            let variant = playlist.split(whereSeparator: \.isNewline).first(where: { !$0.hasPrefix("#") && !$0.isEmpty }
            ),
            let variantURL = URL(string: String(variant), relativeTo: master)?.absoluteURL
        else {
            throw DemoAPIClient.Failure(description: "the master playlist lists no variant:\n\(playlist.prefix(500))")
        }
        guard try await client.fetchAsPlayer(variantURL).hasPrefix("#EXTM3U") else {
            throw DemoAPIClient.Failure(description: "the variant playlist \(variantURL.path) is not HLS")
        }
        return master
    }

    /// Polls the lecture, printing each change of state or percent, until it is ready or failed.
    private func waitUntilDone(_ id: String, client: DemoAPIClient) async throws -> LectureView {
        let deadline = ContinuousClock.now + timeout.duration
        var last = ""
        while true {
            let lecture = try await client.call("GET", "v1/lectures/\(id)", as: LectureView.self)
            var line = lecture.state
            if let percent = lecture.progress?.percent { line += String(format: " %.0f%%", percent) }
            if let stage = lecture.progress?.stage { line += " (\(stage))" }
            if lecture.state == "ready" || lecture.state == "failed" { return lecture }
            if line != last {
                say(line)
                last = line
            }
            guard ContinuousClock.now < deadline else {
                throw DemoAPIClient.Failure(
                    description: "lecture \(id) is still \(lecture.state) after \(timeout); are workers running?"
                )
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    /// A line on stdout, written at once (a pipe would otherwise buffer the progress until exit).
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
