import Foundation
import LecternAPI
import Testing

/// Role × endpoint × own or other course: who gets 2xx/409 (allowed, state permitting), 403 (wrong role or
/// course), 404 (students asking for an unpublished lecture) or 401 (no token).
@Suite("Authorization matrix") struct AuthorizationMatrixTests {
    enum Actor: String, CaseIterable { case professorOfA, professorOfB, studentOfA, studentOfB, ops, anonymous }

    static let order: [Actor] = [.professorOfB, .studentOfA, .studentOfB, .ops, .anonymous, .professorOfA]

    func token(_ actor: Actor, world: TestWorld) async throws -> String? {
        switch actor {
        case .professorOfA: try await world.token(.professor, user: "prof-a", courses: ["A"])
        case .professorOfB: try await world.token(.professor, user: "prof-b", courses: ["B"])
        case .studentOfA: try await world.token(.student, user: "stud-a", courses: ["A"])
        case .studentOfB: try await world.token(.student, user: "stud-b", courses: ["B"])
        case .ops: try await world.token(.ops, user: "ops-1")
        case .anonymous: nil
        }
    }

    @Test(arguments: Via.allCases) func everyRoleGetsWhatItShould(via: Via) async throws {
        let world = try await TestWorld.make()
        try await world.withClient(via) { client in
            let owner = try #require(try await token(.professorOfA, world: world))
            // A multipart lecture in course A, still awaiting its upload.
            let lecture = try await world.createLecture(client, token: owner, course: "A", size: 11 << 20).lecture.id
            let create = CreateLectureRequest(
                title: "T",
                course: "A",
                filename: "t.mp4",
                size: 10,
                contentType: "video/mp4"
            )

            typealias Row = (name: String, method: String, path: String, body: Data?, expected: [Actor: Int])
            let rows: [Row] = [
                (
                    "create", "POST", "/v1/lectures", APIJSON.encode(create),
                    [
                        .professorOfA: 201, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "get", "GET", "/v1/lectures/\(lecture)", nil,
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 404, .studentOfB: 403, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "upload status", "GET", "/v1/lectures/\(lecture)/upload", nil,
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "part URLs", "POST", "/v1/lectures/\(lecture)/upload/parts",
                    APIJSON.encode(PartURLsRequest(partNumbers: [2])),
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "complete", "POST", "/v1/lectures/\(lecture)/upload/complete",
                    APIJSON.encode(CompleteUploadRequest(parts: [])),
                    [
                        .professorOfA: 400, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "retry", "POST", "/v1/lectures/\(lecture)/retry", nil,
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 409,
                        .anonymous: 401,
                    ]
                ),
                (
                    "playlist", "GET", "/v1/lectures/\(lecture)/hls/master.m3u8", nil,
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 404, .studentOfB: 403, .ops: 409,
                        .anonymous: 401,
                    ]
                ),
                // Captions: read as the lecture, changed as lecture delete is; the lecture is not ready, hence 409.
                (
                    "captions", "GET", "/v1/lectures/\(lecture)/captions", nil,
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 404, .studentOfB: 403, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "add captions", "POST", "/v1/lectures/\(lecture)/captions", Data("WEBVTT\n".utf8),
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "replace captions", "PUT", "/v1/lectures/\(lecture)/captions/cap_1", Data("WEBVTT\n".utf8),
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "edit captions", "PATCH", "/v1/lectures/\(lecture)/captions/cap_1", Data(#"{"default":true}"#.utf8),
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "delete captions", "DELETE", "/v1/lectures/\(lecture)/captions/cap_1", nil,
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "subtitle playlist", "GET", "/v1/lectures/\(lecture)/hls/captions/cap_1.m3u8", nil,
                    [
                        .professorOfA: 409, .professorOfB: 403, .studentOfA: 404, .studentOfB: 403, .ops: 409,
                        .anonymous: 401,
                    ]
                ),
                (
                    "list", "GET", "/v1/courses/A/lectures", nil,
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 200, .studentOfB: 403, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "queue", "GET", "/v1/ops/queue", nil,
                    [
                        .professorOfA: 403, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "redrive", "POST", "/v1/ops/dlq/redrive", nil,
                    [
                        .professorOfA: 403, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "edit", "PATCH", "/v1/lectures/\(lecture)", Data(#"{"title": "Renamed"}"#.utf8),
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "courses", "GET", "/v1/courses", nil,
                    [
                        .professorOfA: 200, .professorOfB: 200, .studentOfA: 200, .studentOfB: 200, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "course", "GET", "/v1/courses/A", nil,
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 200, .studentOfB: 403, .ops: 200,
                        .anonymous: 401,
                    ]
                ),
                (
                    "course edit", "PATCH", "/v1/courses/A", Data(#"{"name": "Course A"}"#.utf8),
                    [
                        .professorOfA: 200, .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403,
                        .anonymous: 401,
                    ]
                ),
                (
                    "abort", "DELETE", "/v1/lectures/\(lecture)/upload", nil,
                    [.professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403, .anonymous: 401]
                ),
                (
                    "delete", "DELETE", "/v1/lectures/\(lecture)", nil,
                    [
                        .professorOfB: 403, .studentOfA: 403, .studentOfB: 403, .ops: 403, .anonymous: 401,
                        .professorOfA: 204,
                    ]
                ),
            ]
            for row in rows {
                // The owner goes last: its answer may change the lecture (delete).
                for actor in Self.order where row.expected[actor] != nil {
                    let response = try await client.call(
                        row.method,
                        row.path,
                        token: try await token(actor, world: world),
                        body: row.body
                    )
                    #expect(
                        response.status == row.expected[actor],
                        "\(row.name) as \(actor): \(response.status) \(response.text)"
                    )
                    if response.status >= 400 { #expect(response.header("Content-Type") == "application/problem+json") }
                }
            }
            let gone = try await client.call("GET", "/v1/lectures/\(lecture)", token: owner)
            #expect(gone.status == 404)
        }
    }
}
