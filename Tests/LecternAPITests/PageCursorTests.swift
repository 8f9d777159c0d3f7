import AWS
import Foundation
import Testing

@testable import LecternAPI

/// Course listing cursors come back from clients: anything but one the API handed out for this course is a 400
/// before DynamoDB sees it.
@Suite("Listing cursors") struct PageCursorTests {
    static func cursor(_ json: String) -> String {
        Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/",
            with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static func nested(depth: Int) -> String {
        String(repeating: #"{"M":{"a":"#, count: depth) + #"{"S":"x"}"# + String(repeating: "}}", count: depth)
    }

    static let course = "CS101"
    static let date = "2026-11-25T12:00:00.123Z"
    static let crafted: [(String, String)] = [
        (
            "a number where the lecture id's string goes",
            cursor(#"{"courseId":{"S":"CS101"},"lectureId":{"N":"1"},"createdAt":{"S":"\#(date)"}}"#)
        ),
        (
            "a binary createdAt",
            cursor(#"{"courseId":{"S":"CS101"},"lectureId":{"S":"lec_abc"},"createdAt":{"B":"AAAA"}}"#)
        ),
        (
            "a list as the lecture id",
            cursor(#"{"courseId":{"S":"CS101"},"lectureId":{"L":[{"S":"lec_abc"}]},"createdAt":{"S":"\#(date)"}}"#)
        ),
        (
            "a nested map",
            cursor(#"{"courseId":{"S":"CS101"},"lectureId":\#(nested(depth: 40)),"createdAt":{"S":"\#(date)"}}"#)
        ),
        (
            "a deeply nested map",
            cursor(#"{"courseId":{"S":"CS101"},"lectureId":\#(nested(depth: 2_000)),"createdAt":{"S":"\#(date)"}}"#)
        ),
        (
            "another course's key",
            cursor(#"{"courseId":{"S":"CS999"},"lectureId":{"S":"lec_abc"},"createdAt":{"S":"\#(date)"}}"#)
        ),
        ("a missing key", cursor(#"{"courseId":{"S":"CS101"},"createdAt":{"S":"\#(date)"}}"#)),
        (
            "an extra key",
            cursor(
                #"""
                {"courseId":{"S":"CS101"},"lectureId":{"S":"lec_abc"},\#
                "createdAt":{"S":"\#(date)"},"state":{"S":"ready"}}
                """#
            )
        ),
        (
            "a lecture id that is not one",
            cursor(
                #"""
                {"courseId":{"S":"CS101"},"lectureId":{"S":\#
                "\#(String(repeating: "x", count: 300))"},"createdAt":{"S":"\#(date)"}}
                """#
            )
        ),
        (
            "a date that is not one",
            cursor(#"{"courseId":{"S":"CS101"},"lectureId":{"S":"lec_abc"},"createdAt":{"S":"yesterday"}}"#)
        ),
        ("not base64", "!!!"),
        ("not JSON", cursor("garbage")),
    ]

    @Test func aCursorTheAPIHandedOutRoundTrips() throws {
        let key: DynamoDBItem = [
            "courseId": .s(Self.course), "lectureId": .s("lec_0123456789abcdef0123456789abcdef"),
            "createdAt": .s(Self.date),
        ]
        #expect(try PageCursor.decode(PageCursor.encode(key), course: Self.course) == key)
    }

    @Test func craftedCursorsAreRefusedWith400() {
        for (what, text) in Self.crafted {
            #expect(throws: PageCursor.invalid, "\(what)") { try PageCursor.decode(text, course: Self.course) }
        }
    }

    @Test(arguments: Via.allCases) func craftedCursorsNeverReachDynamoDB(via: Via) async throws {
        let world = try await TestWorld.make()
        let professor = try await world.token(.professor, courses: [Self.course])
        try await world.withClient(via) { client in
            for (what, text) in Self.crafted where text.utf8.count <= 4_000 {
                let answer = try await client.call(
                    "GET",
                    "/v1/courses/\(Self.course)/lectures",
                    token: professor,
                    query: ["cursor": text]
                )
                #expect(answer.status == 400, "\(what): \(answer.status) \(answer.text)")
                #expect(answer.problem?.type.hasSuffix("/invalid-cursor") == true, "\(what)")
                for word in ["DynamoDB", "AttributeValue", "CS999", "ValidationException"] {
                    #expect(!answer.text.contains(word), "\(what) answered \(answer.text)")
                }
            }
        }
    }
}
