import AWS
import Foundation

/// Opaque pagination cursors for a course's listing: the `byCourse` index's start key (DynamoDB's
/// `LastEvaluatedKey`), base64url JSON.
///
/// A cursor comes back from the client, so it is checked completely before DynamoDB sees it: exactly the three key
/// attributes, each a string (S) of the shape the API writes, and the course of the key is the course in the path.
/// Anything else is a 400 that names no internals. Before this check, right key names with wrong attribute types
/// (or a deeply nested map) reached DynamoDB, were refused there as a validation error and came back as a 503
/// after four retries; a cursor of another course started that course's listing.
///
/// Not signed: a cursor that passes these checks only says where to start within the caller's own course, which
/// the caller may list anyway, so there is nothing a forged one can reach.
enum PageCursor {
    /// A real cursor is about 200 characters (a 64-character course, a 36-character lecture id, a 24-character
    /// date, in base64). The bound keeps the JSON decoder from ever seeing a large or deeply nested document.
    static let maxLength = 512

    static func encode(_ key: DynamoDBItem) -> String {
        let data = (try? JSONEncoder().encode(key)) ?? Data()
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/",
            with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static var invalid: APIProblem {
        .badRequest(
            "query parameter 'cursor' is not one this API handed out for this listing; start again without it",
            kind: "invalid-cursor"
        )
    }

    static func decode(_ text: String, course: String) throws(APIProblem) -> DynamoDBItem {
        guard !text.isEmpty, text.utf8.count <= maxLength,
            text.utf8.allSatisfy({ isBase64URL($0) }),
            let data = Authenticator.base64URLDecode(Substring(text)),
            let key = try? JSONDecoder().decode(DynamoDBItem.self, from: data),
            key.count == 3,
            key["courseId"] == .s(course),
            case .s(let lectureID)? = key["lectureId"], isLectureID(lectureID),
            case .s(let createdAt)? = key["createdAt"], isTimestamp(createdAt)
        else {
            throw invalid
        }
        return key
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// `lec_` and up to 60 lower-case letters and digits (`ObjectKeys.newLectureID` writes 32 hex digits).
    static func isLectureID(_ id: String) -> Bool {
        id.hasPrefix("lec_") && id.utf8.count <= 64
            && id.utf8.dropFirst(4).allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            } && id.utf8.count > 4
    }

    /// The ISO 8601 text the DynamoDB encoder writes for `createdAt` (`2026-11-25T12:00:00.123Z`).
    static func isTimestamp(_ text: String) -> Bool {
        guard text.utf8.count <= 40 else { return false }
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text)) != nil
            || (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)) != nil
    }
}
