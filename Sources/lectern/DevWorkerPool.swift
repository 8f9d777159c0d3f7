import AWS
import Foundation
import LecternCore
import LocalPlatform

/// The process side of `lectern dev workers`: each interval it observes the queue and the workers, asks
/// `WorkerPoolPlanner` (the deployment's `ScalingPolicy`) what to do, and starts or SIGTERMs `lectern-worker`s.
actor DevWorkerPool {
    struct Settings: Sendable {
        var executable: String
        var queueURL: String
        var planner: WorkerPoolPlanner
        var interval: Duration
        var environment: [String: String]
        var scratchRoot: String
        var logDirectory: String?
        /// How long a worker may take to drain after SIGTERM before it is killed (its own grace plus a margin).
        var stopTimeout: Duration
    }

    private let settings: Settings
    private let sqs: SQSClient
    private let transport: any HTTPTransport
    private var members: [Int: DevWorkerProcess] = [:]
    private var draining: [Int: DevWorkerProcess] = [:]
    private var size = 0
    private var lastChange = ContinuousClock.now
    private var nextID = 1

    init(settings: Settings, sqs: SQSClient, transport: any HTTPTransport) {
        self.settings = settings
        self.sqs = sqs
        self.transport = transport
    }

    nonisolated func log(_ message: String) {
        let stamp = Date().formatted(.iso8601)
        FileHandle.standardError.write(Data("\(stamp) lectern dev workers: \(message)\n".utf8))
    }

    /// Runs until the task is cancelled, then stops every worker and waits for them.
    func run() async {
        log(
            """
            supervising \(settings.executable) for \(settings.queueURL): min \
            \(settings.planner.policy.minWorkers), max \(settings.planner.policy.maxWorkers), \
            \(settings.planner.policy.targetBacklogPerWorker) jobs per worker, \
            cooldowns out \(settings.planner.policy.scaleOutCooldownSeconds)s / in \
            \(settings.planner.policy.scaleInCooldownSeconds)s
            """
        )
        while !Task.isCancelled {
            await tick()
            do { try await Task.sleep(for: settings.interval) } catch { break }
        }
        await stopAll()
    }

    private func tick() async {
        reap()
        let counts: (visible: Int, inFlight: Int)
        do {
            let attributes = try await sqs.queueAttributes(
                settings.queueURL,
                names: [
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ]
            )
            counts = (
                attributes.approximateNumberOfMessages ?? 0, attributes.approximateNumberOfMessagesNotVisible ?? 0
            )
        } catch {
            // Without the queue's counts keep the size, but still replace workers that died.
            log("could not read the queue's attributes (\(error)); keeping \(size) worker(s)")
            startWorkers(max(0, size - members.count))
            return
        }
        var observed: [WorkerPoolPlanner.Member] = []
        for (id, worker) in members.sorted(by: { $0.key < $1.key }) {
            observed.append(.init(id: id, jobsRunning: await jobsRunning(worker)))
        }
        let seconds = Int((ContinuousClock.now - lastChange).components.seconds)
        let decision = settings.planner.decide(
            size: size,
            members: observed,
            visible: counts.visible,
            inFlight: counts.inFlight,
            secondsSinceLastChange: seconds
        )
        if decision.changed {
            log("scaling \(size) → \(decision.size) (\(counts.visible) waiting, \(counts.inFlight) in flight)")
            size = decision.size
            lastChange = .now
        }
        for id in decision.stop {
            guard let worker = members.removeValue(forKey: id) else { continue }
            let load = observed.first { $0.id == id }?.jobsRunning.map { "\($0) job(s) running" } ?? "load unknown"
            log("stopping worker \(id) (pid \(worker.pid), \(load)): SIGTERM, it drains its jobs")
            worker.send(SIGTERM)
            draining[id] = worker
        }
        startWorkers(decision.start)
    }

    /// Forgets workers that exited: drained ones quietly, others with a log line (the next decision replaces them).
    private func reap() {
        for (id, worker) in members {
            guard let status = worker.exitStatus else { continue }
            members[id] = nil
            log("worker \(id) (pid \(worker.pid)) exited unexpectedly with status \(status); restarting it")
        }
        for (id, worker) in draining {
            guard let status = worker.exitStatus else { continue }
            draining[id] = nil
            log("worker \(id) (pid \(worker.pid)) drained and exited (status \(status))")
        }
    }

    private func startWorkers(_ count: Int) {
        for _ in 0..<count {
            let id = nextID
            nextID += 1
            do {
                let worker = try DevWorkerProcess(
                    id: id,
                    executable: settings.executable,
                    environment: settings.environment,
                    scratchRoot: settings.scratchRoot,
                    logDirectory: settings.logDirectory
                )
                members[id] = worker
                log("started worker \(id) (pid \(worker.pid), metrics on 127.0.0.1:\(worker.metricsPort))")
            } catch {
                log("could not start worker \(id): \(error)")
            }
        }
    }

    /// The worker's jobs-running gauge, or nil if its metrics do not answer within a second.
    private func jobsRunning(_ worker: DevWorkerProcess) async -> Int? {
        guard let url = URL(string: "http://127.0.0.1:\(worker.metricsPort)/metrics") else { return nil }
        let request = HTTPRequest(
            method: "GET",
            url: url,
            timeouts: HTTPTimeouts(connect: .seconds(1), total: .seconds(1))
        )
        guard let response = try? await transport.execute(request), response.status == 200 else { return nil }
        return PrometheusText.value(
            of: PrometheusText.jobsRunningMetric,
            in: String(decoding: response.body, as: UTF8.self)
        )
        .map { Int($0.rounded()) }
    }

    /// SIGTERM to every worker, then wait for all of them (killing any that outlive `stopTimeout`).
    private func stopAll() async {
        for (id, worker) in members { draining[id] = worker }
        members = [:]
        guard !draining.isEmpty else {
            log("stopped (no workers running)")
            return
        }
        log("stopping \(draining.count) worker(s): SIGTERM, waiting for them to drain")
        for worker in draining.values { worker.send(SIGTERM) }
        let deadline = ContinuousClock.now + settings.stopTimeout
        while draining.values.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        for (id, worker) in draining.sorted(by: { $0.key < $1.key }) {
            if worker.isRunning {
                log("worker \(id) (pid \(worker.pid)) did not stop in time; killing it")
                worker.send(SIGKILL)
                while worker.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
            } else {
                log("worker \(id) (pid \(worker.pid)) exited (status \(worker.exitStatus ?? -1))")
            }
        }
        draining = [:]
        log("stopped")
    }
}
