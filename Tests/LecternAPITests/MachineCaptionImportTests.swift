import AWS
import Foundation
import LecternCore
import LecternWorker
import Testing

/// A finished Transcribe draft becomes the lecture's machine caption track through the caption publisher (the
/// importer the worker runs in production), on the hand-written published lecture against moto.
@Suite("Machine caption import") struct MachineCaptionImportTests {
    /// As Transcribe writes its VTT: numbered cues, millisecond timings, no styling.
    static let transcribeVTT =
        """
        WEBVTT\n\n1\n00:00:00.500 --> 00:00:02.500\nWelcome to the lecture.\n\n\
        2\n00:00:06.000 --> 00:00:08.250\nToday: entropy.\n
        """

    @Test func aDraftBecomesOneMachineTrackAndARedeliveryReplacesIt() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let publisher = CaptionPublisher(
            store: world.services.store,
            s3: world.services.s3,
            bucket: world.services.bucket
        )
        // A professor's English track is there already: the import must leave it alone.
        let professors = try await publisher.publish(
            lectureID: lecture,
            track: CaptionTrackInput(language: "en-US", label: "English"),
            file: Data("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n".utf8)
        )
        let importer = PublishMachineTrack(
            store: world.services.store,
            s3: world.services.s3,
            bucket: world.services.bucket
        )
        let draft = MachineCaptionDraft(
            lectureID: lecture,
            version: fixture.record.publishedVersion ?? "",
            language: "en-US",
            label: MachineCaptionLabel.label(language: "en-US"),
            vtt: Self.transcribeVTT,
            key: "captions/\(lecture)/draft.vtt"
        )

        try await importer.importDraft(draft)
        let first = try #require(try await world.services.store.get(lecture)?.captions)
        let machine = try #require(first.first { $0.source == .machine })
        #expect(first.count == 2)
        #expect(
            machine.label == "English (automatic)" && machine.language == "en-US" && machine.cueCount == 2
                && !machine.isDefault
        )

        // The same poll delivered again: still one machine track, a new version of it; the professor's unchanged.
        try await importer.importDraft(draft)
        let second = try #require(try await world.services.store.get(lecture)?.captions)
        #expect(second.count == 2)
        let again = try #require(second.first { $0.source == .machine })
        #expect(again.id == machine.id && again.version != machine.version)
        let kept = try #require(second.first { $0.source == .professor })
        #expect(kept.id == professors.id && kept.version == professors.version && kept.label == professors.label)

        // Its files are real WebVTT segments under the track's version.
        let playlist = try await world.services.s3.getObject(
            bucket: world.services.bucket,
            key: again.prefix(lectureID: lecture) + "playlist.m3u8",
            limit: 1 << 20
        )
        #expect(String(decoding: playlist.body, as: UTF8.self).contains("#EXTM3U"))
    }

    @Test func aFileThatIsNotCaptionsIsRefusedWithItsProblems() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let importer = PublishMachineTrack(
            store: world.services.store,
            s3: world.services.s3,
            bucket: world.services.bucket
        )
        let draft = MachineCaptionDraft(
            lectureID: fixture.record.lectureId,
            version: "v1",
            language: nil,
            label: "Automatic captions",
            vtt: "not a caption file",
            key: "x"
        )
        await #expect(throws: CaptionPublisher.Failure.self) { try await importer.importDraft(draft) }
        #expect(try await world.services.store.get(fixture.record.lectureId)?.captions?.isEmpty ?? true)
    }
}
