import Foundation

/// Turns a DynamoDB item back into a `Decodable` value: the mirror of `DynamoDBEncoder`.
/// Missing attributes and NULL decode as nil for optionals; dates are read from ISO 8601 text or epoch-seconds
/// numbers whichever strategy wrote them; SS/NS/BS sets decode as arrays. A mismatch is a `DecodingError` with
/// the attribute's path.
public struct DynamoDBDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from item: [String: AttributeValue]) throws -> T {
        try decode(type, fromValue: .m(item))
    }

    public func decode<T: Decodable>(_ type: T.Type, fromValue value: AttributeValue) throws -> T {
        try ItemDecoder(value: value, codingPath: []).read(type)
    }
}

struct ItemDecoder: Decoder {
    let value: AttributeValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .m(let map) = value else { throw mismatch([String: AttributeValue].self, expected: "M") }
        return KeyedDecodingContainer(KeyedItemDecoder<Key>(map: map, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let elements: [AttributeValue]
        switch value {
        case .l(let list): elements = list
        case .ss(let strings): elements = strings.map(AttributeValue.s)
        case .ns(let numbers): elements = numbers.map(AttributeValue.n)
        case .bs(let blobs): elements = blobs.map(AttributeValue.b)
        default: throw mismatch([AttributeValue].self, expected: "L")
        }
        return UnkeyedItemDecoder(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleItemDecoder(decoder: self) }

    /// Decodes `type` from this decoder's value, handling the types DynamoDB stores natively.
    func read<T: Decodable>(_ type: T.Type) throws -> T {
        if type == AttributeValue.self { return value as! T }
        if type == Date.self { return try date() as! T }
        if type == Data.self {
            guard case .b(let data) = value else { throw mismatch(type, expected: "B") }
            return data as! T
        }
        if type == URL.self {
            guard case .s(let text) = value, let url = URL(string: text) else {
                throw mismatch(type, expected: "S holding a URL")
            }
            return url as! T
        }
        if type == Decimal.self {
            guard case .n(let text) = value,
                let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
            else {
                throw mismatch(type, expected: "N")
            }
            return number as! T
        }
        return try T(from: self)
    }

    func date() throws -> Date {
        switch value {
        case .s(let text):
            guard let date = DynamoDBDates.parse(text) else {
                throw mismatch(Date.self, expected: "S holding an ISO 8601 date")
            }
            return date
        case .n(let text):
            guard let seconds = Double(text) else { throw mismatch(Date.self, expected: "N") }
            return Date(timeIntervalSince1970: seconds)
        default:
            throw mismatch(Date.self, expected: "S or N")
        }
    }

    func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        DecodingError.typeMismatch(
            type,
            .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(Self.kind(value))")
        )
    }

    static func kind(_ value: AttributeValue) -> String {
        switch value {
        case .s: "S"
        case .n(let text): "N \(text)"
        case .b: "B"
        case .bool: "BOOL"
        case .null: "NULL"
        case .m: "M"
        case .l: "L"
        case .ss: "SS"
        case .ns: "NS"
        case .bs: "BS"
        }
    }

    // Primitives, shared by the three container kinds.

    func bool() throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, expected: "BOOL") }
        return flag
    }

    func string() throws -> String {
        guard case .s(let text) = value else { throw mismatch(String.self, expected: "S") }
        return text
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .n(let text) = value else { throw mismatch(type, expected: "N") }
        if let number = T(text) { return number }
        // "3.0" or "1E2" are valid DynamoDB spellings of integers.
        if let double = Double(text), double.rounded() == double, let number = T(exactly: double) { return number }
        throw DecodingError.dataCorrupted(
            .init(codingPath: codingPath, debugDescription: "N \(text) does not fit \(type)")
        )
    }

    func floating<T: BinaryFloatingPoint & LosslessStringConvertible>(_ type: T.Type) throws -> T {
        guard case .n(let text) = value else { throw mismatch(type, expected: "N") }
        guard let number = T(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "N \(text) is not a \(type)")
            )
        }
        return number
    }
}

struct KeyedItemDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let map: [String: AttributeValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { map.keys.compactMap { Key(stringValue: $0) } }
    func contains(_ key: Key) -> Bool { map[key.stringValue] != nil }

    private func decoder(_ key: Key) throws -> ItemDecoder {
        guard let value = map[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "no attribute \(key.stringValue)")
            )
        }
        return ItemDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = map[key.stringValue] else { return true }
        return value == .null
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder(key).bool() }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder(key).string() }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder(key).floating(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decoder(key).floating(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder(key).integer(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decoder(key).integer(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decoder(key).integer(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decoder(key).integer(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decoder(key).integer(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decoder(key).integer(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decoder(key).integer(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decoder(key).integer(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decoder(key).integer(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decoder(key).integer(type) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).read(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ItemDecoder(value: map["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ItemDecoder(value: map[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

struct UnkeyedItemDecoder: UnkeyedDecodingContainer {
    let elements: [AttributeValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> ItemDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                AttributeValue.self,
                .init(
                    codingPath: codingPath + [IndexKey(currentIndex)],
                    debugDescription: "list has only \(elements.count) elements"
                )
            )
        }
        defer { currentIndex += 1 }
        return ItemDecoder(value: elements[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().bool() }
    mutating func decode(_ type: String.Type) throws -> String { try next().string() }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().floating(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().floating(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().integer(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().integer(type) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().read(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct SingleItemDecoder: SingleValueDecodingContainer {
    let decoder: ItemDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value == .null }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool() }
    func decode(_ type: String.Type) throws -> String { try decoder.string() }
    func decode(_ type: Double.Type) throws -> Double { try decoder.floating(type) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.floating(type) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.read(type) }
}
