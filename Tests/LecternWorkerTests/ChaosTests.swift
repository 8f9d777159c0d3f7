import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue #13's finding, replayed: lectures go through real `lectern-worker` processes that are SIGKILLed (and every
/// fifth time SIGTERMed) at random, with a short visibility timeout, while the DLQ sweep runs as the API runs it.
/// What it asserts is deterministic — every lecture ends `ready` (published once, its manifest in S3) or `failed`
/// with a reason, and the DLQ holds only lectures that say they failed — only the kill schedule is random (the seed
/// is printed; `CHAOS_SEED` replays it). `make chaos` runs the long version: `CHAOS_LECTURES`, `CHAOS_WORKERS`,
/// `CHAOS_SECONDS`, `CHAOS_KILL_MIN_SECONDS`, `CHAOS_KILL_MAX_SECONDS`.
@Suite("Chaos: workers killed at random") struct ChaosTests {
    static var binary: String? { try? BuiltProducts.executable("lectern-worker") }

    struct Plan: CustomStringConvertible {
        var lectures = 10
        var workers = 2
        var seconds = 30.0
        var killEvery = 0.5...2.0
        var seed = UInt64.random(in: 1...UInt64(UInt32.max))

        static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Plan {
            var plan = Plan()
            func number(_ name: String) -> Double? { environment[name].flatMap(Double.init) }
            if let value = number("CHAOS_LECTURES") { plan.lectures = max(1, Int(value)) }
            if let value = number("CHAOS_WORKERS") { plan.workers = max(2, Int(value)) }
            if let value = number("CHAOS_SECONDS") { plan.seconds = max(1, value) }
            let low = number("CHAOS_KILL_MIN_SECONDS") ?? plan.killEvery.lowerBound
            plan.killEvery =
                max(0.2, low)...max(max(0.2, low), number("CHAOS_KILL_MAX_SECONDS") ?? plan.killEvery.upperBound)
            if let value = environment["CHAOS_SEED"].flatMap(UInt64.init) { plan.seed = value }
            return plan
        }

        var description: String {
            """
            \(lectures) lectures, \(workers) workers, \
            kills every \(killEvery.lowerBound)–\(killEvery.upperBound) s for \(Int(seconds)) s, seed \(seed)
            """
        }
    }

    /// SplitMix64: a seeded generator, so a failing schedule can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A running pool of worker processes; a killed one is replaced at once by a fresh process.
    final class Pool {
        let harness: WorkerHarness
        let binary: String
        private(set) var slots: [WorkerProcessTests.WorkerProcess] = []
        private(set) var everyLog: [String] = []
        /// Replaced processes, kept so a SIGTERMed one drains instead of being SIGKILLed by its deinit.
        private var retired: [WorkerProcessTests.WorkerProcess] = []
        private var started = 0

        init(harness: WorkerHarness, binary: String, size: Int) throws {
            self.harness = harness
            self.binary = binary
            for _ in 0..<size { slots.append(try start()) }
        }

        private func start() throws -> WorkerProcessTests.WorkerProcess {
            started += 1
            // A short grace: a SIGTERMed worker finishes a tiny job or releases it within 2 s. Lectures of 10 s or more
            // are split into 6 s parts (issue #15), so kills also land on parts, plans and stitches.
            var environment = harness.processEnvironment(workerID: "chaos-\(started)", visibility: 4, grace: 2)
            environment["LECTERN_SPLIT_THRESHOLD_SECONDS"] = "10"
            environment["LECTERN_SPLIT_CHUNK_SECONDS"] = "6"
            let process = try WorkerProcessTests.WorkerProcess(binary: binary, environment: environment)
            everyLog.append(process.logPath)
            return process
        }

        func replace(_ index: Int) throws {
            retired.append(slots[index])
            slots[index] = try start()
        }

        func stopAll() async {
            for slot in slots where slot.process.isRunning { kill(slot.process.processIdentifier, SIGTERM) }
            for slot in slots + retired { _ = try? await slot.waitForExit(timeout: .seconds(30)) }
        }
    }

    struct Outcome {
        var ready = 0
        var failed: [String: Int] = [:]
        var stuck: [String] = []
        var publishedTwice: [String] = []
        var missingOutputs: [String] = []
        var deadLettersWithoutAFailedLecture: [String] = []
        var kills = 0
        var terms = 0
        /// Lectures whose encode started more than once: the chaos reached them.
        var interrupted = 0
        var publishesLogged = 0
        /// Lectures encoded in parts, and parts encoded more than once.
        var split = 0
        var partsInterrupted = 0
    }

    @Test(.enabled(if: binary != nil, "build lectern-worker first"), .timeLimit(.minutes(30)))
    func everyLectureEndsReadyOrReadablyFailedWhileWorkersAreKilledAtRandom() async throws {
        let plan = Plan.fromEnvironment()
        print("chaos: \(plan)")
        var random = SeededGenerator(state: plan.seed)
        let harness = try await WorkerHarness.make(
            visibility: 4,
            maxReceiveCount: JobLimits.default.queueMaxReceiveCount
        )
        // 3 s clips to one 144p rendition: a job lasts a second or two here, long enough to be killed mid-way. Every
        // third lecture is 24 s, split into three parts and its sound.
        let clip = try await Clips.lecture(seconds: 3)
        let longClip = try await Clips.lecture(seconds: 24)
        // Uploads arrive spread over the first half of the chaos (two at once at the start), so kills keep finding
        // jobs to interrupt however long the run.
        let pool = try Pool(harness: harness, binary: try #require(Self.binary), size: plan.workers)
        let gap = plan.seconds / 2 / Double(max(1, plan.lectures - 2))
        let uploads = Task {
            var jobs: [JobMessage] = []
            for index in 0..<plan.lectures {
                if index >= 2 { try await Task.sleep(for: .seconds(gap)) }
                jobs.append(try await harness.enqueue(sourcePath: index % 3 == 2 ? longClip : clip, ladder: [144]))
            }
            return jobs
        }
        // The API's DLQ sweeper, as every API task runs it (here every second).
        let sweep = DeadLetterSweep(
            sqs: harness.sqs,
            store: harness.store,
            deadLetterQueueURL: harness.deadLetterQueueURL,
            holdSeconds: 5
        )
        let sweeper = Task {
            while !Task.isCancelled {
                _ = try? await sweep.sweep()
                try? await Task.sleep(for: .seconds(1))
            }
        }

        // Chaos: kill a random worker every few seconds, SIGTERM every fifth time, and start a fresh one in its place.
        var outcome = Outcome()
        let chaosEnds = ContinuousClock.now + .seconds(plan.seconds)
        while ContinuousClock.now < chaosEnds {
            try await Task.sleep(for: .seconds(Double.random(in: plan.killEvery, using: &random)))
            let index = Int.random(in: 0..<plan.workers, using: &random)
            let victim = pool.slots[index]
            let term = (outcome.kills + outcome.terms + 1) % 5 == 0
            kill(victim.process.processIdentifier, term ? SIGTERM : SIGKILL)
            if term { outcome.terms += 1 } else { outcome.kills += 1 }
            try pool.replace(index)
        }

        let jobs = try await uploads.value

        // Then, with the workers left alone, every lecture settles.
        let deadline = ContinuousClock.now + .seconds(90 + plan.seconds / 2)
        var records: [LectureRecord] = []
        while ContinuousClock.now < deadline {
            records = try await jobs.asyncMap { try #require(try await harness.store.get($0.lectureID)) }
            if records.allSatisfy({ $0.state == .ready || $0.state == .failed }) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        // One more sweep after the last change, then look at the DLQ.
        _ = try await sweep.sweep()
        sweeper.cancel()
        await pool.stopAll()
        let letters = try await harness.deadLetters(expecting: Int.max, timeout: .seconds(3))

        records = try await jobs.asyncMap { try #require(try await harness.store.get($0.lectureID)) }
        let publishes = Self.publishCounts(logs: pool.everyLog)
        outcome.publishesLogged = publishes.values.reduce(0, +)
        outcome.interrupted = records.filter { $0.attempts > 1 }.count
        outcome.split = records.filter { $0.split != nil }.count
        outcome.partsInterrupted =
            records.compactMap(\.split).flatMap { $0.chunks.map(\.attempts) + [$0.audio.attempts] }
            .filter { $0 > 1 }.count
        for (job, record) in zip(jobs, records) {
            switch record.state {
            case .ready:
                outcome.ready += 1
                if (publishes[job.lectureID] ?? 0) > 1 { outcome.publishedTwice.append(job.lectureID) }
                let prefix = ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion)
                let keys = try await harness.keys(under: prefix)
                if record.publishedVersion != job.outputVersion || !keys.contains(prefix + "manifest.json") {
                    outcome.missingOutputs.append(job.lectureID)
                }
            case .failed:
                outcome.failed[record.failureReason ?? "(no reason)", default: 0] += 1
            case .awaitingUpload, .queued, .processing:
                outcome.stuck.append("\(job.lectureID) \(record.state.rawValue) attempts \(record.attempts)")
            }
        }
        let failedVersions = Set(zip(jobs, records).filter { $0.1.state == .failed }.map { $0.0.outputVersion })
        for letter in letters {
            let job = try? JobMessage.decode(letter.body)
            if job.map({ !failedVersions.contains($0.outputVersion) }) ?? true {
                outcome.deadLettersWithoutAFailedLecture.append(letter.body)
            }
        }
        print(Self.table(plan: plan, outcome: outcome, deadLetters: letters.count))

        #expect(outcome.stuck.isEmpty, "stuck: \(outcome.stuck)")
        #expect(outcome.publishedTwice.isEmpty)
        #expect(outcome.missingOutputs.isEmpty)
        #expect(outcome.failed["(no reason)"] == nil)
        #expect(outcome.deadLettersWithoutAFailedLecture.isEmpty)
        #expect(outcome.ready + outcome.failed.values.reduce(0, +) == plan.lectures)
        #expect(outcome.kills + outcome.terms > 0)
        #expect(outcome.split == plan.lectures / 3)
    }

    /// "published" log lines per lecture across every worker process that ran (one per completed publish).
    static func publishCounts(logs: [String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for path in logs {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                guard let data = line.data(using: .utf8),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    object["message"] as? String == "published"
                else { continue }
                let lecture =
                    (object["lectureId"] as? String)
                    ?? ((object["metadata"] as? [String: Any])?["lectureId"] as? String) ?? "?"
                counts[lecture, default: 0] += 1
            }
        }
        return counts
    }

    static func table(plan: Plan, outcome: Outcome, deadLetters: Int) -> String {
        var rows: [(String, String)] = [
            ("lectures", "\(plan.lectures)"), ("workers", "\(plan.workers)"), ("seed", "\(plan.seed)"),
            ("SIGKILLs", "\(outcome.kills)"), ("SIGTERMs", "\(outcome.terms)"),
            ("lectures encoded more than once", "\(outcome.interrupted)"),
            ("lectures split into parts", "\(outcome.split)"),
            ("parts encoded more than once", "\(outcome.partsInterrupted)"),
            ("publishes logged", "\(outcome.publishesLogged)"),
            ("ready", "\(outcome.ready)"), ("failed with a reason", "\(outcome.failed.values.reduce(0, +))"),
            ("stuck", "\(outcome.stuck.count)"), ("published twice", "\(outcome.publishedTwice.count)"),
            ("ready without outputs", "\(outcome.missingOutputs.count)"), ("DLQ messages", "\(deadLetters)"),
            ("DLQ messages whose lecture is not failed", "\(outcome.deadLettersWithoutAFailedLecture.count)"),
        ]
        for (reason, count) in outcome.failed.sorted(by: { $0.key < $1.key }) { rows.append(("  \(count) ×", reason)) }
        let width = rows.map(\.0.count).max() ?? 0
        return
            (["chaos: \(plan)"]
            + rows.map { "| " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + " | " + $0.1 })
            .joined(separator: "\n")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        result.reserveCapacity(count)
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
