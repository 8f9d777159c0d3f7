import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Testing

/// The outcome mail against moto's DynamoDB and SES (signatures checked): who gets it, what it says as moto records
/// it, once per outcome and job version, and never at the lecture's expense.
///
/// moto applies a conditional update without a lock, so two claims arriving at the same instant can both pass there
/// (DynamoDB itself is atomic per item); duplicate deliveries are therefore tested one after the other, which is what
/// the condition decides.
@Suite("Outcome e-mail through SES (moto)") struct OutcomeNotifierTests {
    static let portal = "https://lectern.uni.example"

    struct World {
        let moto: MotoServer
        let store: LectureStore
        let sender: String
        let notifier: LectureOutcomeNotifier
    }

    func makeWorld(ses: SESClient? = nil) async throws -> World {
        let moto = try await MotoServer.shared()
        let context = moto.context(transport: CurlTransport())
        let store = LectureStore(dynamo: DynamoDBClient(context: context), table: MotoServer.uniqueName("lectures"))
        try await store.ensureTable()
        let sender = MotoServer.uniqueAddress("lectern")
        let client = SESClient(context: context)
        try await client.createEmailIdentity(sender)
        let notifier = LectureOutcomeNotifier(
            settings: .ses(from: sender, portalURL: Self.portal),
            ses: ses ?? client,
            store: store
        )
        return World(moto: moto, store: store, sender: sender, notifier: notifier)
    }

    /// A lecture in `state` on job version `version`, uploaded by `email`.
    func lecture(
        _ world: World,
        state: LectureState,
        version: String = "v1-aaaa",
        email: String?,
        reason: String? = nil
    ) async throws -> LectureRecord {
        let id = ObjectKeys.newLectureID()
        var record = LectureRecord(
            lectureId: id,
            courseId: "CS101",
            ownerId: "prof-1",
            title: "Week 3: Induction",
            filename: "w3.mp4",
            contentType: "video/mp4",
            sizeBytes: 1_000,
            sourceKey: ObjectKeys.source(lectureID: id),
            state: state
        )
        record.jobVersion = version
        record.uploaderEmail = email
        record.failureReason = reason
        try await world.store.create(record)
        return record
    }

    @Test func theUploaderGetsTheReadyMailOnceHoweverOftenThePublishIsDelivered() async throws {
        let world = try await makeWorld()
        try await CourseStore(world.store).put(CourseSettings(courseId: "CS101", name: "Discrete Mathematics"))
        let professor = MotoServer.uniqueAddress()
        let record = try await lecture(world, state: .ready, email: professor)

        let first = await world.notifier.notify(.ready, record: record)
        let second = await world.notifier.notify(.ready, record: record)

        guard case .sent(let messageID) = first else {
            Issue.record("first delivery: \(first)")
            return
        }
        #expect(second == .alreadyClaimed)
        let sent = try await world.moto.sentEmails(to: professor)
        #expect(sent.count == 1)
        let mail = try #require(sent.first)
        #expect(mail.id == messageID)
        #expect(mail.source == world.sender)
        #expect(mail.to == [professor])
        #expect(mail.subject == "Ready: Week 3: Induction")
        #expect(
            mail.body.contains("<strong>Week 3: Induction</strong> in Discrete Mathematics is ready for your students")
        )
        #expect(mail.body.contains("href=\"https://lectern.uni.example/#/watch/\(record.lectureId)\""))
        let stored = try #require(try await world.store.get(record.lectureId))
        #expect(
            stored.outcomeMail
                == OutcomeMail(
                    outcome: .ready,
                    version: "v1-aaaa",
                    state: .sent,
                    detail: messageID,
                    updatedAt: try #require(stored.outcomeMail?.updatedAt)
                )
        )
        #expect(stored.state == .ready)
    }

    @Test func aWorkerKilledBetweenClaimAndSendLeavesNoSecondMail() async throws {
        let world = try await makeWorld()
        let professor = MotoServer.uniqueAddress()
        let record = try await lecture(world, state: .ready, email: professor)
        // The first delivery claimed the mail and died before SES answered.
        try await world.store.claimOutcomeMail(record.lectureId, outcome: .ready, version: "v1-aaaa")

        #expect(await world.notifier.notify(.ready, record: record) == .alreadyClaimed)
        #expect(try await world.moto.sentEmails(to: professor).isEmpty)
        #expect(try await world.store.get(record.lectureId)?.outcomeMail?.state == .sending)
    }

    @Test func eachOutcomeOfEachVersionGetsItsOwnMail() async throws {
        let world = try await makeWorld()
        let professor = MotoServer.uniqueAddress()
        let failed = try await lecture(
            world,
            state: .failed,
            version: "v1-aaaa",
            email: professor,
            reason: "The file has no video stream: upload the recording itself."
        )
        guard case .sent = await world.notifier.notify(.failed, record: failed) else {
            Issue.record("failed mail not sent")
            return
        }
        // Retried: a new job version, published this time.
        try await world.store.transition(
            failed.lectureId,
            from: [.failed],
            to: .queued,
            changes: ["jobVersion": .s("v2-bbbb")]
        )
        try await world.store.transition(failed.lectureId, from: [.queued], to: .processing)
        let ready = try await world.store.transition(failed.lectureId, from: [.processing], to: .ready)
        // A late duplicate of the old failure changes nothing: the lecture is no longer failed on v1.
        #expect(await world.notifier.notify(.failed, record: failed) == .alreadyClaimed)
        guard case .sent = await world.notifier.notify(.ready, record: ready) else {
            Issue.record("ready mail not sent")
            return
        }

        let subjects = try await world.moto.sentEmails(to: professor).map(\.subject)
        #expect(subjects == ["Failed: Week 3: Induction", "Ready: Week 3: Induction"])
        let body = try await world.moto.sentEmails(to: professor)[0].body
        #expect(body.contains("Why: The file has no video stream: upload the recording itself."))
        #expect(body.contains("href=\"https://lectern.uni.example/#/courses/CS101\""))
    }

    @Test func noAddressOrMailOffSendsNothingAndWritesNothing() async throws {
        let world = try await makeWorld()
        let anonymous = try await lecture(world, state: .ready, email: nil)
        #expect(await world.notifier.notify(.ready, record: anonymous) == .noAddress)
        #expect(try await world.store.get(anonymous.lectureId)?.outcomeMail == nil)

        let professor = MotoServer.uniqueAddress()
        let record = try await lecture(world, state: .ready, email: professor)
        #expect(await LectureOutcomeNotifier.off(store: world.store).notify(.ready, record: record) == .off)
        #expect(try await world.store.get(record.lectureId)?.outcomeMail == nil)
        #expect(try await world.moto.sentEmails(to: professor).isEmpty)
    }

    @Test func anSESOutageIsRecordedAndTheLectureStaysReady() async throws {
        // SES answers 503 (after, perhaps, accepting the mail): not sent again, recorded, the lecture untouched.
        let down = SESClient(
            client: AWSServiceClient(
                service: .ses,
                configuration: AWSConfiguration(region: "us-east-1"),
                transport: FakeTransport { _ in
                    HTTPResponse(status: 503, body: Data(#"{"message":"Service Unavailable"}"#.utf8))
                },
                credentials: StaticCredentialProvider(
                    AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
                )
            )
        )
        let world = try await makeWorld(ses: down)
        let record = try await lecture(world, state: .ready, email: MotoServer.uniqueAddress())

        let delivery = await world.notifier.notify(.ready, record: record)
        guard case .notSent(let why) = delivery else {
            Issue.record("expected notSent, got \(delivery)")
            return
        }
        #expect(why.contains("unavailable"))
        let stored = try #require(try await world.store.get(record.lectureId))
        #expect(stored.state == .ready && stored.publishedVersion == record.publishedVersion)
        #expect(stored.outcomeMail?.state == .notSent)
        #expect(await world.notifier.notify(.ready, record: record) == .alreadyClaimed)
    }

    @Test func aRefusalNamingTheAddressIsRecordedWithoutIt() async throws {
        let professor = MotoServer.uniqueAddress()
        let refusing = SESClient(
            client: AWSServiceClient(
                service: .ses,
                configuration: AWSConfiguration(region: "us-east-1"),
                transport: FakeTransport { _ in
                    HTTPResponse(
                        status: 400,
                        headers: ["x-amzn-ErrorType": "MessageRejected"],
                        body: Data(
                            #"""
                            {"message":"Email address is not verified. The following identities failed the check \#
                            in region US-EAST-1: \#(professor)"}
                            """#
                            .utf8
                        )
                    )
                },
                credentials: StaticCredentialProvider(
                    AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
                )
            )
        )
        let world = try await makeWorld(ses: refusing)
        let record = try await lecture(world, state: .ready, email: professor)

        let delivery = await world.notifier.notify(.ready, record: record)
        #expect(!delivery.summary.contains(professor))
        let detail = try #require(try await world.store.get(record.lectureId)?.outcomeMail?.detail)
        #expect(!detail.contains(professor) && detail.contains("…@uni.example"))
    }
}
