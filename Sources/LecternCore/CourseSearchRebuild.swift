import AWS
import Captions
import Foundation
import SearchIndex

/// Rebuilds a course's search index from what is published (issue #16): every ready lecture's published caption
/// tracks and the slides in its manifest. For captions published before the index existed, an index lost or damaged,
/// or a course moved; `lectern search reindex --course X` runs it. One conditional update of the course's index (see
/// `CourseSearchStore.update`), so a worker or editor indexing at the same time is never lost: the loser of the
/// pointer swap retries on the new version. Lectures in the index that are no longer ready (deleted, failed, being
/// re-encoded) are removed.
public struct CourseSearchRebuild: Sendable {
    public let store: LectureStore
    public let search: CourseSearchStore
    public let s3: S3Client
    public let bucket: String

    public init(store: LectureStore, search: CourseSearchStore, s3: S3Client, bucket: String) {
        self.store = store
        self.search = search
        self.s3 = s3
        self.bucket = bucket
    }

    public struct Outcome: Sendable, Equatable {
        public var lectures: Int
        public var moments: Int
        public var removed: Int
        /// Tracks or manifests that could not be read, in words (the rest is indexed anyway).
        public var skipped: [String]
    }

    public func rebuild(course: String) async throws -> Outcome {
        var documents: [String: [SearchDocument]] = [:]
        var skipped: [String] = []
        var cursor: DynamoDBItem?
        repeat {
            let page = try await store.list(course: course, limit: 100, startAfter: cursor)
            for record in page.records where record.state == .ready {
                guard let prefix = record.publishedPrefix else { continue }
                var lecture: [SearchDocument] = []
                for track in record.captions ?? [] {
                    let key = track.prefix(lectureID: record.lectureId) + CaptionPublisher.trackFileName
                    do {
                        let object = try await s3.getObject(bucket: bucket, key: key, limit: 8 << 20)
                        guard case .parsed(let document) = CaptionParser.parse(object.body, durationSeconds: nil) else {
                            skipped.append("\(record.lectureId): caption track \(track.id) does not parse")
                            continue
                        }
                        lecture += CourseSearchStore.documents(
                            lectureId: record.lectureId,
                            trackId: track.id,
                            cues: document.cues
                        )
                    } catch {
                        skipped.append("\(record.lectureId): caption track \(track.id) not read (\(error))")
                    }
                }
                do {
                    lecture += try await slideDocuments(of: record, prefix: prefix)
                } catch {
                    skipped.append("\(record.lectureId): manifest not read (\(error))")
                }
                documents[record.lectureId] = lecture
            }
            cursor = page.next
        } while cursor != nil
        let rebuilt = documents
        let removedBox = RemovedCount()
        try await search.update(course: course) { index in
            var removed = 0
            for id in try index.lectureIds() where rebuilt[id] == nil {
                try index.removeLecture(id)
                removed += 1
            }
            for (id, lecture) in rebuilt { try index.replaceLecture(id, with: lecture) }
            removedBox.set(removed)
        }
        return Outcome(
            lectures: rebuilt.count,
            moments: rebuilt.values.reduce(0) { $0 + $1.count },
            removed: removedBox.value,
            skipped: skipped
        )
    }

    /// The manifest's slides as `slide` moments (none when the encode found none).
    func slideDocuments(of record: LectureRecord, prefix: String) async throws -> [SearchDocument] {
        let object: S3Object
        do {
            object = try await s3.getObject(bucket: bucket, key: prefix + "manifest.json", limit: 4 << 20)
        } catch let error as AWSError where error.isNotFound {
            return []
        }
        struct Manifest: Decodable {
            struct Slides: Decodable {
                var status: String
                var items: [SlideMoments.Slide]?
            }
            var slides: Slides?
        }
        guard let slides = try JSONDecoder().decode(Manifest.self, from: object.body).slides,
            slides.status == "detected"
        else { return [] }
        return SlideMoments.documents(lectureID: record.lectureId, slides: slides.items ?? [])
    }
}

/// Slides as search moments, shared by the worker (after a publish) and the rebuild.
public enum SlideMoments {
    /// The search index source that holds a lecture's slides; replaced whole by every encode.
    public static let source = "slides"

    public struct Slide: Decodable, Sendable {
        public var start: Double
        public var end: Double
        public var title: String
        public var text: String
        public init(start: Double, end: Double, title: String, text: String) {
            self.start = start
            self.end = end
            self.title = title
            self.text = text
        }
    }

    /// One `slide` moment per slide with text: its time span and every line read (the title when no text was).
    public static func documents(lectureID: String, slides: [Slide]) -> [SearchDocument] {
        slides.compactMap { item in
            let text = (item.text.isEmpty ? item.title : item.text).replacingOccurrences(of: "\n", with: " ")
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return SearchDocument(
                lectureId: lectureID,
                kind: .slide,
                source: source,
                start: item.start,
                end: item.end,
                text: text
            )
        }
    }
}

/// How many lectures the update removed: set inside the update's Sendable closure (the last, winning attempt).
private final class RemovedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func set(_ value: Int) { lock.withLock { count = value } }
    var value: Int { lock.withLock { count } }
}
