import Foundation
import Testing

@testable import LecternAPI

/// What the transcoder corrected (issue #17) reaches the lecture's notices: all of it for those who manage the
/// lecture, only what changes their experience (silence, a dropped stream) for students.
@Suite struct CorrectionNoticeTests {
    @Test(arguments: Via.allCases) func professorsSeeEveryCorrectionStudentsOnlyTheDroppedStream(via: Via) async throws
    {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let professor = try await world.token(.professor, courses: ["CS101"])
        let student = try await world.token(.student, courses: ["CS101"])
        let dropped = "The audio could not be decoded; the lecture was published without sound."
        try await world.withClient(via) { client in
            let path = "/v1/lectures/\(fixture.record.lectureId)"
            let managed = try await client.call("GET", path, token: professor).decode(LectureView.self)
            #expect(
                managed.playback?.notices == [dropped, "audio −27.3 → −16.0 LUFS", "left channel only, centred"]
            )
            let watched = try await client.call("GET", path, token: student).decode(LectureView.self)
            #expect(watched.playback?.notices == [dropped])
        }
    }

    @Test func silenceIsToldToEveryone() throws {
        let manifest = try JSONDecoder().decode(
            PublishedManifest.self,
            from: Data(
                """
                {"corrections":[{"kind":"silence","summary":"The recording has no audible sound."},
                                {"kind":"loudness","summary":"audio −31.2 → −18.4 LUFS (limited by peaks)"}]}
                """.utf8
            )
        )
        #expect(Playback.notices(manifest, managedByCaller: false) == ["The recording has no audible sound."])
        #expect(Playback.notices(manifest, managedByCaller: true)?.count == 2)
        #expect(Playback.notices(nil, managedByCaller: false) == nil)
    }
}
