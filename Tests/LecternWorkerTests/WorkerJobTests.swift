import AWS
import Foundation
import LecternCore
import LecternTestSupport
import LecternWorker
import Synchronization
import Testing
import Transcoder

/// The worker in-process against moto, with real transcodes of tiny clips.
@Suite("Worker jobs (moto + real transcodes)") struct WorkerJobTests {
    @Test func publishesOutputsThenFlipsTheRecordAndDeletesTheMessage() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(), ladder: [240])
        let logs = LogCapture()
        let worker = harness.startWorker(harness.configuration(), logs: logs)

        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await worker.stop()

        let prefix = ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion)
        #expect(record.publishedVersion == job.outputVersion)
        #expect(record.publishedPrefix == prefix)
        #expect(record.attempts == 1)
        #expect(record.progressPercent == 100)
        #expect(record.leaseExpiresAt == nil)
        let duration = try #require(record.durationSeconds)
        #expect(abs(duration - 3) < 0.5)

        // Every file the manifest names is under the version prefix, and so is the manifest.
        let keys = try await harness.keys(under: prefix)
        let manifestObject = try await harness.s3.getObject(
            bucket: harness.bucket,
            key: prefix + TranscodeManifest.fileName
        )
        let manifest = try JSONDecoder().decode(TranscodeManifest.self, from: manifestObject.body)
        #expect(!manifest.files.isEmpty)
        #expect(keys == Set(manifest.files.map { prefix + $0.path } + [prefix + TranscodeManifest.fileName]))
        #expect(keys.contains(prefix + Transcoder.Paths.master))
        #expect(manifest.video.map(\.height) == [240])
        #expect(harness.scratchEntries().isEmpty)
        #expect(try await harness.messageCount(harness.deadLetterQueueURL) == 0)
        let metrics = await worker.worker.metrics.exposition()
        #expect(metricValue(metrics, "lectern_worker_jobs_succeeded_total") == 1)
        #expect(metricValue(metrics, "lectern_worker_bytes_out_total") ?? 0 > 0)
        #expect(metricValue(metrics, "lectern_worker_bytes_in_total") ?? 0 > 0)
        // The log lines of the job carry its lecture id.
        let published = logs.all.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
        .filter { $0["message"] == "published" }
        #expect(published.count == 1)
        #expect(published.first?["lectureId"] == job.lectureID)
    }

    @Test func duplicateDeliveriesAreNeitherEncodedNorPublishedTwice() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture(), ladder: [240])
        // The download takes 3 s, so the copy sent below arrives while the first delivery is being worked on.
        let slow = InterceptingTransport(base: CurlTransport()) { request in
            if request.method == "GET", request.url.path.contains("/uploads/") {
                try await Task.sleep(for: .seconds(3))
            }
        }
        // Visibility 6 s (lease 5 s, a heartbeat every 2 s), not 3: under parallel load on 2 cores a heartbeat came
        // late enough for the lease to lapse and the copy to claim the job again (attempts 2).
        let worker = harness.startWorker(
            harness.configuration(visibility: 6, concurrency: 2),
            context: harness.moto.context(transport: slow)
        )
        // Sent only once the job is claimed: moto (unlike DynamoDB) does not apply conditional writes atomically, so
        // two claims at the same instant could both pass there.
        try await harness.waitForRecord(job.lectureID) { $0.state == .processing }
        try await harness.sqs.sendMessage(harness.queueURL, body: job.encoded())

        let ready = try await harness.waitForRecord(job.lectureID) { $0.state == .ready }
        try await harness.waitForEmptyQueue(timeout: .seconds(30))
        // A copy arriving after publication is deleted as well.
        try await harness.sqs.sendMessage(harness.queueURL, body: job.encoded())
        try await harness.waitForEmptyQueue(timeout: .seconds(30))
        try await worker.stop()

        let record = try #require(try await harness.store.get(job.lectureID))
        #expect(record.attempts == 1)
        #expect(record.updatedAt == ready.updatedAt)
        let metrics = await worker.worker.metrics.exposition()
        #expect(metricValue(metrics, "lectern_worker_jobs_succeeded_total") == 1)
        #expect(metricValue(metrics, "lectern_worker_duplicates_skipped_total") ?? 0 >= 2)
        #expect(try await harness.messageCount(harness.deadLetterQueueURL) == 0)
    }

    @Test func aMessageForASupersededVersionIsDeletedWithoutEncoding() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        // The lecture was re-enqueued with a newer version before this message was received.
        try await harness.store.dynamo.updateItem(
            table: harness.table,
            key: ["lectureId": .s(job.lectureID)],
            update: "SET jobVersion = :newer",
            values: [":newer": .s("v-newer")]
        )
        let worker = harness.startWorker(harness.configuration())
        try await harness.waitForEmptyQueue()
        try await worker.stop()

        let record = try #require(try await harness.store.get(job.lectureID))
        #expect(record.state == .queued)
        #expect(record.attempts == 0)
        #expect(try await harness.keys(under: "renditions/").isEmpty)
    }

    @Test func aMessageThatOvertakesItsRecordWaitsForIt() async throws {
        let harness = try await WorkerHarness.make(maxReceiveCount: 10)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        // As if the message arrived before the API's write moving the record to queued.
        try await harness.store.dynamo.updateItem(
            table: harness.table,
            key: ["lectureId": .s(job.lectureID)],
            update: "SET #state = :waiting",
            names: ["#state": "state"],
            values: [":waiting": .s(LectureState.awaitingUpload.rawValue)]
        )
        let worker = harness.startWorker(harness.configuration())
        try await Task.sleep(for: .seconds(2))
        #expect(try await harness.store.get(job.lectureID)?.state == .awaitingUpload)

        try await harness.store.transition(job.lectureID, from: [.awaitingUpload], to: .queued)
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(30)) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.attempts == 1)
    }

    @Test func aJobWithoutARecordFailsToTheDLQ() async throws {
        let harness = try await WorkerHarness.make()
        let orphan = JobMessage(
            lectureID: "lec_missing",
            sourceKey: "uploads/lec_missing/source",
            outputVersion: "v1",
            ladder: [240]
        )
        try await harness.sqs.sendMessage(harness.queueURL, body: orphan.encoded())
        let worker = harness.startWorker(harness.configuration())
        let letters = try await harness.deadLetters(expecting: 1)
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(letters.first?.body == orphan.encoded())
        #expect(
            letters.first?.messageAttributes["FailureReason"]?.stringValue?.contains("record does not exist") == true
        )
    }

    @Test func aFileThatIsNotMediaFailsOnceWithAReasonAndGoesToTheDLQ() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try Clips.textFile())
        let worker = harness.startWorker(harness.configuration())

        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .failed }
        let letters = try await harness.deadLetters(expecting: 1)
        try await harness.waitForEmptyQueue()
        try await worker.stop()

        #expect(record.attempts == 1)
        let reason = try #require(record.failureReason)
        #expect(!reason.isEmpty)
        // The same file fails the same way: no retry is offered.
        #expect(record.failureRetryable == false)
        #expect(letters.count == 1)
        #expect(letters.first?.body == job.encoded())
        #expect(letters.first?.messageAttributes["FailureReason"]?.stringValue == reason)
        #expect(letters.first?.messageAttributes["LectureId"]?.stringValue == job.lectureID)
        #expect(harness.scratchEntries().isEmpty)
        #expect(
            try await harness.keys(
                under: ObjectKeys.renditionPrefix(lectureID: job.lectureID, version: job.outputVersion)
            ).isEmpty
        )
    }

    @Test func malformedAndUnknownVersionMessagesGoToTheDLQWithTheirReason() async throws {
        let harness = try await WorkerHarness.make()
        try await harness.sqs.sendMessage(harness.queueURL, body: "this is not json")
        let future =
            #"""
            {"schemaVersion":99,"lectureID":"lec_x","sourceKey":"uploads/lec_x/source","outputVersion":"v1",\#
            "ladder":[240],"enqueuedAt":"2026-01-01T00:00:00Z"}
            """#
        try await harness.sqs.sendMessage(harness.queueURL, body: future)
        let worker = harness.startWorker(harness.configuration())

        let letters = try await harness.deadLetters(expecting: 2)
        try await harness.waitForEmptyQueue()
        try await worker.stop()

        let reasons = Dictionary(
            uniqueKeysWithValues: letters.map { ($0.body, $0.messageAttributes["FailureReason"]?.stringValue ?? "") }
        )
        #expect(reasons.count == 2)
        #expect(reasons["this is not json"]?.contains("malformed") == true)
        #expect(reasons[future]?.contains("version 99") == true)
    }

    @Test func aMissingSourceIsRetriedAndCompletesOnceItAppears() async throws {
        let harness = try await WorkerHarness.make(maxReceiveCount: 5)
        let clip = try await Clips.lecture()
        let job = try await harness.enqueue(sourcePath: nil)
        let worker = harness.startWorker(harness.configuration())

        // The first attempt finds no source and puts the job back to wait for a retry.
        let waiting = try await harness.waitForRecord(job.lectureID) { $0.attempts >= 1 && $0.state == .queued }
        #expect(waiting.progressStage == "retrying")
        try await harness.uploadSource(clip, lectureID: job.lectureID)

        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.attempts >= 2)
        #expect(record.failureReason == nil)
        #expect(try await harness.messageCount(harness.deadLetterQueueURL) == 0)
    }

    @Test func aSourceThatNeverAppearsGivesUpAfterMaxReceiveCount() async throws {
        let harness = try await WorkerHarness.make(maxReceiveCount: 2)
        let job = try await harness.enqueue(sourcePath: nil)
        let worker = harness.startWorker(harness.configuration())

        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .failed }
        // The redrive policy, not the worker, moves the message on its next receive.
        let letters = try await harness.deadLetters(expecting: 1, timeout: .seconds(20))
        try await worker.stop()
        #expect(record.attempts == 2)
        #expect(record.failureReason?.hasPrefix("Gave up after 2 attempts") == true)
        // Transient trouble: a later retry may succeed.
        #expect(record.failureRetryable == nil)
        #expect(letters.map(\.body) == [job.encoded()])
    }

    @Test func withoutARedrivePolicyTheWorkerGivesUpAndCopiesToTheConfiguredDLQ() async throws {
        let harness = try await WorkerHarness.make(maxReceiveCount: nil)
        let job = try await harness.enqueue(sourcePath: nil)
        var configuration = harness.configuration()
        configuration.deadLetterQueueURL = harness.deadLetterQueueURL
        configuration.maxEncodeAttempts = 2
        let worker = harness.startWorker(configuration)

        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .failed }
        let letters = try await harness.deadLetters(expecting: 1)
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.attempts == 2)
        #expect(record.failureReason?.hasPrefix("Gave up after 2 attempts") == true)
        #expect(letters.first?.body == job.encoded())
        #expect(letters.first?.messageAttributes["FailureReason"]?.stringValue == record.failureReason)
    }

    @Test func failingS3CallsAreRetriedUntilTheJobCompletes() async throws {
        let harness = try await WorkerHarness.make(maxReceiveCount: 5)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        // The first 12 S3 requests fail as broken connections: more than the client's own retries absorb, so the
        // job itself fails transiently before the connection "recovers".
        let failures = Counter()
        let flaky = InterceptingTransport(base: CurlTransport()) { request in
            if InterceptingTransport.isS3(request), failures.next() <= 12 {
                throw HTTPTransportError(kind: .connectionBroken, message: "injected", url: request.url.absoluteString)
            }
        }
        // Five attempts (the default is three, see JobLimits): each failed attempt burns one.
        var configuration = harness.configuration()
        configuration.maxEncodeAttempts = 5
        let worker = harness.startWorker(configuration, context: harness.moto.context(transport: flaky))

        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(90)) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.attempts >= 2)
        #expect(failures.value > 12)
    }

    @Test func anS3EndpointThatDropsConnectionsForAWhileDelaysButDoesNotLoseTheJob() async throws {
        let harness = try await WorkerHarness.make(maxReceiveCount: 10)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        let proxy = try FlakyProxy(upstreamPort: try #require(harness.moto.endpoint.port), dropping: true)
        let proxied = URL(string: "http://127.0.0.1:\(proxy.port)")!
        let configuration = AWSConfiguration(
            region: harness.moto.region,
            endpoint: harness.moto.endpoint,
            serviceEndpoints: [.s3: proxied]
        )
        let context = AWSContext(
            configuration: configuration,
            transport: CurlTransport(),
            credentials: StaticCredentialProvider(harness.moto.credentials)
        )
        let worker = harness.startWorker(harness.configuration(), context: context)

        // While S3 is unreachable the job goes back to wait for a retry, more than once.
        try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) {
            $0.attempts >= 2 && $0.state == .queued
        }
        proxy.pass()
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(60)) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await worker.stop()
        #expect(record.publishedVersion == job.outputVersion)
        #expect(try await harness.messageCount(harness.deadLetterQueueURL) == 0)
        #expect(harness.scratchEntries().isEmpty)
    }

    @Test func aJobLongerThanTheVisibilityTimeoutIsNotDeliveredTwice() async throws {
        // Runs in make test's serial step: among the parallel suites a moto round trip outlasted the margin a heartbeat
        // every third of the visibility leaves, even at 5 s (the job came back, attempts 2).
        let visibility = 2
        let harness = try await WorkerHarness.make(visibility: visibility)
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        // The source download takes three times the queue's visibility timeout.
        let slow = InterceptingTransport(base: CurlTransport()) { request in
            if request.method == "GET", request.url.path.contains("/uploads/") {
                try await Task.sleep(for: .seconds(3 * visibility))
            }
        }
        let context = harness.moto.context(transport: slow)
        let first = harness.startWorker(harness.configuration(visibility: visibility), context: context)
        let second = harness.startWorker(harness.configuration(visibility: visibility), context: context)

        let record = try await harness.waitForRecord(job.lectureID) { $0.state == .ready }
        try await harness.waitForEmptyQueue()
        try await first.stop()
        try await second.stop()
        #expect(record.attempts == 1)
        for worker in [first, second] {
            let metrics = await worker.worker.metrics.exposition()
            #expect(metricValue(metrics, "lectern_worker_duplicates_skipped_total") == 0)
        }
    }

    @Test func aWorkerWhoseLeaseWasTakenOverStopsWithoutPublishing() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        let slow = InterceptingTransport(base: CurlTransport()) { request in
            if request.method == "GET", request.url.path.contains("/uploads/") {
                try await Task.sleep(for: .seconds(4))
            }
        }
        let logs = LogCapture()
        let worker = harness.startWorker(
            harness.configuration(workerID: "slowpoke"),
            context: harness.moto.context(transport: slow),
            logs: logs
        )
        try await harness.waitForRecord(job.lectureID) { $0.workerId == "slowpoke" }

        // Another worker claims as if the lease had lapsed (its clock an hour ahead).
        try await harness.store.claim(
            job.lectureID,
            version: job.outputVersion,
            workerID: "thief",
            leaseSeconds: 7_200,
            now: Date().addingTimeInterval(3_600)
        )
        try await Task.sleep(for: .seconds(6))
        try await worker.stop()

        let record = try #require(try await harness.store.get(job.lectureID))
        #expect(record.state == .processing)
        #expect(record.workerId == "thief")
        #expect(logs.all.contains { $0.contains("another worker took over") })
        // The message was left alone for its new holder: not deleted, not released.
        #expect(try await harness.messageCount(harness.queueURL) == 1)
        #expect(try await harness.keys(under: "renditions/").isEmpty)
    }

    @Test func shutdownLetsARunningJobFinishWithinTheGrace() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        let slow = InterceptingTransport(base: CurlTransport()) { request in
            if request.method == "GET", request.url.path.contains("/uploads/") {
                try await Task.sleep(for: .seconds(2))
            }
        }
        let worker = harness.startWorker(
            harness.configuration(grace: .seconds(25)),
            context: harness.moto.context(transport: slow)
        )
        try await harness.waitForRecord(job.lectureID) { $0.progressStage == "downloading" }

        try await worker.stop()
        // run() returned only after the job was published and its message deleted.
        #expect(try await harness.store.get(job.lectureID)?.state == .ready)
        #expect(try await harness.messageCount(harness.queueURL) == 0)
        #expect(await worker.worker.jobsInFlight == 0)
    }

    @Test func shutdownPastTheGraceReleasesTheJobForAnotherWorker() async throws {
        let harness = try await WorkerHarness.make()
        let job = try await harness.enqueue(sourcePath: try await Clips.lecture())
        let slow = InterceptingTransport(base: CurlTransport()) { request in
            if request.method == "GET", request.url.path.contains("/uploads/") {
                try await Task.sleep(for: .seconds(30))
            }
        }
        let first = harness.startWorker(
            harness.configuration(visibility: 30, grace: .milliseconds(500)),
            context: harness.moto.context(transport: slow)
        )
        try await harness.waitForRecord(job.lectureID) { $0.progressStage == "downloading" }

        let stopped = ContinuousClock.now
        try await first.stop()
        #expect(ContinuousClock.now - stopped < .seconds(10))
        let released = try #require(try await harness.store.get(job.lectureID))
        #expect(released.state == .queued)
        #expect(released.workerId == nil)
        #expect(harness.scratchEntries().isEmpty)

        // Visible again at once (the queue's own timeout is 30 s): a second worker finishes it.
        let second = harness.startWorker(harness.configuration(visibility: 30))
        let record = try await harness.waitForRecord(job.lectureID, timeout: .seconds(20)) { $0.state == .ready }
        try await second.stop()
        #expect(record.attempts == 2)
    }

    @Test func anIdleWorkerStopsPromptlyDuringALongPoll() async throws {
        let harness = try await WorkerHarness.make()
        var configuration = harness.configuration()
        configuration.receiveWaitSeconds = 20
        let worker = harness.startWorker(configuration)
        try await Task.sleep(for: .seconds(1))
        let stopped = ContinuousClock.now
        try await worker.stop()
        #expect(ContinuousClock.now - stopped < .seconds(5))
    }
}

/// The value of an unlabelled metric in Prometheus text.
func metricValue(_ text: String, _ name: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
        return Double(line.dropFirst(name.count + 1))
    }
    return nil
}

/// A thread-safe counter for intercepting transports.
final class Counter: Sendable {
    private let count = Mutex(0)
    func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }
    var value: Int { count.withLock { $0 } }
}
