import Foundation
import Testing

@testable import LecternCore

/// Two editors cannot lose each other's change: a track-list write made from a stale read is refused (and
/// `CaptionPublisher.changeTracks` then re-reads and re-applies). Shown deterministically, one interleaving at a
/// time: moto applies a conditional UpdateItem in several steps without a lock, so truly concurrent writers on moto
/// can both pass the same condition now and then (seen once in ten runs of five concurrent uploads), which real
/// DynamoDB never lets happen.
@Suite("Caption track writes are conditional") struct CaptionConcurrencyTests {
    @Test func aWriteFromAStaleReadIsRefusedAndLosesNothing() async throws {
        let world = try await TestWorld.make()
        let fixture = try await PublishedFixture.make(in: world, course: "CS101")
        let lecture = fixture.record.lectureId
        let publisher = CaptionPublisher(
            store: world.services.store,
            s3: world.services.s3,
            bucket: world.services.bucket
        )
        let file = Data("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello\n".utf8)
        // Given editor A's read of the lecture with one track
        _ = try await publisher.publish(
            lectureID: lecture,
            track: CaptionTrackInput(language: "en", label: "English"),
            file: file
        )
        let seenByA = try #require(try await world.services.store.get(lecture))
        // When editor B adds a track, and then A writes the list it computed from its (now stale) read
        _ = try await publisher.publish(
            lectureID: lecture,
            track: CaptionTrackInput(language: "fr", label: "Français"),
            file: file
        )
        var changedByA = seenByA.captions ?? []
        changedByA[0].label = "English (CC)"
        let applied = try await publisher.write(
            lecture,
            tracks: changedByA,
            retired: [],
            expectedRevision: seenByA.captionsRevision
        )
        // Then A's write is refused, and B's track is still there
        #expect(!applied)
        let now = try #require(try await world.services.store.get(lecture))
        #expect(now.captions?.map(\.language) == ["en", "fr"])
        #expect(now.captionsRevision == 2)
        // And A's change, made through the publisher, re-applies on top of B's
        let first = try #require(seenByA.captions?.first)
        _ = try await publisher.update(lectureID: lecture, trackID: first.id, change: .init(label: "English (CC)"))
        let after = try #require(try await world.services.store.get(lecture))
        #expect(after.captions?.map(\.label) == ["English (CC)", "Français"])
    }
}
