import CFFmpeg
import Foundation

/// The slides of a split lecture (issue #15), joined from its chunks'. Each chunk's detector starts afresh at the
/// chunk's first picture and keeps every slide it saw (`SlideDetector(wholeLecture: false)`). Joining applies
/// what one detector over the whole lecture would have:
/// - a slide shown across a chunk boundary is one slide: the next chunk's first slide, when it is the same picture
///   (its text read alike, or its thumbnail differing in under `sameShare` of the cells), is dropped;
/// - a slide within `minimumChapterSeconds` of the one before replaces its picture and text but keeps its start,
///   and the first slide opens the lecture when it is shown within that time (the detector's own rules, which a
///   chunk's detector leaves out);
/// - then the per-hour cap and the two-slide minimum (`SlideDetector.keptChapters`).
/// The kept thumbnails are numbered into the output and `chapters.vtt` is written, as `SlideTracker.finish` does.
enum SlideJoiner {
    struct Chunk {
        /// The chunk's manifest's slides; nil when it detected none (detection off).
        var slides: TranscodeManifest.Slides?
        /// The chunk's output directory (its thumbnails are relative to it).
        var directory: String
    }

    /// A boundary slide's thumbnail may differ from the earlier chunk's in this share of its cells and still be the
    /// same slide: a camera window or a pointer moves between the two pictures, and the cells the detector left out
    /// as live are not known here. Another slide changes far more (a title and its body).
    static let sameShare = 0.25

    private struct Found {
        var item: TranscodeManifest.Slides.Item
        /// The thumbnail's path on disk.
        var picture: String
        var chunk: Int
    }

    static func join(
        _ chunks: [Chunk],
        duration: Double,
        settings: SlideDetector.Settings,
        outputDirectory: String
    ) throws(TranscodeError) -> TranscodeManifest.Slides? {
        guard chunks.contains(where: { $0.slides != nil }) else { return nil }
        var joined: [Found] = []
        for (index, chunk) in chunks.enumerated() {
            for (position, item) in (chunk.slides?.items ?? []).enumerated() {
                let found = Found(item: item, picture: chunk.directory + "/" + item.thumbnail, chunk: index)
                guard let last = joined.last else {
                    var first = found
                    if first.item.start < settings.minimumChapterSeconds { first.item.start = 0 }
                    joined.append(first)
                    continue
                }
                if position == 0, last.chunk != index, sameSlide(last, found, settings: settings) {
                    // The earlier picture stays; its text too, unless only the later one was read.
                    if last.item.text.isEmpty, !found.item.text.isEmpty {
                        joined[joined.count - 1].item.title = found.item.title
                        joined[joined.count - 1].item.text = found.item.text
                        joined[joined.count - 1].item.note = found.item.note
                    }
                    continue
                }
                if found.item.start - last.item.start < settings.minimumChapterSeconds {
                    var replacing = found
                    replacing.item.start = last.item.start
                    joined[joined.count - 1] = replacing
                    continue
                }
                joined.append(found)
            }
        }
        let kept = SlideDetector(settings: settings).keptChapters(starts: joined.map(\.item.start), duration: duration)
        guard kept.count >= 2 else {
            let reason = chunks.compactMap { $0.slides?.reason }.first ?? SlideDetector.noSlidesReason
            return TranscodeManifest.Slides(status: .none, reason: reason, chapters: nil, items: [])
        }
        joined = kept.map { joined[$0] }

        let directory = outputDirectory + "/" + Transcoder.Paths.slidesDirectory
        try? FileManager.default.removeItem(atPath: directory)
        var items: [TranscodeManifest.Slides.Item] = []
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (position, found) in joined.enumerated() {
                var item = found.item
                let end = position + 1 < joined.count ? joined[position + 1].item.start : max(duration, item.start)
                item.end = (end * 1000).rounded() / 1000
                item.thumbnail = SlideTracker.thumbnailPath(position)
                try FileManager.default.copyItem(atPath: found.picture, toPath: outputDirectory + "/" + item.thumbnail)
                items.append(item)
            }
        } catch {
            throw TranscodeError(.outputFailure, "Could not copy the slides' pictures: \(error.localizedDescription)")
        }
        return try SlideTracker.detected(
            items,
            language: chunks.compactMap { $0.slides?.language }.first,
            outputDirectory: outputDirectory
        )
    }

    /// Whether a chunk's first slide is the one the chunk before ended on.
    private static func sameSlide(_ earlier: Found, _ later: Found, settings: SlideDetector.Settings) -> Bool {
        if !earlier.item.text.isEmpty, earlier.item.text == later.item.text { return true }
        guard let first = grey(earlier.picture), let second = grey(later.picture),
            first.width == second.width, first.height == second.height
        else { return false }
        let changed = SlideDetector.changedCells(first, second, levels: settings.cellChangeLevels)
        return Double(changed.filter { $0 }.count) < sameShare * Double(changed.count)
    }

    /// A thumbnail's luma as the detector's picture type (at the thumbnail's own size).
    private static func grey(_ path: String) -> SlideDetector.Picture? {
        guard let data = FileManager.default.contents(atPath: path), let frame = try? JPEGDecoder.decode(data) else {
            return nil
        }
        return SlideDetector.Picture(lumaOf: frame)
    }
}
