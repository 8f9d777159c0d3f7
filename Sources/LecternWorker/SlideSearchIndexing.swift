import Foundation
import LecternCore
import Logging
import SearchIndex
import Transcoder

/// What a published lecture's slides need to be indexed: the manifest's `slides`, the published record (its
/// course) and the tesseract packs the plan asked for.
struct SlideIndexing: Sendable {
    let slides: TranscodeManifest.Slides?
    let record: LectureRecord
    let plannedLanguage: String
}

/// Slides in the worker (issue #16): the course's language for reading slide text, and the slide text in the
/// course's search index once the lecture is published.
extension JobRunner {
    /// The search index source that holds a lecture's slides; replaced whole by every encode.
    static let slideSource = SlideMoments.source

    /// The job's plan with the course's caption language as the slide text language (tesseract packs, with
    /// English as a second). Reading the course costs two small reads; when they fail the slides are read as English.
    func plan(for job: JobMessage, logger: Logger) async -> TranscodePlan {
        var plan = transcodePlan(ladder: job.ladder)
        do {
            if let record = try await environment.store.get(job.lectureID),
                let language = try await CourseStore(environment.store).get(record.courseId)?.captionLanguage
            {
                plan.slideTextLanguage = SlideTextLanguage.tesseract(for: language)
            }
        } catch {
            logger.notice("course language not read; slide text read as English", metadata: ["error": "\(error)"])
        }
        return plan
    }

    /// Replaces the lecture's slide moments in its course's search index (none when no slides were found, so a
    /// re-encode that finds none removes the old ones). Runs after the message is settled, outside the job's task
    /// group: once the lecture is published its heartbeat loses the lease and would cancel work still in the group.
    /// A failure is logged, never fails the lecture: it is published already. What repairs it: the next encode of
    /// the lecture (Retry, or a new upload) indexes again.
    func indexSlides(_ indexing: SlideIndexing, logger: Logger) async {
        let (slides, record) = (indexing.slides, indexing.record)
        if let used = slides?.language, used != indexing.plannedLanguage {
            logger.notice(
                """
                slide text read as \(used): the tesseract pack for \(indexing.plannedLanguage) \
                is not installed on this worker
                """,
                metadata: ["course": "\(record.courseId)"]
            )
        }
        let documents = Self.slideDocuments(lectureID: record.lectureId, slides: slides)
        let search = CourseSearchStore(
            dynamo: environment.store.dynamo,
            table: environment.store.table,
            s3: environment.s3,
            bucket: environment.configuration.bucket,
            scratchDirectory: URL(fileURLWithPath: environment.configuration.scratchDirectory)
        )
        do {
            try await Self.replaceSlides(of: record, with: documents, in: search)
            logger.info("slides indexed", metadata: ["slides": "\(documents.count)"])
        } catch {
            logger.warning(
                """
                slide text not indexed for search; the lecture is published without it \
                (retry the lecture to index it)
                """,
                metadata: ["error": "\(error)", "course": "\(record.courseId)"]
            )
        }
    }

    /// Replaces the lecture's `slides` source in its course's index with `documents`. With none and no index yet,
    /// nothing is written (no empty index is created for the course).
    static func replaceSlides(
        of record: LectureRecord,
        with documents: [SearchDocument],
        in search: CourseSearchStore
    ) async throws {
        if documents.isEmpty, try await search.pointer(record.courseId) == nil { return }
        try await search.update(course: record.courseId) { index in
            try index.replaceSource(slideSource, lectureId: record.lectureId, with: documents)
        }
    }

    /// One `slide` moment per slide with text (`SlideMoments`, shared with `CourseSearchRebuild`).
    static func slideDocuments(lectureID: String, slides: TranscodeManifest.Slides?) -> [SearchDocument] {
        guard let slides, slides.status == .detected else { return [] }
        return SlideMoments.documents(
            lectureID: lectureID,
            slides: slides.items.map { .init(start: $0.start, end: $0.end, title: $0.title, text: $0.text) }
        )
    }
}
