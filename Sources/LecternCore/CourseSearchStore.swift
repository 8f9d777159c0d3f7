import AWS
import Captions
import Foundation
import SearchIndex

/// Where each course's search index lives and how it changes: one SQLite file per course in S3, a pointer item
/// in the lectures table naming its current version, and a compare-and-swap on that pointer.
///
/// The pointer is its own item (`lectureId = "search#<course>"`), not an attribute of the course item, because
/// `CourseStore.put` replaces the course item whole and would drop it. Like the course item it has no `courseId`
/// or `createdAt`, so it stays out of the `byCourse` index and the lecture loaders (which read `lec_` keys only).
///
/// An update reads the pointer, downloads that version, applies the change on a local copy, uploads it under a new
/// never-reused key, then swaps the pointer on condition that it still names the version read. A writer that lost
/// the race deletes its upload and starts again from the winner's version, so two workers never drop each other's
/// lectures. The file replaced is deleted at once: API replicas keep their own copy, and one that finds the key
/// gone re-reads the pointer.
public struct CourseSearchStore: Sendable {
    public let dynamo: DynamoDBClient
    public let table: String
    public let s3: S3Client
    public let bucket: String
    /// Where index files are downloaded to and edited (one file per update, removed after).
    public let scratchDirectory: URL
    /// Test seam: runs after the new version is uploaded and before the pointer swap.
    var beforeSwap: (@Sendable () async throws -> Void)?

    public static let keyPrefix = "search#"
    static let updateAttempts = 8

    public init(
        dynamo: DynamoDBClient,
        table: String,
        s3: S3Client,
        bucket: String,
        scratchDirectory: URL = FileManager.default.temporaryDirectory
    ) {
        self.dynamo = dynamo
        self.table = table
        self.s3 = s3
        self.bucket = bucket
        self.scratchDirectory = scratchDirectory
    }

    /// The pointer item: which object holds the course's index now.
    public struct Pointer: Codable, Sendable, Equatable {
        public var lectureId: String
        public var searchCourse: String
        public var indexVersion: Int
        public var indexKey: String
        public var indexUpdatedAt: Date
    }

    static func key(_ course: String) -> DynamoDBItem { ["lectureId": .s(keyPrefix + course)] }

    /// `search/<course>/index-<version>-<random>.sqlite`: the random part keeps two racing writers of the same
    /// version from overwriting each other's upload before one of them wins the swap.
    static func objectKey(course: String, version: Int) -> String {
        "search/\(course)/index-\(version)-\(UUID().uuidString.prefix(8).lowercased()).sqlite"
    }

    /// The course's current pointer, or nil when nothing was ever indexed for it.
    public func pointer(_ course: String) async throws -> Pointer? {
        try await dynamo.getItem(Pointer.self, table: table, key: Self.key(course), consistentRead: true)
    }

    /// Downloads the index the pointer names to `path`.
    public func download(_ pointer: Pointer, to path: String) async throws {
        try await s3.getObject(bucket: bucket, key: pointer.indexKey, toFile: path)
    }

    /// Applies `change` to the course's index and publishes the result as a new version. Answers the new pointer.
    @discardableResult
    public func update(
        course: String,
        now: Date = Date(),
        _ change: @Sendable (CourseSearchIndex) throws -> Void
    ) async throws -> Pointer {
        var lastConflict: (any Error)?
        for _ in 0..<Self.updateAttempts {
            let current = try await pointer(course)
            let local = scratchDirectory.appendingPathComponent("search-\(UUID().uuidString).sqlite")
            defer { try? FileManager.default.removeItem(at: local) }
            if let current {
                try await download(current, to: local.path)
            }
            do {
                let index = try CourseSearchIndex(path: local.path)
                try change(index)
            }  // the index (and its connection) is closed here, before the file is uploaded
            let next = Pointer(
                lectureId: Self.keyPrefix + course,
                searchCourse: course,
                indexVersion: (current?.indexVersion ?? 0) + 1,
                indexKey: Self.objectKey(course: course, version: (current?.indexVersion ?? 0) + 1),
                indexUpdatedAt: now
            )
            try await s3.putObject(
                bucket: bucket,
                key: next.indexKey,
                fileAt: local.path,
                contentType: "application/vnd.sqlite3"
            )
            do {
                try await beforeSwap?()
                if let current {
                    try await dynamo.putItem(
                        table: table,
                        next,
                        condition: "indexVersion = :read",
                        values: [":read": .n(String(current.indexVersion))]
                    )
                } else {
                    try await dynamo.putItem(table: table, next, condition: "attribute_not_exists(lectureId)")
                }
            } catch let error as AWSError where error.isConditionFailed {
                try? await s3.deleteObject(bucket: bucket, key: next.indexKey)
                lastConflict = error
                continue
            } catch {
                try? await s3.deleteObject(bucket: bucket, key: next.indexKey)
                throw error
            }
            if let current { try? await s3.deleteObject(bucket: bucket, key: current.indexKey) }
            return next
        }
        throw lastConflict
            ?? AWSError(code: "SearchIndexContention", message: "course \(course)", status: 0, service: "search")
    }

    /// Indexes one published caption track of a lecture, replacing what that track contributed before (an empty
    /// `cues` removes it: the track was deleted).
    public func indexCaptionTrack(course: String, lectureId: String, trackId: String, cues: [CaptionCue]) async throws {
        let documents = Self.documents(lectureId: lectureId, trackId: trackId, cues: cues)
        try await update(course: course) { index in
            try index.replaceSource(trackId, lectureId: lectureId, with: documents)
        }
    }

    /// A track's cues as search documents: cue markup (`<v Ana>`, `<i>`, timestamps) removed, entities decoded.
    static func documents(lectureId: String, trackId: String, cues: [CaptionCue]) -> [SearchDocument] {
        cues.map { cue in
            SearchDocument(
                lectureId: lectureId,
                kind: .caption,
                source: trackId,
                start: Double(cue.startMilliseconds) / 1000,
                end: Double(cue.endMilliseconds) / 1000,
                text: plainText(cue.text)
            )
        }
    }

    static func plainText(_ cueText: String) -> String {
        var text = ""
        var inTag = false
        for character in cueText {
            switch character {
            case "<": inTag = true
            case ">" where inTag: inTag = false
            default: if !inTag { text.append(character == "\n" ? " " : character) }
            }
        }
        for (entity, value) in [
            ("&lt;", "<"), ("&gt;", ">"), ("&nbsp;", " "), ("&lrm;", ""), ("&rlm;", ""), ("&amp;", "&"),
        ] {
            text = text.replacingOccurrences(of: entity, with: value)
        }
        return text
    }

    /// Removes a deleted lecture from its course's index. Nothing to do when the course has no index.
    public func removeLecture(course: String, lectureId: String) async throws {
        guard try await pointer(course) != nil else { return }
        try await update(course: course) { index in
            try index.removeLecture(lectureId)
        }
    }
}
