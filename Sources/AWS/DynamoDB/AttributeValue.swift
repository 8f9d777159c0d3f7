import Foundation

/// One DynamoDB value, encoded and decoded in DynamoDB's JSON wire format: `{"S": "text"}`, `{"N": "12.5"}`,
/// `{"B": "<base64>"}`, `{"BOOL": true}`, `{"NULL": true}`, `{"M": {…}}`, `{"L": […]}`, `{"SS": […]}`,
/// `{"NS": […]}`, `{"BS": […]}`. Numbers stay strings so no precision is lost on the way.
public indirect enum AttributeValue: Sendable, Equatable, Hashable, Codable {
    case s(String)
    case n(String)
    case b(Data)
    case bool(Bool)
    case null
    case m([String: AttributeValue])
    case l([AttributeValue])
    case ss([String])
    case ns([String])
    case bs([Data])

    public static func number(_ value: some BinaryInteger) -> AttributeValue { .n(String(value)) }
    public static func number(_ value: Double) -> AttributeValue { .n(DynamoDBNumber.format(value)) }

    private enum Key: String, CodingKey, CaseIterable {
        case s = "S", n = "N", b = "B", bool = "BOOL", null = "NULL", m = "M", l = "L", ss = "SS", ns = "NS", bs = "BS"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let keys = container.allKeys
        guard keys.count == 1, let key = keys.first else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        """
                        an AttributeValue holds exactly one of S, N, B, BOOL, NULL, M, L, SS, NS, BS; \
                        found \(keys.map(\.stringValue))
                        """
                )
            )
        }
        switch key {
        case .s: self = .s(try container.decode(String.self, forKey: key))
        case .n: self = .n(try container.decode(String.self, forKey: key))
        case .b: self = .b(try container.decode(Data.self, forKey: key))
        case .bool: self = .bool(try container.decode(Bool.self, forKey: key))
        case .null:
            guard try container.decode(Bool.self, forKey: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key,
                    in: container,
                    debugDescription: "NULL must be true"
                )
            }
            self = .null
        case .m: self = .m(try container.decode([String: AttributeValue].self, forKey: key))
        case .l: self = .l(try container.decode([AttributeValue].self, forKey: key))
        case .ss: self = .ss(try container.decode([String].self, forKey: key))
        case .ns: self = .ns(try container.decode([String].self, forKey: key))
        case .bs: self = .bs(try container.decode([Data].self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        switch self {
        case .s(let value): try container.encode(value, forKey: .s)
        case .n(let value): try container.encode(value, forKey: .n)
        case .b(let value): try container.encode(value, forKey: .b)
        case .bool(let value): try container.encode(value, forKey: .bool)
        case .null: try container.encode(true, forKey: .null)
        case .m(let value): try container.encode(value, forKey: .m)
        case .l(let value): try container.encode(value, forKey: .l)
        case .ss(let value): try container.encode(value, forKey: .ss)
        case .ns(let value): try container.encode(value, forKey: .ns)
        case .bs(let value): try container.encode(value, forKey: .bs)
        }
    }

    public var stringValue: String? { if case .s(let value) = self { value } else { nil } }
    public var numberValue: String? { if case .n(let value) = self { value } else { nil } }
    public var intValue: Int? { numberValue.flatMap { Int($0) } }
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var mapValue: [String: AttributeValue]? { if case .m(let value) = self { value } else { nil } }
    public var listValue: [AttributeValue]? { if case .l(let value) = self { value } else { nil } }
}

extension AttributeValue: ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .s(value) }
    public init(stringInterpolation: DefaultStringInterpolation) {
        self = .s(String(stringInterpolation: stringInterpolation))
    }
    public init(integerLiteral value: Int) { self = .n(String(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

enum DynamoDBNumber {
    /// The shortest text that reads back as the same Double (Swift's description), without a trailing ".0".
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
