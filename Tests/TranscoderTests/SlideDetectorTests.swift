import Foundation
import Testing

@testable import Transcoder

/// The slide detector on synthetic picture sequences (256 × 144 grey, 30 pictures a second): no FFmpeg.
@Suite struct SlideDetectorTests {
    static let width = 256, height = 144, rate = 30.0

    /// A deterministic pseudo-random byte source (the same sequences on every run).
    struct Noise {
        var state: UInt64
        mutating func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    /// A synthetic scene: a white slide with dark "text" bars laid out per slide number, plus what moves.
    struct Scene {
        /// Slide number shown from each time on (sorted).
        var slides: [(from: Double, number: Int)]
        var cameraWindow = false
        var pointer = false
        /// (from, to): a video playing in the slide's middle third.
        var embeddedVideo: (Double, Double)? = nil
        var cameraOnly = false
        /// (from, to): a presenter (a 36 × 110 dark figure) pacing back and forth in front of the slide at 50 px/s.
        var presenter: (Double, Double)? = nil
        var noise = Noise(state: 7)

        mutating func picture(at time: Double) -> SlideDetector.Picture {
            var luma = [UInt8](repeating: 235, count: width * height)
            func fill(_ x: Int, _ y: Int, _ w: Int, _ h: Int, _ value: (inout Noise) -> UInt8) {
                for row in max(0, y)..<min(height, y + h) {
                    for column in max(0, x)..<min(width, x + w) { luma[row * width + column] = value(&noise) }
                }
            }
            if cameraOnly {
                fill(0, 0, width, height) { $0.next() }
                return SlideDetector.Picture(width: width, height: height, luma: luma)
            }
            let number = slides.last { $0.from <= time }?.number ?? 0
            // A title bar and body lines whose lengths and places depend on the slide number.
            fill(16, 10, 120 + number * 23 % 100, 14) { _ in 20 }
            for line in 0..<(3 + number % 3) {
                fill(
                    24 + (number * 7 + line * 13) % 30,
                    40 + line * 18 + number % 4 * 4,
                    60 + (number * 31 + line * 17) % 150,
                    8
                ) { _ in 40 }
            }
            if cameraWindow { fill(width - 56, height - 34, 48, 28) { $0.next() } }
            if pointer {
                let x = Int(100 + 60 * sin(time)), y = Int(70 + 40 * cos(time * 0.7))
                fill(x, y, 3, 3) { _ in 0 }
            }
            if let (from, to) = presenter, time >= from, time < to {
                let travel = Int((time - from) * 50) % 400
                let x = travel < 200 ? 10 + travel : 210 - (travel - 200)
                fill(x, 30, 36, 110) { _ in 60 }
            }
            if let (from, to) = embeddedVideo, time >= from, time < to {
                fill(85, 48, 86, 48) { $0.next() }
            }
            return SlideDetector.Picture(width: width, height: height, luma: luma)
        }
    }

    static func run(
        _ scene: inout Scene,
        duration: Double,
        rate: Double = rate,
        settings: SlideDetector.Settings = .init()
    ) -> (SlideDetection, [SlideDetector.Settled]) {
        var detector = SlideDetector(settings: settings)
        var events: [SlideDetector.Settled] = []
        var previous: SlideDetector.Picture?
        for index in 0..<Int(duration * rate) {
            let time = Double(index) / rate
            let picture = scene.picture(at: time)
            // Like the pipeline: an identical picture is passed as nil (ChangedRows found no changed row).
            if let event = detector.observe(time: time, picture: picture == previous ? nil : picture) {
                events.append(event)
            }
            previous = picture
        }
        return (detector.finish(duration: duration), events)
    }

    static func expectStarts(_ detection: SlideDetection, _ expected: [Double], tolerance: Double = 0.1) {
        let starts = detection.startTimes
        #expect(starts.count == expected.count, "starts \(starts), expected \(expected)")
        for (found, wanted) in zip(starts, expected) {
            #expect(abs(found - wanted) <= tolerance, "starts \(starts), expected \(expected)")
        }
    }

    @Test func findsEachSlideAtItsChange() {
        var scene = Scene(slides: [(0, 1), (20, 2), (41, 3), (62.5, 4)])
        let (detection, _) = Self.run(&scene, duration: 80)
        Self.expectStarts(detection, [0, 20, 41, 62.5])
    }

    @Test func ignoresACameraWindowAndAPointer() {
        var scene = Scene(slides: [(0, 1), (20, 2), (41, 3)], cameraWindow: true, pointer: true)
        let (detection, _) = Self.run(&scene, duration: 60)
        Self.expectStarts(detection, [0, 20, 41], tolerance: 0.6)
    }

    @Test func aVideoInsideASlideMakesNoChapterStorm() {
        var scene = Scene(slides: [(0, 1), (20, 2), (40, 3)], embeddedVideo: (20, 40))
        let (detection, _) = Self.run(&scene, duration: 60)
        // The slide with the video starts once it settles around the live region (within a second).
        Self.expectStarts(detection, [0, 20, 40], tolerance: 1)
    }

    @Test func aPresenterPacingInFrontOfTheSlideMakesNoChapter() {
        var scene = Scene(slides: [(0, 1), (50, 2)], presenter: (10, 40))
        let (detection, events) = Self.run(&scene, duration: 70)
        Self.expectStarts(detection, [0, 50])
        #expect(events.count == 2, "\(events)")
    }

    @Test func aCameraOnlyRecordingHasNoSlides() {
        var scene = Scene(slides: [], cameraOnly: true)
        let (detection, events) = Self.run(&scene, duration: 40)
        #expect(detection == .none(reason: "No stable slides were found."))
        #expect(events.isEmpty)
    }

    @Test func changesWithinTheMinimumChapterLengthMerge() {
        var scene = Scene(slides: [(0, 1), (20, 2), (25, 3), (40, 4)])
        let (detection, events) = Self.run(&scene, duration: 60)
        Self.expectStarts(detection, [0, 20, 40])
        // The slide at 25 s replaced the one at 20 s: its picture is the one read, under the same id.
        #expect(events.map(\.id) == [0, 1, 1, 2])
    }

    @Test func chaptersPerHourAreCapped() {
        var settings = SlideDetector.Settings()
        settings.minimumChapterSeconds = 5
        settings.maximumChaptersPerHour = 60
        // A change every 6 s for 10 minutes: 100 slides, but at most 60 chapters in a lecture of an hour or less.
        var scene = Scene(slides: (0..<100).map { (Double($0) * 6, $0 + 1) })
        let (detection, events) = Self.run(&scene, duration: 600, rate: 5, settings: settings)
        #expect(events.count == 100)
        #expect(detection.startTimes.count == 60)
        #expect(detection.startTimes.first == 0)
    }

    @Test func aLectureWithOneSlideHasNoChapters() {
        var scene = Scene(slides: [(0, 1)], pointer: true)
        let (detection, _) = Self.run(&scene, duration: 30)
        guard case .none = detection else {
            Issue.record("one slide is no chapters: \(detection)")
            return
        }
    }

    @Test func titleIsTheTallestLineInTheTopThird() {
        let lines: [(text: String, top: Int32, height: Int32)] = [
            ("Lecture 4", 20, 30), ("Mean value theorem", 60, 70), ("If f is continuous", 400, 90),
        ]
        #expect(SlideTextReader.title(of: lines, pictureHeight: 720) == "Mean value theorem")
        #expect(SlideTextReader.title(of: [("body", 500, 30)], pictureHeight: 720) == "body")
        #expect(SlideTextReader.title(of: [], pictureHeight: 720) == "")
    }

    @Test func languagePacksFollowTheCourseLanguage() {
        #expect(SlideTextLanguage.tesseract(for: nil) == "eng")
        #expect(SlideTextLanguage.tesseract(for: "en-GB") == "eng")
        #expect(SlideTextLanguage.tesseract(for: "fr-CA") == "fra+eng")
        #expect(SlideTextLanguage.tesseract(for: "zh-Hant") == "chi_tra+eng")
        #expect(SlideTextLanguage.tesseract(for: "xx") == "eng")
    }

    @Test func chapterCuesAreValidWebVTT() {
        let items = [
            TranscodeManifest.Slides.Item(
                start: 0,
                end: 12.5,
                title: "A <b> & c --> d",
                text: "",
                thumbnail: "slides/001.jpg"
            ),
            TranscodeManifest.Slides.Item(start: 12.5, end: 30, title: "", text: "", thumbnail: "slides/002.jpg"),
        ]
        #expect(
            SlideTracker.chapters(items)
                == """
                WEBVTT\n\n1\n00:00:00.000 --> 00:00:12.500\nA &lt;b&gt; &amp; c --&gt; d\n\n\
                2\n00:00:12.500 --> 00:00:30.000\nSlide 2\n
                """
        )
    }
}
