import Foundation
import Testing

@testable import Transcoder

/// Slides, chapters and slide text from whole transcodes of generated decks (ffmpeg `drawtext` slides with known
/// text, a camera window moving in a corner, a pointer, a video inside one slide) and of a camera-only recording.
@Suite(.serialized) struct SlideOutputTests {
    struct Slide {
        var start: Double
        var title: String
        var body: [String]
    }

    static let deck = [
        Slide(
            start: 0,
            title: "Mean value theorem",
            body: ["If f is continuous on a closed interval", "and differentiable inside it"]
        ),
        Slide(
            start: 8,
            title: "Fundamental theorem of calculus",
            body: ["Integration and differentiation", "are inverse operations"]
        ),
        Slide(start: 16, title: "Taylor series", body: ["Approximate smooth functions", "with polynomials"]),
        Slide(start: 24, title: "Summary and exercises", body: ["Read chapter five before Tuesday"]),
    ]
    static let deckSeconds = 32.0
    /// The slide shown from 16 s has a video playing in its lower middle.
    static let videoSlide = 2

    /// 1280 × 720 at 30 fps: white slides, titles 56 px and body 36 px in DejaVu Sans, a 192 × 108 camera window
    /// (testsrc2, always moving) in the lower right corner, a 12 px pointer circling, and a 480 × 200 video
    /// inside the third slide.
    static func makeDeck(in directory: TemporaryDirectory) async throws -> String {
        let font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        var text: [String] = []
        for (index, slide) in deck.enumerated() {
            let end = index + 1 < deck.count ? deck[index + 1].start : deckSeconds
            let enable = "enable='between(t,\(slide.start),\(end - 0.001))'"
            text.append(
                "drawtext=fontfile=\(font):text='\(slide.title)':fontsize=56:fontcolor=black:x=80:y=60:\(enable)"
            )
            for (line, body) in slide.body.enumerated() {
                text.append(
                    """
                    drawtext=fontfile=\(font):text='\(body)':fontsize=36:fontcolor=0x202020:x=100:\
                    y=\(200 + line * 60):\(enable)
                    """
                )
            }
        }
        let videoStart = deck[videoSlide].start, videoEnd = deck[videoSlide + 1].start
        let graph = [
            "[0:v]" + text.joined(separator: ",") + "[slides]",
            "[1:v]scale=480:200[video]",
            "[slides][video]overlay=x=400:y=360:enable='between(t,\(videoStart),\(videoEnd - 0.001))'[withvideo]",
            "[2:v]scale=192:108[camera]",
            "[withvideo][camera]overlay=x=W-w-24:y=H-h-24[withcamera]",
            "[withcamera][3:v]overlay=x='600+300*sin(t/2)':y='300+120*cos(t/3)'[out]",
        ].joined(separator: ";")
        let path = directory.file("deck.mp4")
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "color=c=white:s=1280x720:r=30:d=\(deckSeconds)",
            "-f", "lavfi", "-i", "testsrc2=s=480x200:r=30:d=\(deckSeconds)",
            "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=\(deckSeconds)",
            "-f", "lavfi", "-i", "color=c=black:s=12x12:r=30:d=\(deckSeconds)",
            "-filter_complex", graph, "-map", "[out]",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", path,
        ])
        return path
    }

    static var plan: TranscodePlan {
        var plan = TranscodePlan(heights: [240])
        plan.segmentSeconds = 2
        // Slides here change every 8 s; a lecture's default minimum chapter (10 s) would merge them.
        plan.slideSettings.minimumChapterSeconds = 5
        return plan
    }

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// A split lecture's chapters (issue #15) are the whole encode's. Chunks of 14 s cut slide 2 (8–16 s) and slide 4
    /// (24–32 s): the next chunk sees each again at its first picture. Joined, the repeats are recognised as the same
    /// slide, and slide 3, 2 s after the second chunk's repeat, is not merged into it (a chunk's own detector would
    /// have, by the minimum chapter length).
    @Test func aSplitDecksChaptersAreTheWholeEncodes() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Self.makeDeck(in: directory)
        let whole = try await Transcoder().transcode(
            input: source,
            outputDirectory: directory.file("whole"),
            plan: Self.plan
        )
        guard
            case .splittable(let layout) = try SplitProbe.examine(input: source, plan: Self.plan, chunkSeconds: 14)
        else {
            Issue.record("the deck should be splittable")
            return
        }
        #expect(layout.chunks.map(\.start) == [0, 14, 28])
        var chunks: [String] = []
        var seen: [[Double]] = []
        for index in layout.chunks.indices {
            let output = directory.file("chunk-\(index)")
            let manifest = try await Transcoder().transcode(
                input: source,
                outputDirectory: output,
                plan: layout.videoPlan(index, base: Self.plan)
            )
            seen.append(manifest.slides?.items.map(\.start) ?? [])
            chunks.append(output)
        }
        // Each chunk saw its own slides, each repeat at the chunk's start: [0, 8], [14, 16, 24], [28].
        #expect(seen.map(\.count) == [2, 3, 1], "\(seen)")
        #expect(seen.dropFirst().map { $0.first.map(Int.init) } == [14, 28], "\(seen)")

        let stitchedDirectory = directory.file("stitched")
        let stitched = try ChunkStitcher(
            videoChunks: chunks,
            audioChunk: nil,
            outputDirectory: stitchedDirectory,
            slideSettings: Self.plan.slideSettings
        ).stitch()
        let slides = try #require(stitched.slides)
        let reference = try #require(whole.slides)
        #expect(slides.status == .detected)
        #expect(slides.language == reference.language)
        #expect(slides.items.map(\.title) == reference.items.map(\.title))
        #expect(slides.items.map(\.title) == Self.deck.map(\.title))
        for (item, expected) in zip(slides.items, reference.items) {
            #expect(abs(item.start - expected.start) < 0.1, "joined \(item.start), whole \(expected.start)")
            #expect(abs(item.end - expected.end) < 0.1, "joined \(item.end), whole \(expected.end)")
            #expect(FileManager.default.fileExists(atPath: stitchedDirectory + "/" + item.thumbnail))
        }
        let cues = try String(contentsOfFile: stitchedDirectory + "/chapters.vtt", encoding: .utf8)
            .components(separatedBy: "\n").filter { $0.contains(" --> ") }
        #expect(cues.count == Self.deck.count)
        let published = Set(stitched.files.map(\.path))
        #expect(published.contains("chapters.vtt"))
        #expect(slides.items.allSatisfy { published.contains($0.thumbnail) })
    }

    @Test func aDeckBecomesChaptersWithItsText() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Self.makeDeck(in: directory)
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let slides = try #require(manifest.slides)
        #expect(slides.status == .detected)
        #expect(slides.reason == nil)
        #expect(slides.chapters == "chapters.vtt")
        #expect(slides.language == "eng")
        // No chapter storm from the camera window, the pointer or the video: one item per slide, each within 1 s.
        #expect(slides.items.count == Self.deck.count, "\(slides.items.map(\.start))")
        for (item, slide) in zip(slides.items, Self.deck) {
            #expect(abs(item.start - slide.start) <= 1, "found \(item.start), shown at \(slide.start)")
        }
        #expect(slides.items.last.map { abs($0.end - manifest.duration) < 0.5 } == true)

        // OCR word accuracy: the share of each slide's words found in its item's text, printed and held to a floor.
        // Clean 36–56 px DejaVu Sans on white reads at or near 100 %; the floor (85 %) leaves room for x264's
        // ringing around thin glyphs, and still fails when the text is read from a transition, the wrong slide,
        // or not at all.
        var found = 0, total = 0
        for (item, slide) in zip(slides.items, Self.deck) {
            var read = Self.words(item.text)
            let expected = Self.words(([slide.title] + slide.body).joined(separator: " "))
            var matched = 0
            for word in expected {
                if let index = read.firstIndex(of: word) {
                    read.remove(at: index)
                    matched += 1
                }
            }
            found += matched
            total += expected.count
            print("slide at \(item.start) s: \(matched)/\(expected.count) words; title \"\(item.title)\"")
            #expect(item.title == slide.title)
        }
        let accuracy = Double(found) / Double(total)
        print("OCR word accuracy: \(found)/\(total) = \(String(format: "%.1f", accuracy * 100)) %")
        #expect(accuracy >= 0.85)

        // The chapters track: one cue per slide, titled, on the manifest's times.
        let vtt = try String(contentsOfFile: output + "/chapters.vtt", encoding: .utf8)
        #expect(vtt.hasPrefix("WEBVTT\n"))
        let cues = vtt.components(separatedBy: "\n").filter { $0.contains(" --> ") }
        #expect(cues.count == slides.items.count)
        for slide in Self.deck { #expect(vtt.contains("\n\(slide.title)\n")) }
        // One 320 px thumbnail per slide, listed in the manifest's files.
        for (index, item) in slides.items.enumerated() {
            #expect(item.thumbnail == String(format: "slides/%03d.jpg", index + 1))
            let stream = try await #require(try MediaTools.streams(output + "/" + item.thumbnail).first)
            #expect(stream["width"] as? Int == 320)
            #expect(manifest.files.contains { $0.path == item.thumbnail })
        }
        #expect(manifest.files.contains { $0.path == "chapters.vtt" })
        #expect(!manifest.files.contains { $0.path.contains("draft-") })
    }

    @Test func aMissingLanguagePackFallsBackToEnglish() async throws {
        // This machine has tesseract-ocr-eng only (no `fra`): a French course's slides are still read, in English.
        let pack = "/usr/share/tesseract-ocr/5/tessdata/fra.traineddata"
        try #require(!FileManager.default.fileExists(atPath: pack), "needs a machine without \(pack)")
        let directory = try TemporaryDirectory()
        let source = try await Self.makeDeck(in: directory)
        var plan = Self.plan
        plan.slideTextLanguage = SlideTextLanguage.tesseract(for: "fr-FR")
        let (manifest, _) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        let slides = try #require(manifest.slides)
        #expect(plan.slideTextLanguage == "fra+eng")
        #expect(slides.language == "eng")
        #expect(slides.items.map(\.title) == Self.deck.map(\.title))
    }

    @Test func aCameraOnlyRecordingHasNoInventedChapters() async throws {
        let directory = try TemporaryDirectory()
        let source = directory.file("camera.mp4")
        // A camera picture: moving everywhere, with sensor noise.
        try await MediaTools.ffmpeg([
            "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=14", "-vf", "noise=alls=24:allf=t",
            "-c:v", "libx264", "-preset", "ultrafast", source,
        ])
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: Self.plan)
        let slides = try #require(manifest.slides)
        #expect(slides.status == .none)
        #expect(slides.reason == "No stable slides were found.")
        #expect(slides.items.isEmpty && slides.chapters == nil)
        #expect(!FileManager.default.fileExists(atPath: output + "/chapters.vtt"))
        #expect(!FileManager.default.fileExists(atPath: output + "/slides"))
    }

    @Test func detectionOffLeavesNoSlides() async throws {
        let directory = try TemporaryDirectory()
        let source = try await Fixtures.videoOnly(in: directory, seconds: 2)
        var plan = Self.plan
        plan.detectsSlides = false
        let (manifest, output) = try await OutputChecks.transcode(source, in: directory, plan: plan)
        #expect(manifest.slides == nil)
        #expect(!FileManager.default.fileExists(atPath: output + "/chapters.vtt"))
    }
}
