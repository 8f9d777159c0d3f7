import CFFmpeg
import Foundation
import Synchronization

/// The pipeline's side of slide detection. The video thread offers every filtered picture (`offer`): a changed
/// picture is shrunk to a 256 × 144 grey picture for `SlideDetector` (an unchanged one, known from `ChangedRows`,
/// costs nothing); a settled slide gets its thumbnail at once (one small scale and JPEG per slide) and its
/// full-resolution picture is handed to the OCR thread (`readSlides`) through a small queue that never blocks the
/// decoder: when the queue is full the slide is not read and its manifest item says so. Once every stage has ended
/// `finish` writes `chapters.vtt` and answers the manifest's `slides`.
final class SlideTracker: @unchecked Sendable {
    /// One slide's picture to read.
    private struct Job {
        let id: Int
        let frame: Frame
    }

    /// What the OCR thread found for a slide, or why it did not read it.
    private enum Reading {
        case read(SlideTextReader.Reading)
        case skipped(String)
    }

    static let sampleWidth: Int32 = 256
    static let sampleHeight: Int32 = 144
    /// Pictures waiting for OCR. Slides are at least `minimumChapterSeconds` apart and a three-line 1080p slide reads
    /// in 0.2 s of CPU (tesseract CLI, one thread), so the queue is empty but in a storm of changes (a replaced slide
    /// is read again); three full-size pictures (9 MB at 1080p) bound it.
    static let queueCapacity = 3
    /// The OCR thread's CPU priority: below the top rung and its followers (nice 5), so OCR takes what is idle.
    static let readerNice: Int32 = 10

    private let outputDirectory: String
    private let thumbnailWidth: Int
    private let language: String
    // Video thread only.
    private var detector: SlideDetector
    private var sampler: Scaler?
    private var thumbnailer: Scaler?
    private var lastTime = 0.0
    // Shared by the video thread and the OCR thread.
    private let jobs: BoundedQueue<Job>
    private let pending = Mutex(0)
    private let readings = Mutex<[Int: Reading]>([:])
    /// The tesseract packs the text was read with, once the reader has opened (nil while nothing was read).
    private let languageUsed = Mutex<String?>(nil)

    init(
        outputDirectory: String,
        settings: SlideDetector.Settings,
        language: String,
        thumbnailWidth: Int = 320,
        wholeLecture: Bool = true,
        control: PipelineControl
    ) {
        self.outputDirectory = outputDirectory
        self.thumbnailWidth = thumbnailWidth
        self.language = language
        detector = SlideDetector(settings: settings, wholeLecture: wholeLecture)
        jobs = BoundedQueue(capacity: Self.queueCapacity)
        control.register(jobs)
    }

    // MARK: Video thread

    /// Offers a filtered picture shown at `time` seconds. Never blocks.
    func offer(_ frame: Frame, time: Double) {
        lastTime = time
        var picture: SlideDetector.Picture?
        if frame.changedRows?.isEmpty != true {
            picture = sample(frame)
            // A picture that cannot be measured counts as unchanged: it can neither start nor hide a slide.
        }
        guard let settled = detector.observe(time: time, picture: picture) else { return }
        writeThumbnail(frame, id: settled.id)
        let admitted = pending.withLock { count in
            guard count < Self.queueCapacity else { return false }
            count += 1
            return true
        }
        if admitted {
            jobs.push(Job(id: settled.id, frame: frame.clone()))
        } else {
            readings.withLock {
                $0[settled.id] = .skipped("The slide's text was not read: too many slide changes came at once.")
            }
        }
    }

    /// The video has ended (or stopped): the OCR thread reads what is queued and ends.
    func close() { jobs.close() }

    private func sample(_ frame: Frame) -> SlideDetector.Picture? {
        if sampler == nil || sampler?.inputWidth != frame.width || sampler?.inputHeight != frame.height {
            sampler = try? Scaler(
                from: frame.width,
                frame.height,
                frame.pixelFormat,
                to: Self.sampleWidth,
                Self.sampleHeight,
                AV_PIX_FMT_GRAY8,
                flags: SWS_AREA
            )
        }
        guard let sampler, let small = try? sampler.scale(frame) else { return nil }
        return SlideDetector.Picture(lumaOf: small)
    }

    private func writeThumbnail(_ frame: Frame, id: Int) {
        let height = max(2, LadderLayout.evenRound(Double(thumbnailWidth) * Double(frame.height) / Double(frame.width)))
        if thumbnailer == nil || thumbnailer?.inputWidth != frame.width || thumbnailer?.inputHeight != frame.height {
            thumbnailer = try? Scaler(
                from: frame.width,
                frame.height,
                frame.pixelFormat,
                to: Int32(thumbnailWidth),
                Int32(height),
                AV_PIX_FMT_YUVJ420P
            )
        }
        guard let thumbnailer, let small = try? thumbnailer.scale(frame) else { return }
        try? FileManager.default.createDirectory(
            atPath: outputDirectory + "/" + Transcoder.Paths.slidesDirectory,
            withIntermediateDirectories: true
        )
        try? JPEGWriter.write(small, to: outputDirectory + "/" + Self.draftThumbnail(id))
    }

    /// Where a slide's thumbnail waits until `finish` numbers the slides that are kept.
    static func draftThumbnail(_ id: Int) -> String { Transcoder.Paths.slidesDirectory + "/draft-\(id).jpg" }

    // MARK: OCR thread

    /// The OCR stage's body: reads each queued slide picture's text until the queue is closed.
    func readSlides() throws(TranscodeError) {
        _ = lectern_set_thread_nice(Self.readerNice)
        var reader: SlideTextReader?
        while let job = jobs.pop() {
            pending.withLock { $0 -= 1 }
            if reader == nil {
                do {
                    let opened = try SlideTextReader(language: language)
                    languageUsed.withLock { $0 = opened.language }
                    reader = opened
                } catch {
                    // Without tesseract the lecture still publishes, with chapters but no slide text.
                    readings.withLock { $0[job.id] = .skipped(error.reason) }
                    continue
                }
            }
            guard let reader, let plane = job.frame.pointer.pointee.data.0 else { continue }
            let reading = reader.read(
                grey: UnsafePointer(plane),
                width: Int(job.frame.width),
                height: Int(job.frame.height),
                stride: Int(job.frame.pointer.pointee.linesize.0)
            )
            readings.withLock { $0[job.id] = .read(reading) }
        }
    }

    // MARK: After every stage

    /// Numbers the kept slides' thumbnails, writes `chapters.vtt` and answers the manifest's `slides`.
    func finish(duration: Double) throws(TranscodeError) -> TranscodeManifest.Slides {
        let detection = detector.finish(duration: max(duration, lastTime))
        let directory = outputDirectory + "/" + Transcoder.Paths.slidesDirectory
        defer { Self.removeDrafts(in: directory) }
        let slides: [SlideDetector.Settled]
        switch detection {
        case .none(let reason):
            try? FileManager.default.removeItem(atPath: directory)
            return TranscodeManifest.Slides(status: .none, reason: reason, chapters: nil, items: [])
        case .slides(let found): slides = found
        }
        let found = readings.withLock { $0 }
        var items: [TranscodeManifest.Slides.Item] = []
        for (position, slide) in slides.enumerated() {
            let end = position + 1 < slides.count ? slides[position + 1].start : max(duration, slide.start)
            let thumbnail = Self.thumbnailPath(position)
            try? FileManager.default.moveItem(
                atPath: outputDirectory + "/" + Self.draftThumbnail(slide.id),
                toPath: outputDirectory + "/" + thumbnail
            )
            // Milliseconds, as the cues have them (a picture's time is a fraction of the frame rate: 16.033333…).
            var item = TranscodeManifest.Slides.Item(
                start: (slide.start * 1000).rounded() / 1000,
                end: (end * 1000).rounded() / 1000,
                title: "",
                text: "",
                thumbnail: thumbnail
            )
            switch found[slide.id] {
            case .read(let reading)?:
                item.title = reading.title
                item.text = reading.text
            case .skipped(let why)?: item.note = why
            case nil: item.note = "The slide's text was not read: the transcode ended first."
            }
            items.append(item)
        }
        return try Self.detected(items, language: languageUsed.withLock { $0 }, outputDirectory: outputDirectory)
    }

    /// Writes `chapters.vtt` for `items` (their thumbnails already in place) and answers the manifest's `slides`.
    static func detected(
        _ items: [TranscodeManifest.Slides.Item],
        language: String?,
        outputDirectory: String
    ) throws(TranscodeError) -> TranscodeManifest.Slides {
        do {
            try chapters(items).write(
                toFile: outputDirectory + "/" + Transcoder.Paths.chapters,
                atomically: true,
                encoding: .utf8
            )
        } catch {
            throw TranscodeError(.outputFailure, "Could not write the chapters: \(error.localizedDescription)")
        }
        var manifest = TranscodeManifest.Slides(
            status: .detected,
            reason: nil,
            chapters: Transcoder.Paths.chapters,
            items: items
        )
        manifest.language = language
        return manifest
    }

    /// The published thumbnail of the slide at `position` (from 0) among the kept ones: `slides/001.jpg`, ….
    static func thumbnailPath(_ position: Int) -> String {
        Transcoder.Paths.slidesDirectory + "/" + String(format: "%03d.jpg", position + 1)
    }

    private static func removeDrafts(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        where name.hasPrefix("draft-") {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// WebVTT chapters: one cue per slide, its text the title (or "Slide N"). Cue text cannot hold "-->" or a blank
    /// line, and `<` and `&` start markup, so titles are put on one line and escaped.
    static func chapters(_ items: [TranscodeManifest.Slides.Item]) -> String {
        var text = "WEBVTT\n"
        for (index, item) in items.enumerated() {
            let end = max(item.end, item.start + 0.001)
            var title = item.title.isEmpty ? "Slide \(index + 1)" : item.title
            title = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\n", with: " ")
            text +=
                """
                \n\(index + 1)\n\(ThumbnailSheet.timestamp(item.start)) \
                --> \(ThumbnailSheet.timestamp(end))\n\(title)\n
                """
        }
        return text
    }
}

extension SlideDetector.Picture {
    /// The first plane of `frame` (its luma, or the whole of a GRAY8 picture) at the frame's own size, rows packed.
    init?(lumaOf frame: Frame) {
        guard let plane = frame.pointer.pointee.data.0 else { return nil }
        let width = Int(frame.width), height = Int(frame.height), stride = Int(frame.pointer.pointee.linesize.0)
        var luma = [UInt8](repeating: 0, count: width * height)
        luma.withUnsafeMutableBufferPointer { out in
            for row in 0..<height {
                (out.baseAddress! + row * width).update(from: plane + row * stride, count: width)
            }
        }
        self.init(width: width, height: height, luma: luma)
    }
}
