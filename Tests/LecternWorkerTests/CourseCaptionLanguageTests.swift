import AWS
import Foundation
import LecternCore
import LecternTestSupport
import Synchronization
import Testing

@testable import LecternWorker

/// The course's caption language reaches Transcribe: set by its professor (`PATCH /v1/courses/{course}`), read by the
/// worker when a draft starts. The body's shape for `.known` is held to botocore's model by `TranscribeContractTests`.
@Suite("Course caption language (moto Transcribe)") struct CourseCaptionLanguageTests {
    @Test func theCoursesLanguageIsSentToTranscribeAndNamesTheDraft() async throws {
        // Given: a course taught in French, and a deployment that would otherwise identify among English and German.
        let world = try await CaptionDraftTests.World.make()
        try await CourseStore(world.harness.store).put(
            CourseSettings(courseId: "CS101", name: "Informatique", captionLanguage: "fr-FR")
        )
        let (id, version) = try await world.publishedLecture()
        let runner = world.runner()

        // When: the draft starts and runs to the end against moto.
        await runner.begin(lectureID: id, version: version)
        #expect(try await world.step(runner) == .started)
        // Then: moto's job carries the language it was given (asked to identify, it answers none).
        let job = try await TranscribeClient(context: world.harness.context).transcriptionJob(
            named: CaptionDraftRunner.jobName(lectureID: id, version: version)
        )
        #expect(job.languageCode == "fr-FR")
        try await world.writeTranscribeOutput(id, version)
        var outcome: CaptionDraftRunner.Outcome?
        for _ in 0..<6 {
            outcome = try await world.step(runner)
            if outcome == .ready { break }
        }
        #expect(outcome == .ready)
        #expect(try await world.draft(id)?.language == "fr-FR")
        #expect(world.importer.all.first?.label.hasPrefix("French") == true)
    }

    @Test func theStartRequestNamesTheLanguageInsteadOfAskingTranscribeToIdentifyIt() async throws {
        let world = try await CaptionDraftTests.World.make()
        try await CourseStore(world.harness.store).put(
            CourseSettings(courseId: "CS101", name: "Informatik", captionLanguage: "de-DE")
        )
        let (id, version) = try await world.publishedLecture()
        let bodies = Mutex<[Data]>([])
        let transport = FakeTransport { request in
            if request.headers["X-Amz-Target"] == "Transcribe.StartTranscriptionJob",
                case .data(let data) = request.body
            {
                bodies.withLock { $0.append(data) }
            }
            return HTTPResponse(status: 200, body: Data("{}".utf8))
        }
        let transcribe = TranscribeClient(
            client: AWSServiceClient(
                service: .transcribe,
                configuration: world.harness.context.configuration,
                transport: transport,
                credentials: world.harness.context.credentials,
                retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(1))
            )
        )
        let runner = world.runner(transcribe: transcribe)
        await runner.begin(lectureID: id, version: version)
        #expect(try await world.step(runner) == .started)
        let data = try #require(bodies.withLock { $0.first })
        let sent = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(sent["LanguageCode"] as? String == "de-DE")
        #expect(sent["IdentifyLanguage"] == nil && sent["LanguageOptions"] == nil)
    }

    @Test(arguments: [
        (nil as String?, ["en-US", "de-DE"], TranscriptionLanguage.identify(options: ["en-US", "de-DE"])),
        (nil, ["en-GB"], .known("en-GB")),
        ("fr-CA", ["en-US"], .known("fr-CA")),
        ("de", ["en-US", "de-DE"], .known("de-DE")),
        ("en", ["en-US", "en-GB", "de-DE"], .identify(options: ["en-US", "en-GB"])),
        ("it", ["en-US", "de-DE"], .identify(options: ["en-US", "de-DE"])),
    ])
    func theCourseSettingWinsOverTheDeploymentsLanguages(
        course: String?,
        configured: [String],
        expected: TranscriptionLanguage
    ) {
        #expect(CaptionDraftRunner.transcriptionLanguage(courseLanguage: course, configured: configured) == expected)
    }
}
