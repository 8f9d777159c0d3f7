import Foundation

/// How `Date`s are stored. The decoder reads both forms whatever it is set to.
public enum DynamoDBDateStrategy: Sendable {
    /// ISO 8601 text with milliseconds, UTC (`2026-11-25T12:00:00.123Z`): readable and sorts as text. The default.
    case iso8601
    /// Seconds since 1970 as a number (what DynamoDB's TTL attribute needs).
    case epochSeconds
}

/// Turns an `Encodable` value into a DynamoDB item (`[String: AttributeValue]`).
///
/// Mapping: String → S; integers, floating point and Decimal → N; Bool → BOOL; Data → B; Date → S (ISO 8601) or N
/// (see `dateStrategy`); URL → S; nested structs and `[String: T]` → M; arrays and sets → L; an `AttributeValue`
/// property is stored as is (use it for SS/NS/BS sets). Optionals that are nil are left out (the synthesized
/// `encodeIfPresent`); an explicit `encodeNil` becomes NULL. Non-finite doubles are refused.
public struct DynamoDBEncoder: Sendable {
    public var dateStrategy: DynamoDBDateStrategy

    public init(dateStrategy: DynamoDBDateStrategy = .iso8601) {
        self.dateStrategy = dateStrategy
    }

    /// The item for `value`, which must encode as a keyed container (a struct or class).
    public func encode(_ value: some Encodable) throws -> [String: AttributeValue] {
        guard case .m(let item) = try encodeValue(value) else {
            throw EncodingError.invalidValue(
                value,
                .init(codingPath: [], debugDescription: "a DynamoDB item must encode as a map (a struct or class)")
            )
        }
        return item
    }

    /// Any encodable value as one attribute value.
    public func encodeValue(_ value: some Encodable) throws -> AttributeValue {
        let node = EncodingNode()
        try ItemEncoder(node: node, codingPath: [], options: self).store(value, in: node)
        return try node.resolve(codingPath: [])
    }
}

/// The value being built: a placeholder filled by whichever container the type asks for.
final class EncodingNode {
    enum Content {
        case empty
        case value(AttributeValue)
        case map([(String, EncodingNode)])
        case list([EncodingNode])
    }
    var content: Content = .empty

    func resolve(codingPath: [any CodingKey]) throws -> AttributeValue {
        switch content {
        case .empty:
            // A type that encoded nothing at all (an empty struct) becomes an empty map.
            return .m([:])
        case .value(let value):
            return value
        case .map(let entries):
            var result: [String: AttributeValue] = [:]
            for (key, node) in entries { result[key] = try node.resolve(codingPath: codingPath) }
            return .m(result)
        case .list(let nodes):
            return .l(try nodes.map { try $0.resolve(codingPath: codingPath) })
        }
    }

    func child(forKey key: String) -> EncodingNode {
        let node = EncodingNode()
        if case .map(var entries) = content {
            entries.removeAll { $0.0 == key }
            entries.append((key, node))
            content = .map(entries)
        } else {
            content = .map([(key, node)])
        }
        return node
    }

    func appendChild() -> EncodingNode {
        let node = EncodingNode()
        if case .list(var nodes) = content {
            nodes.append(node)
            content = .list(nodes)
        } else {
            content = .list([node])
        }
        return node
    }
}

struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String
    init(_ index: Int) {
        intValue = index
        stringValue = "Index \(index)"
    }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(intValue) }
}

struct ItemEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [any CodingKey]
    let options: DynamoDBEncoder
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .map = node.content {} else { node.content = .map([]) }
        return KeyedEncodingContainer(KeyedItemEncoder<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .list = node.content {} else { node.content = .list([]) }
        return UnkeyedItemEncoder(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleItemEncoder(encoder: self) }

    /// Encodes `value` into `target`, handling the types DynamoDB stores natively.
    func store(_ value: some Encodable, in target: EncodingNode, key: (any CodingKey)? = nil) throws {
        let path = key.map { codingPath + [$0] } ?? codingPath
        switch value {
        case let value as AttributeValue: target.content = .value(value)
        case let value as Date: target.content = .value(date(value))
        case let value as Data: target.content = .value(.b(value))
        case let value as URL: target.content = .value(.s(value.absoluteString))
        case let value as Decimal: target.content = .value(.n("\(value)"))
        default:
            try value.encode(to: ItemEncoder(node: target, codingPath: path, options: options))
        }
    }

    func date(_ value: Date) -> AttributeValue {
        switch options.dateStrategy {
        case .iso8601: .s(DynamoDBDates.format(value))
        case .epochSeconds: .number(value.timeIntervalSince1970)
        }
    }

    func number(_ value: Double, path: [any CodingKey]) throws -> AttributeValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value,
                .init(codingPath: path, debugDescription: "DynamoDB numbers must be finite")
            )
        }
        return .number(value)
    }
}

struct KeyedItemEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: ItemEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func put(_ value: AttributeValue, _ key: Key) {
        encoder.node.child(forKey: key.stringValue).content = .value(value)
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.s(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        put(try encoder.number(value, path: codingPath + [key]), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        put(try encoder.number(Double(value), path: codingPath + [key]), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encoder.store(value, in: encoder.node.child(forKey: key.stringValue), key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        ItemEncoder(
            node: encoder.node.child(forKey: key.stringValue),
            codingPath: codingPath + [key],
            options: encoder.options
        )
        .container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ItemEncoder(
            node: encoder.node.child(forKey: key.stringValue),
            codingPath: codingPath + [key],
            options: encoder.options
        )
        .unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        ItemEncoder(node: encoder.node.child(forKey: "super"), codingPath: codingPath, options: encoder.options)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        ItemEncoder(
            node: encoder.node.child(forKey: key.stringValue),
            codingPath: codingPath + [key],
            options: encoder.options
        )
    }
}

struct UnkeyedItemEncoder: UnkeyedEncodingContainer {
    let encoder: ItemEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { if case .list(let nodes) = encoder.node.content { nodes.count } else { 0 } }

    private func append(_ value: AttributeValue) { encoder.node.appendChild().content = .value(value) }
    private var nextKey: IndexKey { IndexKey(count) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.s(value)) }
    mutating func encode(_ value: Double) throws { append(try encoder.number(value, path: codingPath + [nextKey])) }
    mutating func encode(_ value: Float) throws {
        append(try encoder.number(Double(value), path: codingPath + [nextKey]))
    }
    mutating func encode(_ value: Int) throws { append(.number(value)) }
    mutating func encode(_ value: Int8) throws { append(.number(value)) }
    mutating func encode(_ value: Int16) throws { append(.number(value)) }
    mutating func encode(_ value: Int32) throws { append(.number(value)) }
    mutating func encode(_ value: Int64) throws { append(.number(value)) }
    mutating func encode(_ value: UInt) throws { append(.number(value)) }
    mutating func encode(_ value: UInt8) throws { append(.number(value)) }
    mutating func encode(_ value: UInt16) throws { append(.number(value)) }
    mutating func encode(_ value: UInt32) throws { append(.number(value)) }
    mutating func encode(_ value: UInt64) throws { append(.number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let key = nextKey
        try encoder.store(value, in: encoder.node.appendChild(), key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let key = nextKey
        return ItemEncoder(node: encoder.node.appendChild(), codingPath: codingPath + [key], options: encoder.options)
            .container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let key = nextKey
        return ItemEncoder(node: encoder.node.appendChild(), codingPath: codingPath + [key], options: encoder.options)
            .unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let key = nextKey
        return ItemEncoder(node: encoder.node.appendChild(), codingPath: codingPath + [key], options: encoder.options)
    }
}

struct SingleItemEncoder: SingleValueEncodingContainer {
    let encoder: ItemEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func set(_ value: AttributeValue) { encoder.node.content = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.s(value)) }
    mutating func encode(_ value: Double) throws { set(try encoder.number(value, path: codingPath)) }
    mutating func encode(_ value: Float) throws { set(try encoder.number(Double(value), path: codingPath)) }
    mutating func encode(_ value: Int) throws { set(.number(value)) }
    mutating func encode(_ value: Int8) throws { set(.number(value)) }
    mutating func encode(_ value: Int16) throws { set(.number(value)) }
    mutating func encode(_ value: Int32) throws { set(.number(value)) }
    mutating func encode(_ value: Int64) throws { set(.number(value)) }
    mutating func encode(_ value: UInt) throws { set(.number(value)) }
    mutating func encode(_ value: UInt8) throws { set(.number(value)) }
    mutating func encode(_ value: UInt16) throws { set(.number(value)) }
    mutating func encode(_ value: UInt32) throws { set(.number(value)) }
    mutating func encode(_ value: UInt64) throws { set(.number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.store(value, in: encoder.node) }
}

enum DynamoDBDates {
    static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    /// ISO 8601 with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }
}
