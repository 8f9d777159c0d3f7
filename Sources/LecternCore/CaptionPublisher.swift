import AWS
import Captions
import Foundation

/// Publishes, edits and removes a lecture's caption tracks; the one entry point for the API (professors' uploads)
/// and the worker (machine drafts). Publishing never touches the video: it writes the track's files under a new,
/// never reused version (`captions/<lecture>/<track>/<version>/`: `track.vtt`, `playlist.m3u8`, one WebVTT segment
/// per video segment), then swaps the lecture item's `captions` list in one conditional write. The API's playlists
/// read that list, so the new version is live from that write on; files of the version it replaced stay until no
/// presigned link to them can still be valid (`retiredGraceSeconds`), then a later write deletes them.
public struct CaptionPublisher: Sendable {
    public let store: LectureStore
    public let s3: S3Client
    public let bucket: String
    /// How long replaced or deleted versions stay readable: at least the API's longest playback link lifetime.
    public var retiredGraceSeconds: Double
    /// The course search index (issue #16), told about every published or deleted track; `nil` leaves search out.
    public var searchIndex: CourseSearchStore?

    public static let trackFileName = "track.vtt"
    /// A lecture's tracks are few; the cap keeps the lecture item far below DynamoDB's 400 KB.
    public static let trackLimit = 20
    static let writeAttempts = 5

    public init(store: LectureStore, s3: S3Client, bucket: String, retiredGraceSeconds: Double = 2 * 3600) {
        self.store = store
        self.s3 = s3
        self.bucket = bucket
        self.retiredGraceSeconds = retiredGraceSeconds
        searchIndex = CourseSearchStore(dynamo: store.dynamo, table: store.table, s3: s3, bucket: bucket)
    }

    /// Why a caption change did not apply; `kind` is stable, `message` is for a professor.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// A struct over an enum (jwt-kit's `JWTError` shape) so a new kind does not break the API's handling; it
        /// compares kinds and has a default for those it does not know.
        public struct Kind: Sendable, Hashable, CustomStringConvertible {
            enum Base: String, Sendable {
                case lectureNotFound, lectureNotReady, trackNotFound, tooManyTracks, invalidTrack, invalidFile, busy
            }
            let base: Base

            public static let lectureNotFound = Kind(base: .lectureNotFound)
            public static let lectureNotReady = Kind(base: .lectureNotReady)
            public static let trackNotFound = Kind(base: .trackNotFound)
            public static let tooManyTracks = Kind(base: .tooManyTracks)
            public static let invalidTrack = Kind(base: .invalidTrack)
            public static let invalidFile = Kind(base: .invalidFile)
            public static let busy = Kind(base: .busy)

            public var rawValue: String { base.rawValue }
            public var description: String { base.rawValue }
        }
        public let kind: Kind
        public let message: String
        /// For `invalidFile`: every problem with its line, and the encoding the file was read as.
        public let problems: [CaptionProblem]
        public let encoding: CaptionTextEncoding?

        init(_ kind: Kind, _ message: String, problems: [CaptionProblem] = [], encoding: CaptionTextEncoding? = nil) {
            self.kind = kind
            self.message = message
            self.problems = problems
            self.encoding = encoding
        }

        public var description: String { message }
    }

    /// A change to a track's metadata (nil: unchanged).
    public struct TrackChange: Sendable, Equatable {
        public var language: String?
        public var label: String?
        public var kind: CaptionKind?
        public var isDefault: Bool?

        public init(language: String? = nil, label: String? = nil, kind: CaptionKind? = nil, isDefault: Bool? = nil) {
            self.language = language
            self.label = label
            self.kind = kind
            self.isDefault = isDefault
        }
    }

    // MARK: Publish

    /// Parses `file` (WebVTT or SRT, any supported encoding) against the lecture's duration and publishes it; the
    /// worker's entry point for a machine draft. Throws `Failure` with `.invalidFile` and the problems when it does
    /// not parse.
    @discardableResult
    public func publish(
        lectureID: String,
        track: CaptionTrackInput,
        file: Data,
        replacing trackID: String? = nil,
        now: Date = Date()
    ) async throws -> CaptionTrack {
        let record = try await readyRecord(lectureID)
        switch CaptionParser.parse(file, durationSeconds: record.durationSeconds) {
        case .parsed(let document):
            return try await publish(
                lectureID: lectureID,
                track: track,
                document: document,
                replacing: trackID,
                now: now
            )
        case .rejected(let problems, let encoding):
            throw Failure(
                .invalidFile,
                "the caption file has \(problems.count) problem\(problems.count == 1 ? "" : "s")",
                problems: problems,
                encoding: encoding
            )
        }
    }

    /// Publishes a parsed document as a new track, or as the next version of `trackID` (keeping its id and, unless
    /// `track` says otherwise, making `source` what `track` says: a professor's edit of a machine draft is theirs).
    @discardableResult
    public func publish(
        lectureID: String,
        track input: CaptionTrackInput,
        document: CaptionDocument,
        replacing trackID: String? = nil,
        now: Date = Date()
    ) async throws -> CaptionTrack {
        try Self.validate(input)
        let record = try await readyRecord(lectureID)
        if let trackID, !(record.captions ?? []).contains(where: { $0.id == trackID }) {
            throw Failure(.trackNotFound, "lecture \(lectureID) has no caption track \(trackID)")
        }
        if trackID == nil, (record.captions ?? []).count >= Self.trackLimit {
            throw Failure(.tooManyTracks, "a lecture holds at most \(Self.trackLimit) caption tracks; delete one first")
        }
        guard let prefix = record.publishedPrefix,
            let timeline = try await CaptionTimeline.load(s3: s3, bucket: bucket, prefix: prefix)
        else {
            throw Failure(
                .lectureNotReady,
                "lecture \(lectureID)'s video has no segment timeline to attach captions to; retry the lecture"
            )
        }
        let published = CaptionTrack(
            id: trackID ?? ObjectKeys.newCaptionTrackID(),
            language: input.language,
            label: input.label,
            kind: input.kind,
            source: input.source,
            version: ObjectKeys.newOutputVersion(now: now),
            isDefault: input.isDefault,
            cueCount: document.cues.count,
            updatedAt: now
        )
        let filesPrefix = published.prefix(lectureID: lectureID)
        try await writeFiles(document, timeline: timeline, prefix: filesPrefix)
        do {
            try await changeTracks(lectureID, now: now) { tracks in
                if let trackID {
                    guard let index = tracks.firstIndex(where: { $0.id == trackID }) else {
                        throw Failure(.trackNotFound, "caption track \(trackID) was deleted meanwhile")
                    }
                    tracks[index] = published
                } else {
                    guard tracks.count < Self.trackLimit else {
                        throw Failure(
                            .tooManyTracks,
                            "a lecture holds at most \(Self.trackLimit) caption tracks; delete one first"
                        )
                    }
                    tracks.append(published)
                }
                if published.isDefault { Self.makeDefault(published.id, in: &tracks) }
            }
        } catch {
            // Nobody points at these files: remove them now rather than leave them to the lecture's deletion.
            _ = try? await deletePrefix(filesPrefix)
            throw error
        }
        await indexForSearch(record, trackID: published.id, cues: document.cues)
        return published
    }

    // MARK: Edit and delete

    /// Applies `change` to a track's metadata; its files stay as they are (the playlists read label and language
    /// from the record).
    @discardableResult
    public func update(
        lectureID: String,
        trackID: String,
        change: TrackChange,
        now: Date = Date()
    ) async throws -> CaptionTrack {
        _ = try await readyRecord(lectureID)
        var updated: CaptionTrack?
        try await changeTracks(lectureID, now: now) { tracks in
            guard let index = tracks.firstIndex(where: { $0.id == trackID }) else {
                throw Failure(.trackNotFound, "lecture \(lectureID) has no caption track \(trackID)")
            }
            var track = tracks[index]
            if let language = change.language { track.language = language }
            if let label = change.label { track.label = label }
            if let kind = change.kind { track.kind = kind }
            if let isDefault = change.isDefault { track.isDefault = isDefault }
            try Self.validate(
                CaptionTrackInput(language: track.language, label: track.label, kind: track.kind, source: track.source)
            )
            track.updatedAt = now
            tracks[index] = track
            if track.isDefault { Self.makeDefault(track.id, in: &tracks) }
            updated = tracks.first { $0.id == trackID }
        }
        guard let updated else { throw Failure(.trackNotFound, "lecture \(lectureID) has no caption track \(trackID)") }
        return updated
    }

    public func delete(lectureID: String, trackID: String, now: Date = Date()) async throws {
        let record = try await readyRecord(lectureID)
        try await changeTracks(lectureID, now: now) { tracks in
            guard let index = tracks.firstIndex(where: { $0.id == trackID }) else {
                throw Failure(.trackNotFound, "lecture \(lectureID) has no caption track \(trackID)")
            }
            tracks.remove(at: index)
        }
        await indexForSearch(record, trackID: trackID, cues: [])
    }

    /// Puts the track's cues in the course's search index (none: removes them). The track change has already
    /// happened and is what matters to viewers, so an index failure does not undo it: search misses or keeps
    /// that track's words until the track is next published (a re-index job is on the roadmap).
    func indexForSearch(_ record: LectureRecord, trackID: String, cues: [CaptionCue]) async {
        guard let searchIndex else { return }
        try? await searchIndex.indexCaptionTrack(
            course: record.courseId,
            lectureId: record.lectureId,
            trackId: trackID,
            cues: cues
        )
    }

    // MARK: Parts

    static func validate(_ input: CaptionTrackInput) throws(Failure) {
        guard CaptionLanguage.isValid(input.language) else {
            throw Failure(
                .invalidTrack,
                "'\(input.language)' is not a BCP 47 language tag; write e.g. en, fr, pt-BR or zh-Hant"
            )
        }
        let label = input.label.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !label.isEmpty, label.count <= 80,
            !label.contains(where: { $0.isNewline || $0.unicodeScalars.contains { $0.value < 0x20 } })
        else {
            throw Failure(
                .invalidTrack,
                "a track's label must be 1…80 characters on one line, e.g. \"English\" or \"Français\""
            )
        }
    }

    static func makeDefault(_ id: String, in tracks: inout [CaptionTrack]) {
        for index in tracks.indices { tracks[index].isDefault = tracks[index].id == id }
    }

    func readyRecord(_ lectureID: String) async throws -> LectureRecord {
        guard let record = try await store.get(lectureID) else {
            throw Failure(.lectureNotFound, "lecture \(lectureID) does not exist")
        }
        guard record.state == .ready, record.publishedPrefix != nil else {
            throw Failure(
                .lectureNotReady,
                "captions can be added once the lecture has finished processing; "
                    + "it is \(record.state.rawValue) now, try again when it is ready"
            )
        }
        return record
    }

    func writeFiles(_ document: CaptionDocument, timeline: CaptionTimeline, prefix: String) async throws {
        let segmenter = timeline.segmenter
        let vttType = "text/vtt; charset=utf-8"
        for (index, text) in segmenter.segments(of: document).enumerated() {
            try await s3.putObject(
                bucket: bucket,
                key: prefix + CaptionSegmenter.segmentName(index),
                data: Data(text.utf8),
                contentType: vttType
            )
        }
        try await s3.putObject(
            bucket: bucket,
            key: prefix + CaptionSegmenter.playlistName,
            data: Data(segmenter.playlist().utf8),
            contentType: "application/vnd.apple.mpegurl"
        )
        try await s3.putObject(
            bucket: bucket,
            key: prefix + Self.trackFileName,
            data: Data(document.webVTT().utf8),
            contentType: vttType
        )
    }

    func deletePrefix(_ prefix: String) async throws {
        let keys = try await s3.listAll(bucket: bucket, prefix: prefix).map(\.key)
        if !keys.isEmpty { _ = try await s3.deleteObjects(bucket: bucket, keys: keys) }
    }

    /// Re-reads the lecture and applies `transform` to its track list until the conditional write wins (a
    /// concurrent editor's write makes this one re-apply its change on top of theirs, never overwrite it). Versions
    /// the new list no longer points at are retired; retired versions past the grace are deleted afterwards.
    func changeTracks(_ lectureID: String, now: Date, _ transform: (inout [CaptionTrack]) throws -> Void) async throws {
        for _ in 0..<Self.writeAttempts {
            let record = try await readyRecord(lectureID)
            let before = record.captions ?? []
            var tracks = before
            try transform(&tracks)
            let kept = Set(tracks.map { $0.prefix(lectureID: lectureID) })
            var retired = record.retiredCaptions ?? []
            retired += before.map { $0.prefix(lectureID: lectureID) }.filter { !kept.contains($0) }.map {
                RetiredCaptionVersion(prefix: $0, retiredAt: now)
            }
            let expired = retired.filter { now.timeIntervalSince($0.retiredAt) >= retiredGraceSeconds }
            retired.removeAll { now.timeIntervalSince($0.retiredAt) >= retiredGraceSeconds }
            if try await write(lectureID, tracks: tracks, retired: retired, expectedRevision: record.captionsRevision) {
                for version in expired { try? await deletePrefix(version.prefix) }
                return
            }
        }
        throw Failure(.busy, "the lecture's captions are being changed by someone else right now; try again")
    }

    /// One conditional write of the list; false when another write came first.
    func write(
        _ lectureID: String,
        tracks: [CaptionTrack],
        retired: [RetiredCaptionVersion],
        expectedRevision: Int?
    ) async throws -> Bool {
        let dynamo = store.dynamo
        var values: DynamoDBItem = [
            ":tracks": try dynamo.encoder.encodeValue(tracks), ":retired": try dynamo.encoder.encodeValue(retired),
            ":next": .n(String((expectedRevision ?? 0) + 1)), ":ready": .s(LectureState.ready.rawValue),
        ]
        var condition = "attribute_exists(lectureId) AND #state = :ready AND "
        if let expectedRevision {
            values[":revision"] = .n(String(expectedRevision))
            condition += "#revision = :revision"
        } else {
            condition += "attribute_not_exists(#revision)"
        }
        do {
            try await dynamo.updateItem(
                table: store.table,
                key: ["lectureId": .s(lectureID)],
                update: "SET #captions = :tracks, #retired = :retired, #revision = :next",
                condition: condition,
                names: [
                    "#captions": "captions", "#retired": "retiredCaptions", "#revision": "captionsRevision",
                    "#state": "state",
                ],
                values: values,
                returnValues: .none
            )
            return true
        } catch let error as AWSError where error.isConditionFailed {
            return false
        }
    }
}
