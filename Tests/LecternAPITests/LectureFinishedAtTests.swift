import Foundation
import LecternCore
import Testing

@testable import LecternAPI

/// The professor's "since your last visit" reads `finishedAt` from the list: there only while the lecture is ready or
/// failed, so a retried lecture (queued or encoding again) is not listed with its earlier failure's time.
@Suite("Lecture view: finishedAt") struct LectureFinishedAtTests {
    static let finished = Date(timeIntervalSince1970: 1_796_400_000)

    @Test(arguments: LectureState.allCases)
    func finishedAtIsShownOnlyForReadyAndFailedLectures(state: LectureState) throws {
        var record = LectureRecord(
            lectureId: "lec_1",
            courseId: "CS101",
            ownerId: "prof-1",
            title: "Week 1",
            filename: "w1.mp4",
            contentType: "video/mp4",
            sizeBytes: 1,
            sourceKey: "uploads/lec_1/source",
            state: state
        )
        // A lecture that failed once and was retried keeps the old time on its record.
        record.finishedAt = Self.finished
        let view = LectureView(record)
        let shown = state == .ready || state == .failed
        #expect(view.finishedAt == (shown ? Self.finished : nil))
        let json = try #require(try JSONSerialization.jsonObject(with: APIJSON.encode(view)) as? [String: Any])
        #expect((json["finishedAt"] as? String != nil) == shown)
    }
}
