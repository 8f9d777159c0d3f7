import AWS
import Captions
import Foundation
import LecternCore

/// The caption routes: list, add, replace, edit, delete a lecture's tracks (`CaptionPublisher` does the work).
/// Reading follows `LectureAccess.requireRead` (students see every published track); changing follows
/// `requireManage`, the rule of lecture delete.
struct CaptionHandlers: Sendable {
    let lectures: LectureHandlers

    var config: APIConfig { lectures.config }
    var services: APIServices { lectures.services }
    var publisher: CaptionPublisher {
        // Retired versions outlive every link the API can have handed out (playlists are cached a quarter of it).
        CaptionPublisher(
            store: services.store,
            s3: services.s3,
            bucket: services.bucket,
            retiredGraceSeconds: Double(config.playbackURLSeconds) * 2
        )
    }

    /// Caption files are text: a two-hour lecture's captions are ~150 KB, so 4 MiB is generous.
    static let maxFileBytes = 4 << 20
    static let problemLimit = 50
    /// How the uploaded bytes were read (`utf-8`, `utf-8-bom`, `utf-16le`, `utf-16be`, `windows-1252`), so a client
    /// can tell the professor when a file was converted.
    static let encodingHeader = "Lectern-Caption-Encoding"
    static let acceptedTypes = [
        "text/vtt", "application/x-subrip", "text/srt", "text/plain", "application/octet-stream",
    ]

    // MARK: Read

    func list(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await lectures.loadForReading(context.parameter("id"))
        try LectureAccess.requireRead(record, by: caller)
        return .json(CaptionTrackList(tracks: try await Self.views(of: record, config: config, services: services)))
    }

    static func views(
        of record: LectureRecord,
        config: APIConfig,
        services: APIServices
    ) async throws -> [CaptionTrackView] {
        guard record.state == .ready else { return [] }
        var views: [CaptionTrackView] = []
        for track in record.captions ?? [] {
            let url = try await services.s3.presignedGetURL(
                bucket: services.bucket,
                key: track.prefix(lectureID: record.lectureId) + CaptionPublisher.trackFileName,
                expires: config.playbackURLSeconds
            )
            views.append(CaptionTrackView(track, vtt: url))
        }
        return views
    }

    // MARK: Change

    func add(_ context: RequestContext) async throws -> APIResponse {
        try await answeringRejections(context) { try await addTrack(context) }
    }

    func replace(_ context: RequestContext) async throws -> APIResponse {
        try await answeringRejections(context) { try await replaceTrack(context) }
    }

    /// A file that does not parse is a 422 with a body of its own (line errors), not a plain `APIProblem`.
    private func answeringRejections(
        _ context: RequestContext,
        _ body: () async throws -> APIResponse
    ) async throws -> APIResponse {
        do {
            return try await body()
        } catch let rejection as CaptionFileRejection {
            return rejection.response(instance: context.request.path)
        }
    }

    private func addTrack(_ context: RequestContext) async throws -> APIResponse {
        let (record, document) = try await uploadedFile(context)
        let query = context.request.query
        guard let language = query["language"] else {
            throw APIProblem.badRequest("query parameter 'language' is required: a BCP 47 tag such as en, fr or pt-BR")
        }
        let kind =
            try query["kind"].map { text throws(APIProblem) in
                guard let kind = CaptionKind(rawValue: text) else {
                    throw .badRequest("query parameter 'kind' must be captions or subtitles")
                }
                return kind
            } ?? .captions
        let isDefault =
            try query["default"].map { text throws(APIProblem) in
                guard text == "true" || text == "false" else {
                    throw .badRequest("query parameter 'default' must be true or false")
                }
                return text == "true"
            } ?? false
        let input = CaptionTrackInput(
            language: language,
            label: query["label"] ?? language,
            kind: kind,
            source: .professor,
            isDefault: isDefault
        )
        let track = try await perform(record) {
            try await publisher.publish(lectureID: record.lectureId, track: input, document: document)
        }
        var response = APIResponse.json(try await view(track, record), status: 201)
        response.headers["Location"] = "/v1/lectures/\(record.lectureId)/captions/\(track.id)"
        response.headers[Self.encodingHeader] = document.encoding.rawValue
        return response
    }

    private func replaceTrack(_ context: RequestContext) async throws -> APIResponse {
        let (record, document) = try await uploadedFile(context)
        let trackID = context.parameter("trackId")
        guard let existing = record.captions?.first(where: { $0.id == trackID }) else {
            throw APIProblem.notFound("lecture \(record.lectureId) has no caption track \(trackID)")
        }
        // A machine draft a professor saves becomes theirs.
        let input = CaptionTrackInput(
            language: existing.language,
            label: existing.label,
            kind: existing.kind,
            source: .professor,
            isDefault: existing.isDefault
        )
        let track = try await perform(record) {
            try await publisher.publish(
                lectureID: record.lectureId,
                track: input,
                document: document,
                replacing: trackID
            )
        }
        var response = APIResponse.json(try await view(track, record))
        response.headers[Self.encodingHeader] = document.encoding.rawValue
        return response
    }

    func patch(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let patch = try APIJSON.decode(CaptionTrackPatch.self, from: context.request)
        let record = try await lectures.load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        let change = CaptionPublisher.TrackChange(
            language: patch.language,
            label: patch.label,
            kind: patch.kind,
            isDefault: patch.isDefault
        )
        let track = try await perform(record) {
            try await publisher.update(
                lectureID: record.lectureId,
                trackID: context.parameter("trackId"),
                change: change
            )
        }
        return .json(try await view(track, record))
    }

    func delete(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await lectures.load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        try await perform(record) {
            try await publisher.delete(lectureID: record.lectureId, trackID: context.parameter("trackId"))
        }
        return .noContent()
    }

    // MARK: Parts

    /// The lecture (which the caller may manage, and which is ready) and the body parsed against its duration.
    private func uploadedFile(_ context: RequestContext) async throws -> (LectureRecord, CaptionDocument) {
        let caller = try context.caller
        let record = try await lectures.load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        // "Not ready yet" first: it is what a professor needs to know whatever the file holds.
        guard record.state == .ready else { throw Self.notReady(record) }
        let request = context.request
        guard request.body.count <= Self.maxFileBytes else {
            throw APIProblem.payloadTooLarge(
                """
                caption files are limited to \(Self.maxFileBytes / (1 << 20)) MiB; \
                this one is \(request.body.count) bytes
                """
            )
        }
        if let type = request.header("Content-Type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            .lowercased(),
            !Self.acceptedTypes.contains(type)
        {
            throw APIProblem.unsupportedMediaType(
                "send the caption file's bytes as the body with Content-Type text/vtt, application/x-subrip, "
                    + "text/plain or application/octet-stream, not \(type)"
            )
        }
        guard !request.body.isEmpty else {
            throw APIProblem.badRequest(
                "the request body must be the caption file (WebVTT or SRT)",
                kind: "invalid-body"
            )
        }
        switch CaptionParser.parse(request.body, durationSeconds: record.durationSeconds) {
        case .parsed(let document):
            return (record, document)
        case .rejected(let problems, let encoding):
            throw CaptionFileRejection(problems: problems, encoding: encoding)
        }
    }

    static func notReady(_ record: LectureRecord) -> APIProblem {
        .conflict(
            "captions can be added once the lecture has finished processing; lecture \(record.lectureId) is "
                + "\(record.state.rawValue) now, so try again when it is ready"
        )
    }

    /// Runs a publisher call, turning its failures into problems, and drops the cached record either way.
    @discardableResult
    private func perform<T>(_ record: LectureRecord, _ body: () async throws -> T) async throws -> T {
        defer { lectures.records.invalidate(record.lectureId) }
        do {
            return try await body()
        } catch let failure as CaptionPublisher.Failure {
            switch failure.kind {
            case .lectureNotFound, .trackNotFound: throw APIProblem.notFound(failure.message)
            case .lectureNotReady, .busy: throw APIProblem.conflict(failure.message)
            case .tooManyTracks: throw APIProblem.unprocessable(failure.message, kind: "too-many-caption-tracks")
            case .invalidTrack: throw APIProblem.unprocessable(failure.message, kind: "invalid-caption-track")
            case .invalidFile: throw CaptionFileRejection(problems: failure.problems, encoding: failure.encoding)
            // A kind added to the publisher after this list: refused as a conflict with its message (nothing changed).
            default: throw APIProblem.conflict(failure.message)
            }
        }
    }

    private func view(_ track: CaptionTrack, _ record: LectureRecord) async throws -> CaptionTrackView {
        let url = try await services.s3.presignedGetURL(
            bucket: services.bucket,
            key: track.prefix(lectureID: record.lectureId) + CaptionPublisher.trackFileName,
            expires: config.playbackURLSeconds
        )
        return CaptionTrackView(track, vtt: url)
    }
}

/// A caption file that does not parse; `APIApplication` answers it with `CaptionFileProblem`.
struct CaptionFileRejection: Error, Sendable {
    var problems: [CaptionProblem]
    var encoding: CaptionTextEncoding?

    func response(instance: String) -> APIResponse {
        let shown = problems.prefix(CaptionHandlers.problemLimit)
        let more = problems.count > shown.count ? " (the first \(shown.count) are listed)" : ""
        var detail =
            """
            the caption file has \(problems.count) \
            problem\(problems.count == 1 ? "" : "s")\(more); fix them and upload it again
            """
        if encoding == .windows1252 {
            detail += ". It was read as Windows-1252; if accented letters look wrong, save it as UTF-8"
        }
        let body = CaptionFileProblem(
            detail: detail,
            instance: instance,
            errors: shown.map { .init(line: $0.line, message: $0.message) },
            errorCount: problems.count,
            encoding: encoding?.rawValue
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return APIResponse(
            status: 422,
            body: (try? encoder.encode(body)) ?? Data(),
            contentType: "application/problem+json"
        )
    }
}
