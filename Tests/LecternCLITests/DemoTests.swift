import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// `lectern demo` against a running API and worker, as a newcomer runs it after `make run`.
@Suite("lectern demo") struct DemoTests {
    let transport = CurlTransport()

    @Test func demoUploadsAGeneratedLectureAndWaitsUntilItIsReady() async throws {
        let stack = try await LocalStack(transport: transport)
        let run = try await BuiltProducts.run(
            "lectern",
            [
                "demo", "--api", stack.apiBase, "--secret", stack.secret, "--course", "DEMO101",
                "--seconds", "4", "--size", "480x270", "--timeout", "3m",
            ]
        )
        #expect(
            run.status == 0,
            "stdout: \(run.stdout)\nstderr: \(run.stderr)\nworker: \(stack.worker.output.suffix(3_000))"
        )
        let watch = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("watch: ") })
        let prefix = "watch: \(stack.apiBase)/#/watch/"
        #expect(watch.hasPrefix(prefix), "\(run.stdout)")
        #expect(run.stdout.contains("course: \(stack.apiBase)/#/courses/DEMO101"))
        #expect(run.stdout.contains("ready"))

        let id = String(watch.dropFirst(prefix.count))
        // The playable link it prints carries a playback grant for this lecture, never a token, and plays as it is.
        let hls = try #require(
            run.stdout.split(separator: "\n").first { $0.hasPrefix("hls: ") }.map { String($0.dropFirst(5)) }
        )
        #expect(hls.hasPrefix("\(stack.apiBase)/v1/lectures/\(id)/hls/master.m3u8?grant="), "\(hls)")
        #expect(!hls.contains("access_token"), "\(hls)")
        let master = try await transport.execute(HTTPRequest(method: "GET", url: try #require(URL(string: hls))))
        #expect(master.status == 200)
        #expect(String(decoding: master.body, as: UTF8.self).contains(".m3u8?grant="))
        // The grant opens nothing but playback.
        let grant = String(hls.split(separator: "=", maxSplits: 1)[1])
        #expect(grant.split(separator: ".").count == 2, "a grant, not a JWT (three parts): \(grant)")
        let lecture = try await transport.execute(
            HTTPRequest(
                method: "GET",
                url: try #require(URL(string: "\(stack.apiBase)/v1/lectures/\(id)?grant=\(grant)"))
            )
        )
        #expect(lecture.status == 401)

        let record = try #require(try await stack.store.get(id))
        #expect(record.state == .ready)
        #expect(record.courseId == "DEMO101")
        #expect((record.durationSeconds ?? 0) > 3 && (record.durationSeconds ?? 0) < 5)
    }

    @Test func aLectureThatFailsEndsTheDemoWithTheReason() async throws {
        let stack = try await LocalStack(transport: transport)
        let notVideo = NSTemporaryDirectory() + "lectern-demo-notes-\(UUID().uuidString).mp4"
        try Data(String(repeating: "lecture notes, not a video\n", count: 200).utf8).write(
            to: URL(fileURLWithPath: notVideo)
        )
        defer { try? FileManager.default.removeItem(atPath: notVideo) }
        let run = try await BuiltProducts.run(
            "lectern",
            [
                "demo", "--api", stack.apiBase, "--secret", stack.secret, "--file", notVideo,
                "--timeout", "2m",
            ]
        )
        #expect(run.status != 0)
        // Refused at `complete` by the API's container check (issue #19), before it is queued: the reason is the API's.
        #expect(run.stderr.contains("This file is not a video"), "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(!run.stdout.contains("watch:"))
    }

    @Test func noAPIOrNoSecretFailsClearly() async throws {
        let secret = String(repeating: "z", count: 40)
        let port = try Processes.freePort()
        let down = try await BuiltProducts.run(
            "lectern",
            [
                "demo", "--api", "http://127.0.0.1:\(port)", "--secret", secret, "--seconds", "1",
                "--size", "128x72",
            ]
        )
        #expect(down.status != 0)
        #expect(down.stderr.contains("is the API running"), "\(down.stderr)")

        let noSecret = try await BuiltProducts.run("lectern", ["demo"], removing: ["LECTERN_JWT_SECRET"])
        #expect(noSecret.status != 0)
        #expect(noSecret.stderr.contains("LECTERN_JWT_SECRET"), "\(noSecret.stderr)")
    }
}
