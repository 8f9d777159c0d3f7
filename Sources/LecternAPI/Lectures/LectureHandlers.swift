import AWS
import Foundation
import LecternCore
import Logging

/// Lecture life cycle over HTTP: create with an upload plan, hand out part URLs, complete (enqueue exactly once),
/// abort, read, list, retry, delete.
struct LectureHandlers: Sendable {
    let config: APIConfig
    let services: APIServices
    let logger: Logger
    let completions = SingleFlight<APIResponse>()
    let records: LectureRecordCache
    var outbox: JobOutbox { JobOutbox(services: services, logger: logger) }

    var store: LectureStore { services.store }
    var courses: CourseStore { CourseStore(services.store) }
    var s3: S3Client { services.s3 }
    var bucket: String { services.bucket }

    static let partBatchLimit = 100
    static let firstPartBatch = 10

    init(config: APIConfig, services: APIServices, logger: Logger, recordCacheTTL: Duration = .zero) {
        self.config = config
        self.services = services
        self.logger = logger
        records = LectureRecordCache(ttl: recordCacheTTL)
    }

    // MARK: Loading

    /// The record as of every acknowledged write: for handlers that change it.
    func load(_ id: String) async throws -> LectureRecord {
        guard ObjectKeys.isLectureID(id), let record = try await store.get(id) else {
            throw APIProblem.notFound("lecture \(id) does not exist")
        }
        return record
    }

    /// The record at most the cache's TTL old: for handlers that only show it (see `LectureRecordCache`).
    func loadForReading(_ id: String) async throws -> LectureRecord {
        guard ObjectKeys.isLectureID(id),
            let record = try await records.record(id, load: { [store] in try await store.get(id) })
        else {
            throw APIProblem.notFound("lecture \(id) does not exist")
        }
        return record
    }

    // MARK: Create

    func create(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let input = try APIJSON.decode(CreateLectureRequest.self, from: context.request)
        try validate(input)
        try caller.requireProfessor(of: input.course)
        let publishing = try await LectureEditRules.initialVisibility(
            input,
            course: { [courses] in try await courses.settings(input.course) }
        )

        let id = ObjectKeys.newLectureID()
        let key = ObjectKeys.source(lectureID: id)
        var record = LectureRecord(
            lectureId: id,
            courseId: input.course,
            ownerId: caller.userID,
            title: input.title,
            filename: input.filename,
            contentType: input.contentType,
            sizeBytes: input.size,
            sourceKey: key
        )
        record.visibility = publishing.visibility
        record.publishAt = publishing.publishAt
        record.description = publishing.description
        // Where the outcome mail goes (`LectureOutcomeNotifier`); an implausible claim is dropped, not refused: the
        // upload does not depend on it.
        record.uploaderEmail = caller.email.flatMap { LectureMailSettings.isPlausibleAddress($0) ? $0 : nil }
        let expiresAt = Date().addingTimeInterval(TimeInterval(config.uploadURLSeconds))
        let plan: UploadPlan
        switch UploadShape.plan(size: input.size, singleMax: config.singleUploadMaxBytes, minPart: config.minPartBytes)
        {
        case .single:
            let url = try await s3.presignedPutURL(
                bucket: bucket,
                key: key,
                contentType: input.contentType,
                expires: config.uploadURLSeconds
            )
            plan = UploadPlan(
                method: .single,
                url: url,
                headers: ["Content-Type": input.contentType],
                expiresAt: expiresAt
            )
        case .multipart(let partSize, let partCount):
            let uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key, contentType: input.contentType)
            record.uploadId = uploadID
            record.partSizeBytes = partSize
            let first = try await partURLs(
                key: key,
                uploadID: uploadID,
                numbers: Array(1...min(partCount, Self.firstPartBatch))
            )
            plan = UploadPlan(
                method: .multipart,
                partSize: partSize,
                partCount: partCount,
                parts: try first.map { try UploadPlan.PartURL($0) },
                expiresAt: expiresAt
            )
        }
        try await store.create(record)
        logger.info(
            "lecture created",
            metadata: ["lecture": "\(id)", "course": "\(input.course)", "size": "\(input.size)"]
        )
        var response = APIResponse.json(CreateLectureResponse(lecture: LectureView(record), upload: plan), status: 201)
        response.headers["Location"] = "/v1/lectures/\(id)"
        return response
    }

    private func validate(_ input: CreateLectureRequest) throws(APIProblem) {
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= 200 else { throw .badRequest("field 'title' must be 1…200 characters") }
        guard !input.filename.isEmpty, input.filename.count <= 255 else {
            throw .badRequest("field 'filename' must be 1…255 characters")
        }
        guard Self.isCourseName(input.course) else {
            throw .badRequest("field 'course' must be 1…64 letters, digits, '-', '_' or '.'")
        }
        guard input.size > 0 else { throw .badRequest("field 'size' must be a positive number of bytes") }
        guard input.size <= config.maxUploadBytes else {
            throw .unprocessable(
                "the file is \(input.size) bytes; Lectern accepts lectures up to \(config.maxUploadBytes) bytes",
                kind: "file-too-large"
            )
        }
        guard Self.isVideoType(input.contentType) else {
            throw .unprocessable(
                """
                '\(input.contentType)' is not a video type; upload a video file \
                (video/mp4, video/quicktime, video/webm…)
                """,
                kind: "not-a-video"
            )
        }
    }

    static func isCourseName(_ course: String) -> Bool {
        !course.isEmpty && course.count <= 64
            && course.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }

    static func isVideoType(_ type: String) -> Bool {
        let parts = type.lowercased().split(separator: "/", maxSplits: 1)
        guard parts.count == 2, parts[0] == "video", !parts[1].isEmpty, type.count <= 100 else { return false }
        return parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-+.".contains($0)) }
    }

    // MARK: Parts

    /// Presigned as text: the batch answer writes them straight into its JSON.
    private func partURLs(key: String, uploadID: String, numbers: [Int]) async throws -> [PartURLText] {
        let urls = try await s3.presignedUploadPartURLStrings(
            bucket: bucket,
            key: key,
            uploadID: uploadID,
            partNumbers: numbers,
            expires: config.uploadURLSeconds
        )
        return zip(numbers, urls).map { PartURLText(partNumber: $0, url: $1) }
    }

    private func openMultipart(
        _ record: LectureRecord
    ) throws(APIProblem) -> (uploadID: String, partSize: Int64, partCount: Int) {
        guard record.state == .awaitingUpload else {
            throw .conflict("lecture \(record.lectureId) is \(record.state.rawValue); its upload is over")
        }
        guard let uploadID = record.uploadId, let partSize = record.partSizeBytes, partSize > 0 else {
            throw .conflict("lecture \(record.lectureId) is a single-PUT upload; it has no parts")
        }
        return (uploadID, partSize, Int((record.sizeBytes + partSize - 1) / partSize))
    }

    /// Part numbers an uploader sends must name parts of this upload (1…`partCount`), whichever request sends them.
    static func requireParts(_ numbers: [Int], within partCount: Int) throws(APIProblem) {
        if let bad = numbers.first(where: { !(1...partCount).contains($0) }) {
            throw .unprocessable(
                "part number \(bad) is outside this upload's parts 1…\(partCount)",
                kind: "invalid-part-number"
            )
        }
    }

    func partURLBatch(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        try APIJSON.checkContentType(context.request)
        let input =
            try PartURLsRequest.simpleBody(context.request.body)
            ?? APIJSON.decode(PartURLsRequest.self, from: context.request)
        let record = try await loadForReading(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        let upload = try openMultipart(record)
        guard !input.partNumbers.isEmpty, input.partNumbers.count <= Self.partBatchLimit else {
            throw APIProblem.badRequest("field 'partNumbers' must list 1…\(Self.partBatchLimit) part numbers")
        }
        try Self.requireParts(input.partNumbers, within: upload.partCount)
        let numbers = Array(Set(input.partNumbers)).sorted()
        let parts = try await partURLs(key: record.sourceKey, uploadID: upload.uploadID, numbers: numbers)
        let body = PartURLsResponse.json(
            parts: parts,
            expiresAt: Date().addingTimeInterval(TimeInterval(config.uploadURLSeconds))
        )
        return APIResponse(status: 200, body: body, contentType: "application/json")
    }

    func uploadStatus(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        if record.uploadId != nil {
            let upload = try openMultipart(record)
            let uploaded: [S3UploadedPart]
            do {
                uploaded = try await s3.listParts(bucket: bucket, key: record.sourceKey, uploadID: upload.uploadID)
            } catch let error as AWSError where error.code == "NoSuchUpload" {
                // Found by schemathesis: this was a 500. S3 no longer has the upload (aborted or assembled behind our
                // back).
                throw APIProblem.conflict(
                    "the multipart upload of lecture \(record.lectureId) no longer exists in S3; it cannot be resumed"
                )
            }
            let have = Set(uploaded.map(\.partNumber))
            return .json(
                UploadStatusResponse(
                    method: .multipart,
                    state: record.state.rawValue,
                    partSize: upload.partSize,
                    partCount: upload.partCount,
                    uploadedParts: uploaded.map { .init(partNumber: $0.partNumber, eTag: $0.eTag, size: $0.size) },
                    missingPartNumbers: (1...upload.partCount).filter { !have.contains($0) }
                )
            )
        }
        guard record.state == .awaitingUpload else {
            // The upload is over. After an abort (DELETE …/upload) the source is gone and so is the upload: 404, as
            // schemathesis's use-after-free check expects; otherwise report what was uploaded, and how.
            guard try await headSource(record) != nil else {
                throw APIProblem.notFound("lecture \(record.lectureId) has no upload: it was cancelled or removed")
            }
            return .json(
                UploadStatusResponse(
                    method: record.partSizeBytes == nil ? .single : .multipart,
                    state: record.state.rawValue,
                    uploaded: true
                )
            )
        }
        let present = try await headSource(record) != nil
        let url = try await s3.presignedPutURL(
            bucket: bucket,
            key: record.sourceKey,
            contentType: record.contentType,
            expires: config.uploadURLSeconds
        )
        return .json(
            UploadStatusResponse(
                method: .single,
                state: record.state.rawValue,
                uploaded: present,
                url: url,
                expiresAt: Date().addingTimeInterval(TimeInterval(config.uploadURLSeconds))
            )
        )
    }

    private func headSource(_ record: LectureRecord) async throws -> S3ObjectInfo? {
        do {
            return try await s3.headObject(bucket: bucket, key: record.sourceKey)
        } catch let error as AWSError where error.isNotFound {
            return nil
        }
    }

    // MARK: Complete

    func complete(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let input =
            context.request.body.isEmpty
            ? CompleteUploadRequest() : try APIJSON.decode(CompleteUploadRequest.self, from: context.request)
        let record = try await load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        if let accepted = try alreadyAccepted(record) { return accepted }
        defer { records.invalidate(record.lectureId) }
        return try await completions.run(record.lectureId) {
            try await completeUpload(record.lectureId, input)
        }
    }

    private func completeUpload(_ id: String, _ input: CompleteUploadRequest) async throws -> APIResponse {
        // Read again: a completion that finished while this one waited has already answered.
        let record = try await load(id)
        if let accepted = try alreadyAccepted(record) { return accepted }

        if let uploadID = record.uploadId {
            guard let parts = input.parts, !parts.isEmpty else {
                throw APIProblem.badRequest(
                    "field 'parts' must list every part's partNumber and eTag for a multipart upload"
                )
            }
            let upload = try openMultipart(record)
            try Self.requireParts(parts.map(\.partNumber), within: upload.partCount)
            guard Set(parts.map(\.partNumber)).count == upload.partCount else {
                throw APIProblem.unprocessable(
                    "the upload has \(upload.partCount) parts; the request lists \(Set(parts.map(\.partNumber)).count)",
                    kind: "incomplete-upload"
                )
            }
            do {
                try await s3.completeMultipartUpload(
                    bucket: bucket,
                    key: record.sourceKey,
                    uploadID: uploadID,
                    parts: parts.map { S3CompletedPart(partNumber: $0.partNumber, eTag: $0.eTag) }
                )
            } catch let error as AWSError where error.code == "NoSuchUpload" {
                // A concurrent complete may have finished it: answer what that call answered.
                if let accepted = try alreadyAccepted(try await load(record.lectureId)) { return accepted }
                if try await headSource(record) == nil {
                    throw APIProblem.conflict("the multipart upload no longer exists")
                }
            } catch let error as AWSError where error.status == 400 {
                // S3's own words go to the log, not to the caller: they can name buckets, keys and internals.
                logger.warning(
                    "S3 refused to assemble the parts",
                    metadata: [
                        "lecture": "\(record.lectureId)", "code": "\(error.code)",
                        "message": "\(error.message)",
                    ]
                )
                throw APIProblem.unprocessable(
                    "S3 refused to assemble the parts (\(error.code)): check every part's partNumber and eTag",
                    kind: "invalid-parts"
                )
            }
        }
        guard let object = try await headSource(record) else {
            throw APIProblem.conflict("nothing has been uploaded to lecture \(record.lectureId) yet")
        }
        guard object.contentLength == record.sizeBytes else {
            let reason = "the uploaded file is \(object.contentLength) bytes, but \(record.sizeBytes) were announced"
            if record.uploadId != nil {
                // The parts are assembled and gone: the upload cannot be resumed, so the lecture fails.
                _ = try? await store.transition(
                    record.lectureId,
                    from: [.awaitingUpload],
                    to: .failed,
                    changes: ["failureReason": .s(reason), "uploadId": nil]
                )
            }
            throw APIProblem.unprocessable(reason, kind: "size-mismatch")
        }
        try await refuseIfNotMedia(record)
        return try await enqueue(record, from: [.awaitingUpload])
    }

    /// Reads the upload's first MiB (a ranged GET) and, when it starts no known container, fails the lecture at once,
    /// not retryable, instead of queueing a job that can only fail behind the others.
    private func refuseIfNotMedia(_ record: LectureRecord) async throws {
        let length = min(Int64(ContainerSniffer.headLength), record.sizeBytes)
        guard length > 0 else { return }
        let head = try await s3.getObject(
            bucket: bucket,
            key: record.sourceKey,
            range: 0...(length - 1),
            limit: ContainerSniffer.headLength
        )
        guard ContainerSniffer.container(of: head.body) == nil else { return }
        logger.notice("upload is not media; lecture failed", metadata: ["lecture": "\(record.lectureId)"])
        _ = try? await store.transition(
            record.lectureId,
            from: [.awaitingUpload],
            to: .failed,
            changes: [
                "failureReason": .s(ContainerSniffer.refusalReason), "uploadId": nil,
                "failureRetryable": .bool(false),
            ]
        )
        throw APIProblem.unprocessable(ContainerSniffer.refusalReason, kind: "not-media")
    }

    /// The answer of an earlier successful complete or retry, if there was one.
    private func alreadyAccepted(_ record: LectureRecord) throws -> APIResponse? {
        switch record.state {
        case .queued, .processing, .ready:
            guard let version = record.jobVersion else { return nil }
            return .json(JobAccepted(lectureId: record.lectureId, jobVersion: version), status: 202)
        case .failed:
            throw APIProblem.conflict(
                "lecture \(record.lectureId) failed: \(record.failureReason ?? "no reason recorded"); retry it instead"
            )
        case .awaitingUpload:
            return nil
        }
    }

    /// Moves the lecture to queued and, only if this call made that move, sends the job: of any number of
    /// concurrent or repeated calls exactly one sends, and all answer the same 202. The transition also writes the
    /// outbox marker, so a crash before the send cannot lose the job: `JobOutbox.sweep` sends it later.
    private func enqueue(_ record: LectureRecord, from states: Set<LectureState>) async throws -> APIResponse {
        let version = ObjectKeys.newOutputVersion()
        // `attempts` restarts with each enqueue: the worker's attempt limit (JobLimits) is per encode, so a lecture
        // that failed for running out of attempts can be retried.
        var changes: [String: AttributeValue?] = [
            "jobVersion": .s(version), "uploadId": nil, "failureReason": nil, "failureRetryable": nil,
            "progressPercent": nil, "progressStage": nil,
            "attempts": .n("0"),
        ]
        changes.merge(try outbox.markerChanges()) { _, marker in marker }
        let queued: LectureRecord
        do {
            queued = try await store.transition(record.lectureId, from: states, to: .queued, changes: changes)
        } catch let conflict as LectureStore.Conflict {
            if let current = conflict.current, let accepted = try alreadyAccepted(current) { return accepted }
            throw APIProblem.conflict(conflict.description)
        }
        let message = JobMessage(lectureID: record.lectureId, sourceKey: record.sourceKey, outputVersion: version)
        do {
            try await outbox.send(message)
        } catch {
            // SQS refused outright (after its retries): fail the lecture now so the professor can retry, rather than
            // leave it queued until a sweep. Should this write fail too, the marker stays and a sweep sends the job.
            logger.error("enqueue failed", metadata: ["lecture": "\(record.lectureId)", "error": "\(error)"])
            var failing = JobOutbox.clearingChanges
            failing["failureReason"] = .some(.s("the job could not be queued; retry the lecture"))
            _ = try? await store.transition(
                record.lectureId,
                from: [.queued],
                to: .failed,
                changes: failing,
                extraCondition: "jobVersion = :version",
                extraValues: [":version": .s(version)]
            )
            throw APIProblem.serviceUnavailable("the job queue did not accept the job; retry the lecture")
        }
        logger.info("job queued", metadata: ["lecture": "\(record.lectureId)", "version": "\(version)"])
        return .json(JobAccepted(lectureId: queued.lectureId, jobVersion: version), status: 202)
    }

    // MARK: Abort

    func abort(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        guard record.state == .awaitingUpload else {
            throw APIProblem.conflict(
                "lecture \(record.lectureId) is \(record.state.rawValue); there is no upload to abort"
            )
        }
        defer { records.invalidate(record.lectureId) }
        if let uploadID = record.uploadId {
            do {
                try await s3.abortMultipartUpload(bucket: bucket, key: record.sourceKey, uploadID: uploadID)
            } catch let error as AWSError where error.code == "NoSuchUpload" {}
        }
        try await s3.deleteObject(bucket: bucket, key: record.sourceKey)
        do {
            try await store.transition(
                record.lectureId,
                from: [.awaitingUpload],
                to: .failed,
                changes: [
                    "failureReason": .s("the upload was cancelled"), "uploadId": nil,
                ]
            )
        } catch let conflict as LectureStore.Conflict {
            throw APIProblem.conflict(conflict.description)
        }
        return .noContent()
    }

    // MARK: Read

    func get(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await loadForReading(context.parameter("id"))
        try LectureAccess.requireRead(record, by: caller)
        var playback: PlaybackView?
        if record.state == .ready, let prefix = record.publishedPrefix {
            // Playlist links carry a grant for this caller and lecture, never the caller's token (see PlaybackGrants).
            let grant = config.playbackGrants.mint(lecture: record.lectureId, course: record.courseId, for: caller)
            playback = try await Playback(config: config, services: services).view(
                of: record,
                prefix: prefix,
                grant: grant,
                managedByCaller: (try? LectureAccess.requireManage(record, by: caller)) != nil
            )
        } else if let split = record.growingSplit {
            // Still encoding, but its start can be watched: growing playlists, the same grant (issue #15).
            let grant = config.playbackGrants.mint(lecture: record.lectureId, course: record.courseId, for: caller)
            playback = try await GrowingPlayback(
                playback: Playback(config: config, services: services),
                files: DoneChunkFiles(capacity: 4),
                record: record,
                split: split
            ).view(grant: grant)
        }
        let view = LectureView(
            record,
            playback: playback,
            captionDraft: CaptionDraftView(record, settings: config.captionDrafts)
        )
        return APIResponse(status: 200, body: view.directJSON ?? APIJSON.encode(view), contentType: "application/json")
    }

    func list(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let course = context.parameter("course")
        guard Self.isCourseName(course) else {
            throw APIProblem.badRequest("a course name is 1…64 letters, digits, '-', '_' or '.'")
        }
        try LectureAccess.requireList(course: course, by: caller)
        let limitText = context.request.query["limit"] ?? "20"
        guard let limit = Int(limitText), (1...100).contains(limit) else {
            throw APIProblem.badRequest("query parameter 'limit' must be 1…100")
        }
        let start = try context.request.query["cursor"].map { text throws(APIProblem) in
            try PageCursor.decode(text, course: course)
        }
        let page = try await store.list(course: course, limit: limit, startAfter: start)
        let now = Date()
        // Students never see drafts, nor scheduled lectures before their time (evaluated now, see LectureVisibility).
        let visible =
            caller.role == .student
            ? page.records.filter { LectureAccess.isVisibleToStudents($0, at: now) } : page.records
        let playback = Playback(config: config, services: services)
        var views: [LectureView] = []
        views.reserveCapacity(visible.count)
        for record in visible {
            // The poster is presigned here (no I/O: a signature), so neither list needs a call per lecture for it.
            let poster = try await playback.posterLink(record)
            views.append(LectureView(record, poster: poster, now: now))
        }
        return .json(LecturePage(lectures: views, nextCursor: page.next.map(PageCursor.encode)))
    }

    // MARK: Retry and delete

    func retry(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await load(context.parameter("id"))
        try LectureAccess.requireRetry(record, by: caller)
        defer { records.invalidate(record.lectureId) }
        guard record.state == .failed else {
            if let accepted = try alreadyAccepted(record) { return accepted }
            throw APIProblem.conflict(
                "lecture \(record.lectureId) is \(record.state.rawValue); only failed lectures can be retried"
            )
        }
        guard record.failureRetryable ?? true else {
            throw APIProblem.conflict(
                "Retrying cannot help: \(record.failureReason ?? "the file cannot be processed"). "
                    + "Delete this lecture and upload the recording again."
            )
        }
        guard let source = try await headSource(record), source.contentLength == record.sizeBytes else {
            throw APIProblem.conflict("lecture \(record.lectureId) has no complete upload to encode; create it again")
        }
        return try await enqueue(record, from: [.failed])
    }

    func delete(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        defer { records.invalidate(record.lectureId) }
        if let uploadID = record.uploadId {
            try? await s3.abortMultipartUpload(bucket: bucket, key: record.sourceKey, uploadID: uploadID)
        }
        // Every rendition version, not just the published one: earlier encodes leave theirs behind too.
        var keys = [record.sourceKey]
        keys += try await s3.listAll(bucket: bucket, prefix: ObjectKeys.renditionsPrefix(lectureID: record.lectureId))
            .map(\.key)
        // Every caption version too, current and retired.
        keys += try await s3.listAll(bucket: bucket, prefix: ObjectKeys.captionsPrefix(lectureID: record.lectureId))
            .map(\.key)
        let result = try await s3.deleteObjects(bucket: bucket, keys: keys)
        guard result.failures.isEmpty else {
            throw APIProblem.serviceUnavailable("\(result.failures.count) files could not be deleted; try again")
        }
        try await store.delete(record.lectureId)
        // Searches never answer a deleted lecture (they filter on the lecture list); this only frees its index space.
        try? await CourseSearchStore(dynamo: store.dynamo, table: store.table, s3: s3, bucket: bucket)
            .removeLecture(course: record.courseId, lectureId: record.lectureId)
        logger.info("lecture deleted", metadata: ["lecture": "\(record.lectureId)", "objects": "\(keys.count)"])
        return .noContent()
    }
}
