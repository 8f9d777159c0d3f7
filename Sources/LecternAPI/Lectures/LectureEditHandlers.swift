import Foundation
import LecternCore

/// PATCH /v1/lectures/{id}: a lecture's title, description, visibility and publish time. Allowed to whoever may
/// delete the lecture (its course's professors); never re-encodes.
struct LectureEditHandlers: Sendable {
    let lectures: LectureHandlers

    func edit(_ context: RequestContext) async throws -> APIResponse {
        let caller = try context.caller
        let record = try await lectures.load(context.parameter("id"))
        try LectureAccess.requireManage(record, by: caller)
        let request = try APIJSON.decode(LectureEditRequest.self, from: context.request)
        let edit = try LectureEditRules.edit(request, of: record)
        defer { lectures.records.invalidate(record.lectureId) }
        let edited = try await save(edit, of: record)
        lectures.logger.info(
            "lecture edited",
            metadata: [
                "lecture": "\(record.lectureId)", "visibility": "\(edited.visibility(at: Date()).rawValue)",
                "fields": .string(
                    [
                        edit.title.map { _ in "title" }, edit.description.map { _ in "description" },
                        edit.visibility.map { _ in "visibility" }, edit.publishAt.map { _ in "publishAt" },
                    ]
                    .compactMap { $0 }.joined(separator: ",")
                ),
            ]
        )
        let poster = try await Playback(config: lectures.config, services: lectures.services).posterLink(edited)
        return .json(LectureView(edited, poster: poster))
    }

    /// Writes `edit` over the lecture the handler loaded as `loaded`. Only the edit's attributes are written, never
    /// the copy the handler read: a worker's heartbeat or publish that lands between that read and this write keeps
    /// its own attributes (a whole-record write of `loaded` would put the old progress or state back).
    func save(_ edit: LectureEdit, of loaded: LectureRecord) async throws -> LectureRecord {
        do {
            return try await lectures.store.edit(loaded.lectureId, edit)
        } catch is LectureStore.Conflict {
            throw APIProblem.notFound("lecture \(loaded.lectureId) does not exist")
        }
    }
}
