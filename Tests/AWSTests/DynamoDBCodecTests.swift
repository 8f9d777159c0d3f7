import AWS
import Foundation
import Testing

@Suite("DynamoDB AttributeValue wire format and Codable bridge")
struct DynamoDBCodecTests {
    /// Encodes `value` to JSON and reads it back as a plain Foundation object, to compare with the documented shape.
    func wire(_ value: AttributeValue) throws -> NSDictionary {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    func parse(_ json: String) throws -> AttributeValue {
        try JSONDecoder().decode(AttributeValue.self, from: Data(json.utf8))
    }

    @Test func everyKindHasItsWireShape() throws {
        #expect(try wire(.s("héllo")) == ["S": "héllo"])
        #expect(try wire(.n("12.50")) == ["N": "12.50"])
        #expect(try wire(.b(Data("hi".utf8))) == ["B": "aGk="])
        #expect(try wire(.bool(false)) == ["BOOL": false])
        #expect(try wire(.null) == ["NULL": true])
        #expect(try wire(.m(["a": .n("1")])) == ["M": ["a": ["N": "1"]]])
        #expect(try wire(.l([.s("x"), .null])) == ["L": [["S": "x"], ["NULL": true]]])
        #expect(try wire(.ss(["a", "b"])) == ["SS": ["a", "b"]])
        #expect(try wire(.ns(["1", "2.5"])) == ["NS": ["1", "2.5"]])
        #expect(try wire(.bs([Data([0xFF])])) == ["BS": ["/w=="]])
    }

    @Test func wireShapesDecode() throws {
        let json = """
            {"M":{"s":{"S":"x"},"n":{"N":"-3"},"b":{"B":"AAE="},"t":{"BOOL":true},"z":{"NULL":true},
                  "l":{"L":[{"N":"1"},{"SS":["p","q"]}]},"ns":{"NS":["7"]},"bs":{"BS":["AQ=="]}}}
            """
        #expect(
            try parse(json)
                == .m([
                    "s": .s("x"), "n": .n("-3"), "b": .b(Data([0, 1])), "t": .bool(true), "z": .null,
                    "l": .l([.n("1"), .ss(["p", "q"])]), "ns": .ns(["7"]), "bs": .bs([Data([1])]),
                ])
        )
    }

    @Test func malformedWireShapesAreRefused() {
        #expect(throws: DecodingError.self) { try parse("{}") }
        #expect(throws: DecodingError.self) { try parse(#"{"S":"a","N":"1"}"#) }
        #expect(throws: DecodingError.self) { try parse(#"{"X":"a"}"#) }
        #expect(throws: DecodingError.self) { try parse(#"{"N":12}"#) }
        #expect(throws: DecodingError.self) { try parse(#"{"NULL":false}"#) }
        #expect(throws: DecodingError.self) { try parse(#"{"B":"not base64!"}"#) }
    }

    struct Rendition: Codable, Equatable {
        var height: Int
        var bitrate: Double
        var codec: String?
    }

    struct Lecture: Codable, Equatable {
        var id: String
        var title: String
        var durationSeconds: Double
        var views: Int64
        var published: Bool
        var createdAt: Date
        var finishedAt: Date?
        var speaker: String?
        var tags: [String]
        var renditions: [Rendition]
        var metadata: [String: String]
        var thumbnail: Data
    }

    static let lecture = Lecture(
        id: "L-1",
        title: "Thermodynamik",
        durationSeconds: 5_423.25,
        views: 9_000_000_001,
        published: true,
        createdAt: Date(timeIntervalSince1970: 1_764_072_000.5),
        finishedAt: nil,
        speaker: "Dr. Ö",
        tags: ["physics", "ws25"],
        renditions: [
            Rendition(height: 720, bitrate: 2.5e6, codec: "h264"), Rendition(height: 360, bitrate: 8e5, codec: nil),
        ],
        metadata: ["room": "HS 1"],
        thumbnail: Data([1, 2, 3])
    )

    @Test func encoderProducesTheExpectedItem() throws {
        let item = try DynamoDBEncoder().encode(Self.lecture)
        #expect(
            item == [
                "id": .s("L-1"), "title": .s("Thermodynamik"), "durationSeconds": .n("5423.25"),
                "views": .n("9000000001"),
                "published": .bool(true), "createdAt": .s("2025-11-25T12:00:00.500Z"), "speaker": .s("Dr. Ö"),
                "tags": .l([.s("physics"), .s("ws25")]),
                "renditions": .l([
                    .m(["height": .n("720"), "bitrate": .n("2500000"), "codec": .s("h264")]),
                    .m(["height": .n("360"), "bitrate": .n("800000")]),
                ]),
                "metadata": .m(["room": .s("HS 1")]), "thumbnail": .b(Data([1, 2, 3])),
            ]
        )
        // nil optionals are left out rather than stored as NULL.
        #expect(item["finishedAt"] == nil)
    }

    @Test func roundTripsWithBothDateStrategies() throws {
        for strategy in [DynamoDBDateStrategy.iso8601, .epochSeconds] {
            var lecture = Self.lecture
            lecture.finishedAt = Date(timeIntervalSince1970: 1_764_075_600.25)
            let item = try DynamoDBEncoder(dateStrategy: strategy).encode(lecture)
            #expect(try DynamoDBDecoder().decode(Lecture.self, from: item) == lecture)
        }
        let epoch = try DynamoDBEncoder(dateStrategy: .epochSeconds).encode(Self.lecture)
        #expect(epoch["createdAt"] == .n("1764072000.5"))
    }

    @Test func decoderAcceptsNullAndOtherNumberSpellings() throws {
        var item = try DynamoDBEncoder().encode(Self.lecture)
        item["speaker"] = .null
        item["views"] = .n("9.000000001E9")
        item["tags"] = .ss(["physics"])
        let decoded = try DynamoDBDecoder().decode(Lecture.self, from: item)
        #expect(decoded.speaker == nil)
        #expect(decoded.views == 9_000_000_001)
        #expect(decoded.tags == ["physics"])
    }

    @Test func mismatchesAreDecodingErrorsWithThePath() throws {
        var item = try DynamoDBEncoder().encode(Self.lecture)
        item["renditions"] = .l([.m(["height": .s("tall"), "bitrate": .n("1")])])
        let error = try #require(throws: DecodingError.self) { try DynamoDBDecoder().decode(Lecture.self, from: item) }
        guard case .typeMismatch(_, let context) = error else {
            Issue.record("expected a type mismatch, got \(error)")
            return
        }
        #expect(context.codingPath.map(\.stringValue) == ["renditions", "Index 0", "height"])

        var missing = try DynamoDBEncoder().encode(Self.lecture)
        missing.removeValue(forKey: "title")
        #expect(throws: DecodingError.self) { try DynamoDBDecoder().decode(Lecture.self, from: missing) }

        var fractional = try DynamoDBEncoder().encode(Self.lecture)
        fractional["views"] = .n("1.5")
        #expect(throws: DecodingError.self) { try DynamoDBDecoder().decode(Lecture.self, from: fractional) }
    }

    @Test func unencodableValuesAreRefused() {
        #expect(throws: EncodingError.self) { try DynamoDBEncoder().encode(Rendition(height: 1, bitrate: .nan)) }
        #expect(throws: EncodingError.self) { try DynamoDBEncoder().encode(Rendition(height: 1, bitrate: .infinity)) }
        // An item must be a map.
        #expect(throws: EncodingError.self) { try DynamoDBEncoder().encode(["a", "b"]) }
        #expect(throws: EncodingError.self) { try DynamoDBEncoder().encode(42) }
    }

    @Test func attributeValuePropertiesAreStoredAsIs() throws {
        struct Tagged: Codable, Equatable {
            var id: String
            var tags: AttributeValue
        }
        let value = Tagged(id: "x", tags: .ss(["a", "b"]))
        let item = try DynamoDBEncoder().encode(value)
        #expect(item == ["id": .s("x"), "tags": .ss(["a", "b"])])
        #expect(try DynamoDBDecoder().decode(Tagged.self, from: item) == value)
    }

    @Test func enumsAndScalarsEncodeAsValues() throws {
        enum State: String, Codable { case queued, running }
        #expect(try DynamoDBEncoder().encodeValue(State.running) == .s("running"))
        #expect(try DynamoDBEncoder().encodeValue(UInt8(7)) == .n("7"))
        #expect(try DynamoDBEncoder().encodeValue([1.5, -2]) == .l([.n("1.5"), .n("-2")]))
        #expect(try DynamoDBDecoder().decode(State.self, fromValue: .s("queued")) == .queued)
    }
}
