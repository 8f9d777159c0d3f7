import AWS
import Foundation
import LecternAPI
import LecternCore
import LecternTestSupport
import Testing

/// The portal in Debian's headless Chromium against the real stack (moto, lectern-api, one lectern-worker), driven
/// by selenium from `portal_browser.py`: a professor uploads a generated 30 s clip in parts and sees it become ready;
/// an upload reloaded half way resumes and sends only the missing parts; a student watches (the video plays, the
/// seek bar previews the storyboard); a file that is not a video fails with its reason, is retried and deleted; the
/// pages fit a phone; the console stays free of errors. Screenshots and the processes' logs are kept in
/// `.build/test-artifacts/portal/`.
@Suite("Portal in a browser", .serialized) struct PortalBrowserTests {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    static let artifacts = BuiltProducts.repositoryRoot.appendingPathComponent(".build/test-artifacts/portal")
    /// Every scenario `portal_browser.py` runs, in order, then axe-core's verdict over the states they audited and the
    /// console's. `PORTAL_SCENARIOS=a,b` (for work on one page) runs and expects only those, plus the verdicts.
    static let allScenarios = [
        "upload", "resume", "failure", "watch", "controls", "phone", "captions", "transcript", "caption-editor",
        "upload-wording", "download", "upload-focus", "upload-several", "upload-touch", "course-name", "list-row",
        "edit", "student-markers",
        "professor-notifications", "professor-encoding-words", "caption-language", "watch-not-found",
        "sound-notice", "growing", "chapters", "search",
    ]
    static var scenarios: [String] {
        let wanted = (ProcessInfo.processInfo.environment["PORTAL_SCENARIOS"] ?? "").split(separator: ",").map(
            String.init
        )
        return (wanted.isEmpty ? allScenarios : allScenarios.filter(wanted.contains)) + ["axe", "console"]
    }

    @Test(.timeLimit(.minutes(6))) func professorUploadsAndStudentWatches() async throws {
        // Given: the browser, its driver and selenium, which `make test` installs (scripts/install-deps.sh).
        for tool in [Self.chromium, Self.chromedriver] where !FileManager.default.isExecutableFile(atPath: tool) {
            Issue.record(
                """
                \(tool) is missing: run `make test`, which installs chromium and \
                chromium-driver (scripts/install-deps.sh)
                """
            )
            return
        }
        let folder = try Self.freshArtifactsFolder()
        print("Portal browser test: screenshots and logs in \(folder.path)")
        let probe = try ChildProcess(
            "python3",
            executable: "/usr/bin/env",
            arguments: ["python3", "-c", "import selenium"],
            logPath: folder.appendingPathComponent("selenium-probe.log").path
        )
        guard await probe.wait(timeout: .seconds(30)) == 0 else {
            Issue.record(
                """
                python3 cannot import selenium: run `make test`, which installs it \
                (scripts/install-deps.sh)\n\(probe.output)
                """
            )
            return
        }

        // A 30 s clip at a high bit rate, so it goes up in several 5 MiB parts; a second copy for the resume scenario.
        let clips = FileManager.default.temporaryDirectory.appendingPathComponent(MotoServer.uniqueName("portal-clips"))
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: clips) }
        let clip = clips.appendingPathComponent("week1-lecture.mp4"),
            clip2 = clips.appendingPathComponent("week2-lecture.mp4")
        try await Self.generateClip(clip, log: folder.appendingPathComponent("ffmpeg.log"))
        try FileManager.default.copyItem(at: clip, to: clip2)
        // An MP4 `ftyp` box followed by garbage: it passes both signature checks (browser and API), and the worker
        // fails it (it cannot be decoded), for good: no Retry.
        let broken = clips.appendingPathComponent("broken-recording.mp4")
        try
            (Data([0, 0, 0, 0x18] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("isomiso2".utf8))
            + Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })).write(to: broken)
        // Noise named like a video: nothing in the browser's check rules it out, the API's signature check at
        // `complete` refuses it.
        let noise = clips.appendingPathComponent("week4-noise.mp4")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        try Data(
            (0..<(256 << 10)).map { _ in
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                return UInt8(truncatingIfNeeded: state)
            }
        ).write(to: noise)
        // Lecture notes chosen by mistake: the page refuses them before any lecture exists.
        let notes = clips.appendingPathComponent("week3-notes.txt")
        try Data(String(repeating: "Week 3: entropy and coding. Read chapter 4 before the lecture.\n", count: 50).utf8)
            .write(to: notes)
        let captionFiles = try CaptionFixtures.write(to: clips)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: clip.path)[.size] as? Int64)
        let partCount = Int((size + PortalStack.partBytes - 1) / PortalStack.partBytes)
        try #require(partCount >= 6, "the clip is \(size) bytes: too few parts to show parallel and resumed uploads")

        let stack = try await PortalStack.start(logs: folder)
        let results: [String: Any]
        do {
            // scenarios_students: Grace was last here in 2020, so her first page load starts a new visit and what is
            // ready now is "New" to her (the 30-minute gap between visits cannot be waited out in a browser test).
            try await UserActivityStore(store: stack.store).recordVisit(
                course: stack.course,
                user: "student-grace",
                now: Date(timeIntervalSince1970: 1_577_836_800)
            )
            // When: selenium drives the scenarios.
            var config: [String: Any] = [
                "portal": stack.portalURL.absoluteString, "course": stack.course,
                "professorToken": try await stack.token(.professor, user: "prof-ada", name: "Ada Lovelace"),
                "studentToken": try await stack.token(.student, user: "student-alan", name: "Alan Turing"),
                "markersStudentToken": try await stack.token(.student, user: "student-grace", name: "Grace Hopper"),
                "clip": clip.path, "clip2": clip2.path, "brokenClip": broken.path, "notesFile": notes.path,
                "noiseFile": noise.path, "partCount": partCount,
                "throttleBytesPerSecond": 4 << 20,
                "captionSrt": captionFiles.srt.path, "captionVtt": captionFiles.vtt.path,
                "captionBroken": captionFiles.broken.path,
                "chromium": Self.chromium, "chromedriver": Self.chromedriver,
                "artifacts": folder.path, "results": folder.appendingPathComponent("results.json").path,
            ]
            config.merge(try await ProfessorFixtures.write(stack)) { first, _ in first }
            config.merge(try await GrowingFixtures.write(stack)) { first, _ in first }
            let configPath = folder.appendingPathComponent("config.json")
            try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(
                to: configPath
            )
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "portal_browser.py"
            )
            let selenium = try ChildProcess(
                "selenium",
                executable: "/usr/bin/env",
                arguments: ["python3", "-u", script.path, configPath.path],
                logPath: folder.appendingPathComponent("selenium.log").path
            )
            let status = await selenium.wait(timeout: .seconds(300))
            #expect(
                status == 0,
                "the selenium script failed (status \(status.map(String.init) ?? "timeout")):\n\(selenium.output)"
            )
            let data = try Data(contentsOf: folder.appendingPathComponent("results.json"))
            results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()

        // Then: every scenario passed in the browser…
        for name in Self.scenarios {
            let result = results[name] as? [String: Any]
            print(
                """
                Portal browser test: \(name): \(result?["ok"] as? Bool == true ? "ok" : "FAILED") \
                — \(result?["detail"] as? String ?? "did not run")
                """
            )
            #expect(
                result?["ok"] as? Bool == true,
                "\(name): \(result?["detail"] as? String ?? "did not run") (screenshots and logs in \(folder.path))"
            )
        }
        // …and the table agrees: the uploaded lecture is ready, the resumed one was completed, the broken one is
        // deleted,
        // and nothing else was created.
        let records = try await stack.store.list(course: stack.course).records
        let ranEverything = Self.scenarios.count == Self.allScenarios.count + 2
        #expect(
            !ranEverything || records.count == 2,
            "lectures created: \(records.map { "\($0.title) \($0.state.rawValue)" })"
        )
        if let id = results["lectureId"] as? String {
            let record = try await stack.store.get(id)
            #expect(
                record?.state == .ready && record?.publishedPrefix != nil,
                "lecture \(id) is \(record?.state.rawValue ?? "missing")"
            )
            #expect(record?.sizeBytes == size)
        }
        if let id = results["resumedLectureId"] as? String {
            let record = try await stack.store.get(id)
            #expect(
                record.map { [.queued, .processing, .ready].contains($0.state) } == true,
                "the resumed lecture is \(record?.state.rawValue ?? "missing")"
            )
            #expect(record?.sizeBytes == size)
        }
    }

    static func freshArtifactsFolder() throws -> URL {
        try? FileManager.default.removeItem(at: artifacts)
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        return artifacts
    }

    /// 640×360, 30 fps, constant 10 Mbit/s H.264 (x264 pads to the rate) with AAC: about 38 MB for 30 s.
    static func generateClip(_ output: URL, log: URL) async throws {
        let ffmpeg = try ChildProcess(
            "ffmpeg",
            executable: "/usr/bin/env",
            arguments: [
                "ffmpeg", "-v", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", "30", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "60",
                "-b:v", "10M", "-minrate", "10M", "-maxrate", "10M", "-bufsize", "4M", "-x264-params", "nal-hrd=cbr",
                "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", output.path,
            ],
            logPath: log.path
        )
        let status = await ffmpeg.wait(timeout: .seconds(120))
        guard status == 0 else {
            throw StackError(
                "ffmpeg could not generate the clip (status \(status.map(String.init) ?? "timeout")):\n\(ffmpeg.output)"
            )
        }
    }
}
