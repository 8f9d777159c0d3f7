import AWS
import Foundation
import LecternCore
import LecternTestSupport
import LocalPlatform
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `lectern dev workers` with real `lectern-worker` processes against moto. The jobs are malformed messages: each
/// worker takes one, sends it to the dead-letter queue and is idle again, which is all the pool needs to see.
@Suite("lectern dev workers") struct DevWorkersTests {
    let transport = CurlTransport()

    @Test func scalesOutOnBacklogDrainsBackToZeroRestartsTheDeadAndStopsCleanly() async throws {
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: transport)
        let resources = try await LocalBootstrap(
            settings: .init(
                bucket: MotoServer.uniqueName("pool"),
                queue: MotoServer.uniqueName("pool-jobs"),
                deadLetterQueue: MotoServer.uniqueName("pool-dlq"),
                table: MotoServer.uniqueName("pool-lectures"),
                maxReceiveCount: 2
            ),
            context: context
        ).run()
        let sqs = SQSClient(context: context)

        var environment = moto.environment
        for (name, value) in resources.environment { environment[name] = value }
        environment["LECTERN_RECEIVE_WAIT_SECONDS"] = "1"
        environment["LECTERN_MIN_FREE_BYTES"] = "0"
        environment["LECTERN_SHUTDOWN_GRACE_SECONDS"] = "5"
        environment["LECTERN_WORKER_CONCURRENCY"] = "1"
        // A killed worker's message must come back soon, or its "in flight" count would hold the pool up.
        environment["LECTERN_JOB_VISIBILITY_SECONDS"] = "2"
        let scratch = NSTemporaryDirectory() + "lectern-pool-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // Backlog first, so the first look at the queue already wants workers: 3 jobs at 2 per worker is 2 workers.
        for index in 0..<3 { _ = try await sqs.sendMessage(resources.queueURL, body: "not a job \(index)") }
        let pool = try ChildProcess(
            executable: try BuiltProducts.executable("lectern"),
            arguments: [
                "dev", "workers", "--min", "0", "--max", "2", "--interval", "300ms", "--scale-out-cooldown", "1s",
                "--scale-in-cooldown", "4s", "--scratch-dir", scratch, "--worker",
                try BuiltProducts.executable("lectern-worker"),
            ],
            environment: environment,
            inheritEnvironment: false
        )

        let started = try await pool.waitForOutput("two workers", seconds: 20) {
            $0.components(separatedBy: "started worker").count - 1 >= 2
        }
        #expect(started.contains("scaling 0 → 2"))
        let firstPids = Processes.numbers(after: "(pid ", in: started)
        #expect(firstPids.count == 2)

        // A worker killed behind the pool's back is replaced while the pool still wants it.
        let victim = try #require(firstPids.first)
        kill(victim, SIGKILL)
        try await pool.waitForOutput("the restart", seconds: 10) {
            $0.contains("exited unexpectedly") && $0.contains("started worker 3")
        }

        // The jobs end up in the DLQ; with nothing waiting or running the pool scales in to zero, by SIGTERM.
        let drained = try await pool.waitForOutput("scale-in to zero", seconds: 40) {
            $0.contains("→ 0") && $0.components(separatedBy: "drained and exited").count - 1 >= 2
        }
        #expect(drained.contains("SIGTERM, it drains its jobs"))
        let everyWorker = Processes.numbers(after: "(pid ", in: drained)
        #expect(try await Processes.survivors(everyWorker, seconds: 5).isEmpty)
        // Every job is in the DLQ. A copy may be there twice: the killed worker can die between copying a message to
        // the DLQ and deleting it, and its redelivery is copied again (at least once, never lost) — under a loaded
        // CI run the two moto calls are slow enough for the SIGKILL to land between them.
        let deadLetters = try await sqs.drain(resources.deadLetterQueueURL, visibilityTimeout: 300).map(\.body)
        #expect(Set(deadLetters) == Set((0..<3).map { "not a job \($0)" }), "\(deadLetters)")

        // New backlog brings a worker back; SIGINT to the pool stops it and exits 0 with no worker left.
        _ = try await sqs.sendMessage(resources.queueURL, body: "not a job either")
        let again = try await pool.waitForOutput("a new worker", seconds: 15) { $0.contains("started worker 4") }
        let last = Processes.numbers(after: "(pid ", in: again)
        pool.signal(SIGINT)
        #expect(try await pool.waitForExit(seconds: 30) == 0, "\(pool.output)")
        #expect(pool.output.contains("stopped"))
        #expect(try await Processes.survivors(last, seconds: 5).isEmpty, "\(pool.output)")
    }

    @Test func aSigkilledPoolLeavesNoWorkerBehind() async throws {
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: transport)
        let resources = try await LocalBootstrap(
            settings: .init(
                bucket: MotoServer.uniqueName("orphan"),
                queue: MotoServer.uniqueName("orphan-jobs"),
                deadLetterQueue: MotoServer.uniqueName("orphan-dlq"),
                table: MotoServer.uniqueName("orphan-lectures")
            ),
            context: context
        ).run()
        var environment = moto.environment
        for (name, value) in resources.environment { environment[name] = value }
        environment["LECTERN_RECEIVE_WAIT_SECONDS"] = "1"
        environment["LECTERN_MIN_FREE_BYTES"] = "0"
        environment["LECTERN_SHUTDOWN_GRACE_SECONDS"] = "5"
        let scratch = NSTemporaryDirectory() + "lectern-orphans-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // Given a pool holding two idle workers (--min 2),
        let pool = try ChildProcess(
            executable: try BuiltProducts.executable("lectern"),
            arguments: [
                "dev", "workers", "--min", "2", "--max", "2", "--interval", "300ms", "--scratch-dir", scratch,
                "--worker", try BuiltProducts.executable("lectern-worker"),
            ],
            environment: environment,
            inheritEnvironment: false
        )
        let started = try await pool.waitForOutput("two workers", seconds: 20) {
            $0.components(separatedBy: "started worker").count - 1 >= 2
        }
        let workers = Processes.numbers(after: "(pid ", in: started)
        #expect(workers.count == 2)
        #expect(try await Processes.survivors(workers, seconds: 1).count == 2)

        // when the pool is SIGKILLed (no chance to stop them),
        pool.signal(SIGKILL)
        _ = try await pool.waitForExit(seconds: 10)

        // then its workers notice and exit on their own.
        #expect(try await Processes.survivors(workers, seconds: 15).isEmpty)
    }

    @Test(arguments: [
        ["--max", "0"], ["--min", "3", "--max", "2"], ["--max", "2", "--interval", "soon"],
        ["--max", "2", "--worker", "/nonexistent/lectern-worker"],
    ])
    func badArgumentsAreRefused(arguments: [String]) async throws {
        let run = try await BuiltProducts.run(
            "lectern",
            ["dev", "workers"] + arguments,
            environment: ["LECTERN_QUEUE_URL": "http://127.0.0.1:9/q"]
        )
        #expect(run.status != 0)
        #expect(run.stderr.contains("Error"), "\(run.stderr)")
    }

    @Test func noQueueIsNamed() async throws {
        let run = try await BuiltProducts.run(
            "lectern",
            ["dev", "workers", "--max", "1"],
            removing: ["LECTERN_QUEUE_URL"]
        )
        #expect(run.status != 0)
        #expect(run.stderr.contains("LECTERN_QUEUE_URL"), "\(run.stderr)")
    }
}
