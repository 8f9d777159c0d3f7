import CFFmpeg
import Foundation
import Testing

@testable import Transcoder

#if canImport(Glibc)
import Glibc
#endif

/// The pipeline adapter: the video thread never waits for OCR. Pictures are made here (no decoder), so the OCR
/// thread can be held back and its queue seen full.
@Suite struct SlideTrackerTests {
    /// A 320 × 180 picture, bright but for a dark band in the `slide`-th sixth of its height.
    static func picture(slide: Int, time: Double) throws -> Frame {
        let frame = try Frame(width: 320, height: 180, pixelFormat: AV_PIX_FMT_YUV420P)
        let data = frame.pointer.pointee.data, strides = frame.pointer.pointee.linesize
        for row in 0..<180 {
            memset(data.0! + row * Int(strides.0), row / 30 == slide % 6 ? 30 : 220, 320)
        }
        for row in 0..<90 {
            memset(data.1! + row * Int(strides.1), 128, 160)
            memset(data.2! + row * Int(strides.2), 128, 160)
        }
        frame.pts = Int64(time * 1000)
        return frame
    }

    @Test func slidesBeyondAFullOCRQueueAreMarkedUnreadInsteadOfBlockingTheVideo() throws {
        let directory = try TemporaryDirectory()
        var settings = SlideDetector.Settings()
        settings.settleSeconds = 0.2
        settings.minimumChapterSeconds = 0.5
        let tracker = SlideTracker(
            outputDirectory: directory.path,
            settings: settings,
            language: "eng",
            control: PipelineControl()
        )
        // Six slides, one a second, at 10 pictures a second, while no OCR thread reads the queue: were `offer` to
        // wait for room, this loop would never end.
        let slides = 6
        for index in 0..<(slides * 10) {
            let time = Double(index) / 10
            tracker.offer(try Self.picture(slide: index / 10, time: time), time: time)
        }
        tracker.close()
        // The OCR thread's body, run here once the video has ended: it reads what the queue holds.
        try tracker.readSlides()
        let manifest = try tracker.finish(duration: Double(slides))
        #expect(manifest.status == .detected)
        #expect(manifest.items.count == slides)
        let capacity = SlideTracker.queueCapacity
        #expect(manifest.items.prefix(capacity).allSatisfy { $0.note == nil })
        for item in manifest.items.dropFirst(capacity) {
            #expect(item.note == "The slide's text was not read: too many slide changes came at once.")
            #expect(item.text.isEmpty && item.title.isEmpty)
        }
        // Every slide, read or not, has its thumbnail and a chapter.
        for item in manifest.items {
            #expect(FileManager.default.fileExists(atPath: directory.path + "/" + item.thumbnail))
        }
        let chapters = try String(contentsOfFile: directory.path + "/chapters.vtt", encoding: .utf8)
        #expect(chapters.components(separatedBy: " --> ").count == slides + 1)
        #expect(chapters.contains("\nSlide 6\n"))
    }
}
