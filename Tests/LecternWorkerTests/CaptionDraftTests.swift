import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Logging
import Synchronization
import Testing

@testable import LecternWorker

/// Automatic caption drafts against moto's Transcribe (which fakes job status and file locations, not the
/// transcript: the tests write the VTT where Transcribe would), with moto's SQS, S3 and DynamoDB.
@Suite("Caption drafts (moto Transcribe)") struct CaptionDraftTests {
    /// A VTT as Transcribe writes it with `Subtitles: {Formats: [vtt], OutputStartIndex: 1}`: the header, a blank
    /// line, then numbered cues with millisecond timings, one blank line between cues.
    static let transcribeVTT = """
        WEBVTT

        1
        00:00:00.000 --> 00:00:02.500
        Welcome to the second lecture

        2
        00:00:02.500 --> 00:00:05.120
        on relational databases.

        """

    final class RecordingImporter: MachineCaptionImporter {
        let drafts = Mutex<[MachineCaptionDraft]>([])
        var all: [MachineCaptionDraft] { drafts.withLock { $0 } }
        func importDraft(_ draft: MachineCaptionDraft) async throws {
            try await KeepDraftInBucket().importDraft(draft)
            drafts.withLock { $0.append(draft) }
        }
    }

    struct World {
        let harness: WorkerHarness
        let importer = RecordingImporter()

        static func make() async throws -> World { World(harness: try await WorkerHarness.make(visibility: 30)) }

        func runner(
            settings: CaptionDraftSettings = CaptionDraftSettings(
                engine: .transcribe,
                languages: ["en-US", "de-DE"],
                maxWaitSeconds: 600,
                firstPollSeconds: 0
            ),
            transcribe: TranscribeClient? = nil
        ) -> CaptionDraftRunner {
            CaptionDraftRunner(
                settings: settings,
                transcribe: transcribe ?? TranscribeClient(context: harness.context),
                sqs: harness.sqs,
                s3: harness.s3,
                store: harness.store,
                queueURL: harness.queueURL,
                bucket: harness.bucket,
                importer: importer,
                logger: Logger(label: "caption-draft-test"),
                retryBaseDelaySeconds: 1,
                maxRetryDelaySeconds: 1
            )
        }

        /// A lecture published on its version, as the worker leaves it, with the MP4 Transcribe would read.
        func publishedLecture() async throws -> (id: String, version: String) {
            let (id, version) = try await harness.createQueuedRecord()
            _ = try await harness.store.claim(id, version: version, workerID: "w", leaseSeconds: 60)
            try await harness.store.publish(
                id,
                version: version,
                prefix: ObjectKeys.renditionPrefix(lectureID: id, version: version),
                durationSeconds: 5,
                workerID: "w"
            )
            try await harness.s3.putObject(
                bucket: harness.bucket,
                key: CaptionDraftRunner.mediaKey(lectureID: id, version: version),
                data: Data("not really an mp4: moto never reads it".utf8)
            )
            return (id, version)
        }

        /// Writes the VTT where Transcribe writes subtitles for our OutputKey (`…/transcribe.json` →
        /// `…/transcribe.vtt`).
        func writeTranscribeOutput(
            _ id: String,
            _ version: String,
            vtt: String = CaptionDraftTests.transcribeVTT
        ) async throws {
            let key = ObjectKeys.captionsPrefix(lectureID: id, version: version) + "transcribe.vtt"
            try await harness.s3.putObject(
                bucket: harness.bucket,
                key: key,
                data: Data(vtt.utf8),
                contentType: "text/vtt"
            )
        }

        /// Receives the next draft message (waiting for delayed ones) and hands it to `runner`; nil when none came.
        func step(
            _ runner: CaptionDraftRunner,
            visibility: Int = 30,
            now: Date = Date()
        ) async throws -> CaptionDraftRunner.Outcome? {
            guard let message = try await nextDraftMessage(visibility: visibility) else { return nil }
            guard case .success(let draft)? = CaptionDraftMessage.decodeIfDraft(message.body) else {
                throw HarnessError("not a draft message: \(message.body)")
            }
            return await runner.handle(message, draft: draft, now: now)
        }

        func nextDraftMessage(visibility: Int = 30) async throws -> SQSMessage? {
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                if let message = try await harness.sqs.receiveMessages(
                    harness.queueURL,
                    waitTimeSeconds: 1,
                    visibilityTimeout: visibility
                ).first {
                    return message
                }
            }
            return nil
        }

        func draft(_ id: String) async throws -> CaptionDraft? { try await harness.store.get(id)?.captionDraft }
    }

    @Test func startPollUntilCompletedThenImportsTheVTTAsAMachineTrack() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        let runner = world.runner()
        await runner.begin(lectureID: id, version: version)
        #expect(try await world.draft(id)?.state == .pending)

        #expect(try await world.step(runner) == .started)
        let running = try #require(try await world.draft(id))
        #expect(running.state == .running)
        #expect(running.jobName == "lectern-\(id)-\(version)")
        // moto: the first get answers QUEUED, the second IN_PROGRESS... then COMPLETED with the subtitle URI.
        try await world.writeTranscribeOutput(id, version)
        var outcomes: [CaptionDraftRunner.Outcome] = []
        while let outcome = try await world.step(runner) {
            outcomes.append(outcome)
            if outcome == .ready || outcomes.count > 5 { break }
        }
        #expect(outcomes.last == .ready)
        #expect(outcomes.dropLast().allSatisfy { if case .stillRunning = $0 { true } else { false } })

        let ready = try #require(try await world.draft(id))
        #expect(ready.state == .ready)
        #expect(ready.detail == CaptionDraftWords.ready)
        #expect(ready.language == "en-US")
        #expect(ready.vttKey == ObjectKeys.captionsPrefix(lectureID: id, version: version) + "transcribe.vtt")
        let imported = try #require(world.importer.all.first)
        #expect(world.importer.all.count == 1)
        #expect(imported.vtt == Self.transcribeVTT)
        #expect(imported.label == "English (automatic)")
        #expect(imported.lectureID == id && imported.version == version)
        // The job is cleaned up in Transcribe, the queue holds nothing more, the lecture is untouched.
        await #expect(throws: AWSError.self) {
            _ = try await TranscribeClient(context: world.harness.context).transcriptionJob(named: running.jobName!)
        }
        #expect(try await world.harness.messageCount(world.harness.queueURL) == 0)
        let record = try #require(try await world.harness.store.get(id))
        #expect(record.state == .ready && record.publishedVersion == version)
    }

    @Test func aPollLostWithItsWorkerIsDeliveredAgainAndAnotherWorkerFinishesTheDraft() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        await world.runner().begin(lectureID: id, version: version)
        #expect(try await world.step(world.runner()) == .started)
        try await world.writeTranscribeOutput(id, version)

        // A worker receives the first poll and is killed before doing anything: nothing is deleted or sent.
        let lost = try #require(try await world.nextDraftMessage(visibility: 2))
        #expect(CaptionDraftMessage.decodeIfDraft(lost.body) != nil)

        // A fresh worker (a new runner: nothing carried over in memory) gets the same poll once it is visible again.
        let restarted = world.runner()
        var last: CaptionDraftRunner.Outcome?
        for _ in 0..<6 {
            last = try await world.step(restarted)
            if last == .ready { break }
        }
        #expect(last == .ready)
        #expect(try await world.draft(id)?.state == .ready)
        #expect(world.importer.all.count == 1)
    }

    @Test func aDuplicatePollAfterTheDraftIsReadyIsDroppedWithoutASecondImport() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        let runner = world.runner()
        await runner.begin(lectureID: id, version: version)
        _ = try await world.step(runner)
        try await world.writeTranscribeOutput(id, version)
        while let outcome = try await world.step(runner), outcome != .ready {}
        try await world.harness.sqs.sendMessage(
            world.harness.queueURL,
            body: CaptionDraftMessage(lectureID: id, outputVersion: version, step: .poll, polls: 3).encoded()
        )
        #expect(try await world.step(runner) == .dropped)
        #expect(world.importer.all.count == 1)
        #expect(try await world.harness.messageCount(world.harness.queueURL) == 0)
    }

    @Test func aDraftPastItsDeadlineFailsWithWordsAndTheJobIsNotPolledAgain() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        let runner = world.runner(
            settings: CaptionDraftSettings(engine: .transcribe, maxWaitSeconds: 600, firstPollSeconds: 0)
        )
        await runner.begin(lectureID: id, version: version)
        _ = try await world.step(runner)
        // The poll arrives after the draft's bounded wait (as if Transcribe had stayed IN_PROGRESS for 601 s).
        let outcome = try await world.step(runner, now: Date().addingTimeInterval(601))
        #expect(outcome == .failed(CaptionDraftWords.timedOut))
        let draft = try #require(try await world.draft(id))
        #expect(draft.state == .failed && draft.detail == CaptionDraftWords.timedOut)
        #expect(try await world.harness.messageCount(world.harness.queueURL) == 0)
        #expect(world.importer.all.isEmpty)
    }

    @Test func aDraftWhoseMessagesWereAllLostReadsAsFailedAfterItsDeadline() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        await world.runner(settings: CaptionDraftSettings(engine: .transcribe, maxWaitSeconds: 60)).begin(
            lectureID: id,
            version: version
        )
        // The start message is lost (purged, or taken to the DLQ by a worker that predates drafts).
        let lost = try #require(try await world.nextDraftMessage())
        try await world.harness.sqs.deleteMessage(world.harness.queueURL, receiptHandle: lost.receiptHandle)
        let draft = try #require(try await world.draft(id))
        #expect(draft.effective(now: Date()).state == .pending)
        #expect(draft.effective(now: Date().addingTimeInterval(60 + 121)) == (.failed, CaptionDraftWords.timedOut))
    }

    @Test func aFailedTranscribeJobFailsTheDraftWithTranscribesReason() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        // moto never fails a job: this Transcribe answers as the real one does for a FAILED job; the rest is moto.
        let transcribe = fakeTranscribe(world.harness) { target in
            target == "Transcribe.GetTranscriptionJob"
                ? (
                    200,
                    #"""
                    {"TranscriptionJob":{"TranscriptionJobName":"lectern-\#(id)-\#(version)",\#
                    "TranscriptionJobStatus":"FAILED","FailureReason":"The media file has no audio. \#
                    Check that it has sound and try again.","CreationTime":1733333333.1}}
                    """#
                )
                : (200, "{}")
        }
        let runner = world.runner(transcribe: transcribe)
        await runner.begin(lectureID: id, version: version)
        #expect(try await world.step(runner) == .started)
        guard case .failed(let words)? = try await world.step(runner) else {
            Issue.record("the draft did not fail")
            return
        }
        #expect(words.contains("The media file has no audio"))
        #expect(words.hasPrefix("Automatic captions could not be drafted"))
        let record = try #require(try await world.harness.store.get(id))
        #expect(record.captionDraft?.state == .failed)
        #expect(record.state == .ready && record.failureReason == nil)
    }

    @Test func aFileThatIsNotWebVTTFailsTheDraftWithWords() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        let runner = world.runner()
        await runner.begin(lectureID: id, version: version)
        _ = try await world.step(runner)
        try await world.writeTranscribeOutput(id, version, vtt: "<html>AccessDenied</html>")
        var last: CaptionDraftRunner.Outcome?
        for _ in 0..<5 {
            last = try await world.step(runner)
            if case .failed = last { break }
        }
        #expect(last == .failed(CaptionDraftWords.failed("the speech service's file is not WebVTT.")))
        #expect(world.importer.all.isEmpty)
    }

    @Test func anOlderVersionsDraftCannotOverwriteTheNewerOne() async throws {
        let world = try await World.make()
        let (id, version) = try await world.publishedLecture()
        let runner = world.runner()
        await runner.begin(lectureID: id, version: version)
        _ = try await world.step(runner)  // started, a poll for `version` is queued
        // The lecture is re-encoded and published on a new version before that poll is handled.
        let newer = ObjectKeys.newOutputVersion()
        _ = try await world.harness.store.transition(
            id,
            from: [.ready],
            to: .queued,
            changes: ["jobVersion": .s(newer)]
        )
        _ = try await world.harness.store.claim(id, version: newer, workerID: "w2", leaseSeconds: 60)
        try await world.harness.store.publish(
            id,
            version: newer,
            prefix: ObjectKeys.renditionPrefix(lectureID: id, version: newer),
            durationSeconds: 5,
            workerID: "w2"
        )
        await runner.begin(lectureID: id, version: newer)
        // The old version's poll is dropped; the newer draft stays pending, then starts.
        var outcomes: [CaptionDraftRunner.Outcome] = []
        for _ in 0..<2 { if let outcome = try await world.step(runner) { outcomes.append(outcome) } }
        #expect(outcomes.contains(.dropped))
        #expect(outcomes.contains(.started))
        let draft = try #require(try await world.draft(id))
        #expect(draft.version == newer && draft.state == .running)
        // And a write for the old version does not apply.
        var stale = draft
        stale.version = version
        stale.state = .ready
        await #expect(throws: LectureStore.Conflict.self) {
            try await world.harness.store.updateCaptionDraft(id, to: stale, from: [.pending, .running])
        }
    }

    @Test func aTranscribeOutageFailsOnlyTheDraftAndNeverDelaysReady() async throws {
        let world = try await World.make()
        let storm = Mutex(0)
        let transcribe = fakeTranscribe(world.harness) { _ in
            storm.withLock { $0 += 1 }
            return (503, #"{"__type":"ServiceUnavailableException","Message":"Service unavailable"}"#)
        }
        // A real worker: encode, publish, then the draft. Transcribe answers nothing but 503.
        let job = try await world.harness.enqueue(sourcePath: try await Clips.lecture(), ladder: [240])
        let logs = LogCapture()
        let logger = Logger(label: "test-worker") { label in JSONLogHandler(label: label) { line in logs.append(line) }
        }
        let worker = Worker(
            configuration: world.harness.configuration(),
            context: world.harness.context,
            logger: logger,
            // 5 s: more receives than the harness queue's redrive limit (3) fit in it, so a retry that hid the same
            // message again would have sent the draft to the DLQ instead of failing it.
            captions: CaptionDraftSettings(engine: .transcribe, maxWaitSeconds: 5, firstPollSeconds: 0),
            captionImporter: world.importer,
            transcribe: transcribe
        )
        let task = Task { try await worker.run() }
        defer { task.cancel() }

        let ready = try await world.harness.waitForRecord(job.lectureID) { $0.state == .ready }
        #expect(ready.failureReason == nil)
        let failed: LectureRecord
        do {
            failed = try await world.harness.waitForRecord(job.lectureID, timeout: .seconds(60)) {
                $0.captionDraft?.state == .failed
            }
        } catch {
            Issue.record("worker log:\n\(logs.all.joined(separator: "\n"))")
            throw error
        }
        await worker.shutdown()
        try await task.value
        #expect(storm.withLock { $0 } > 0)
        #expect(failed.state == .ready && failed.publishedVersion == job.outputVersion && failed.failureReason == nil)
        #expect(
            failed.captionDraft?.detail == CaptionDraftWords.failed("the speech service did not answer in time.")
                || failed.captionDraft?.detail == CaptionDraftWords.timedOut
        )
        #expect(try await world.harness.messageCount(world.harness.deadLetterQueueURL) == 0)
    }

    @Test func theLectureIsReadyBeforeAnyTranscribeCallAndAHangingTranscribeDoesNotHoldItBack() async throws {
        let world = try await World.make()
        let store = world.harness.store
        let firstCallSawReady = Mutex<Bool?>(nil)
        // A Transcribe that never answers; on its first request it notes whether the lecture was already ready.
        let transport = FakeTransport { request in
            if let id = firstCallLecture(request) {
                let ready = try? await store.get(id)?.state == .ready
                firstCallSawReady.withLock { if $0 == nil { $0 = ready ?? false } }
            }
            try await Task.sleep(for: .seconds(3_600))
            throw CancellationError()
        }
        let transcribe = TranscribeClient(
            client: AWSServiceClient(
                service: .transcribe,
                configuration: world.harness.context.configuration,
                transport: transport,
                credentials: world.harness.context.credentials
            )
        )
        let job = try await world.harness.enqueue(sourcePath: try await Clips.lecture(), ladder: [240])
        let worker = Worker(
            configuration: world.harness.configuration(grace: .seconds(1)),
            context: world.harness.context,
            captions: CaptionDraftSettings(engine: .transcribe, maxWaitSeconds: 600, firstPollSeconds: 0),
            captionImporter: world.importer,
            transcribe: transcribe
        )
        let task = Task { try await worker.run() }

        let ready = try await world.harness.waitForRecord(job.lectureID) { $0.state == .ready }
        #expect(ready.failureReason == nil)
        // The draft began (pending) and its start is stuck in the hanging call; the lecture does not wait for it.
        _ = try await world.harness.waitForRecord(job.lectureID) { $0.captionDraft?.state == .pending }
        let deadline = ContinuousClock.now + .seconds(20)
        while firstCallSawReady.withLock({ $0 }) == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        await worker.shutdown()
        try await task.value
        #expect(firstCallSawReady.withLock { $0 } == true)
    }

    /// A Transcribe client whose answers come from `answer` (by X-Amz-Target), retrying fast.
    func fakeTranscribe(
        _ harness: WorkerHarness,
        answer: @escaping @Sendable (String) -> (Int, String)
    ) -> TranscribeClient {
        let transport = FakeTransport { request in
            let (status, body) = answer(request.headers["X-Amz-Target"] ?? "")
            return HTTPResponse(status: status, body: Data(body.utf8))
        }
        return TranscribeClient(
            client: AWSServiceClient(
                service: .transcribe,
                configuration: harness.context.configuration,
                transport: transport,
                credentials: harness.context.credentials,
                retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(5))
            )
        )
    }
}

/// The lecture id in a StartTranscriptionJob body (`lectern-<lecture>-<version>`), for tests that look inside.
private func firstCallLecture(_ request: HTTPRequest) -> String? {
    guard case .data(let data) = request.body,
        let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let name = body["TranscriptionJobName"] as? String, name.hasPrefix("lectern-")
    else { return nil }
    let rest = name.dropFirst("lectern-".count)
    return rest.split(separator: "-").first.map(String.init)
}
