import Foundation

public typealias DynamoDBItem = [String: AttributeValue]

/// A key attribute: its name and scalar type.
public struct DynamoDBKeyAttribute: Sendable, Equatable {
    public enum ScalarType: String, Sendable { case string = "S", number = "N", binary = "B" }
    public var name: String
    public var type: ScalarType

    public init(_ name: String, _ type: ScalarType = .string) {
        self.name = name
        self.type = type
    }
}

public struct DynamoDBGlobalSecondaryIndex: Sendable, Equatable {
    public enum Projection: Sendable, Equatable {
        case all, keysOnly
        case include([String])
    }
    public var name: String
    public var partitionKey: DynamoDBKeyAttribute
    public var sortKey: DynamoDBKeyAttribute?
    public var projection: Projection

    public init(
        name: String,
        partitionKey: DynamoDBKeyAttribute,
        sortKey: DynamoDBKeyAttribute? = nil,
        projection: Projection = .all
    ) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.projection = projection
    }
}

/// What CreateTable needs. Tables are always on-demand (PAY_PER_REQUEST).
public struct DynamoDBTableDefinition: Sendable, Equatable {
    public var name: String
    public var partitionKey: DynamoDBKeyAttribute
    public var sortKey: DynamoDBKeyAttribute?
    public var globalSecondaryIndexes: [DynamoDBGlobalSecondaryIndex]

    public init(
        name: String,
        partitionKey: DynamoDBKeyAttribute,
        sortKey: DynamoDBKeyAttribute? = nil,
        globalSecondaryIndexes: [DynamoDBGlobalSecondaryIndex] = []
    ) {
        self.name = name
        self.partitionKey = partitionKey
        self.sortKey = sortKey
        self.globalSecondaryIndexes = globalSecondaryIndexes
    }

    /// Every key attribute of the table and its indexes, once each; a name used with two types is an error.
    func attributeDefinitions() throws -> [DynamoDBKeyAttribute] {
        var result: [DynamoDBKeyAttribute] = []
        let all =
            [partitionKey, sortKey].compactMap { $0 }
            + globalSecondaryIndexes.flatMap { [$0.partitionKey, $0.sortKey].compactMap { $0 } }
        for attribute in all {
            if let existing = result.first(where: { $0.name == attribute.name }) {
                guard existing.type == attribute.type else {
                    throw DynamoDBError.invalidArgument(
                        """
                        key attribute \(attribute.name) is declared both \(existing.type.rawValue) \
                        and \(attribute.type.rawValue)
                        """
                    )
                }
            } else {
                result.append(attribute)
            }
        }
        return result
    }
}

/// The parts of DescribeTable's answer Lectern reads.
public struct DynamoDBTableDescription: Sendable, Equatable {
    public var name: String
    /// CREATING, UPDATING, DELETING, ACTIVE, …
    public var status: String
    public var arn: String?
    public var itemCount: Int?
    /// Index name → IndexStatus.
    public var indexStatuses: [String: String]

    public var isActive: Bool { status == "ACTIVE" && indexStatuses.values.allSatisfy { $0 == "ACTIVE" } }
}

/// Which item image UpdateItem answers.
public enum DynamoDBReturnValues: String, Sendable {
    case none = "NONE", allOld = "ALL_OLD", updatedOld = "UPDATED_OLD", allNew = "ALL_NEW", updatedNew = "UPDATED_NEW"
}

/// A Query on a table or one of its indexes. Expressions use `#name` placeholders from `names` and `:value`
/// placeholders from `values`.
public struct DynamoDBQuery: Sendable, Equatable {
    public var table: String
    public var index: String?
    public var keyCondition: String
    public var filter: String?
    public var names: [String: String]
    public var values: DynamoDBItem
    /// Items evaluated per page (before the filter).
    public var limit: Int?
    /// The previous page's `lastEvaluatedKey`.
    public var exclusiveStartKey: DynamoDBItem?
    /// False: descending sort-key order.
    public var scanIndexForward: Bool
    /// Not allowed on global secondary indexes.
    public var consistentRead: Bool

    public init(
        table: String,
        index: String? = nil,
        keyCondition: String,
        filter: String? = nil,
        names: [String: String] = [:],
        values: DynamoDBItem = [:],
        limit: Int? = nil,
        exclusiveStartKey: DynamoDBItem? = nil,
        scanIndexForward: Bool = true,
        consistentRead: Bool = false
    ) {
        self.table = table
        self.index = index
        self.keyCondition = keyCondition
        self.filter = filter
        self.names = names
        self.values = values
        self.limit = limit
        self.exclusiveStartKey = exclusiveStartKey
        self.scanIndexForward = scanIndexForward
        self.consistentRead = consistentRead
    }
}

public struct DynamoDBQueryPage: Sendable, Equatable {
    public var items: [DynamoDBItem]
    /// Present when there may be more: pass it as the next query's `exclusiveStartKey`.
    public var lastEvaluatedKey: DynamoDBItem?
    public var scannedCount: Int

    public func decode<T: Decodable>(_ type: T.Type, using decoder: DynamoDBDecoder = DynamoDBDecoder()) throws -> [T] {
        try items.map { try decoder.decode(type, from: $0) }
    }
}

/// Errors the DynamoDB client raises itself. The service's errors are `AWSError`s: a failed
/// `ConditionExpression` is `AWSError.isConditionFailed` (code `ConditionalCheckFailedException`).
///
/// A struct over a private enum (jwt-kit's `JWTError` shape): compare `kind` or whole errors, read the fields; a
/// new kind does not break callers.
public struct DynamoDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which failure this is. New kinds may be added; compare with `==` rather than switching exhaustively.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable { case invalidArgument, tableNotActive }
        fileprivate let base: Base

        /// The caller asked for something DynamoDB would refuse, or a query ran past its page limit.
        public static let invalidArgument = Kind(base: .invalidArgument)
        /// The table (or one of its indexes) was not ACTIVE within the wait.
        public static let tableNotActive = Kind(base: .tableNotActive)

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// For `invalidArgument`: what was wrong.
    public let reason: String?
    /// For `tableNotActive`: the table and the status it was still in.
    public let table: String?
    public let status: String?

    private init(_ kind: Kind, reason: String? = nil, table: String? = nil, status: String? = nil) {
        self.kind = kind
        self.reason = reason
        self.table = table
        self.status = status
    }

    public static func invalidArgument(_ reason: String) -> DynamoDBError {
        DynamoDBError(.invalidArgument, reason: reason)
    }

    public static func tableNotActive(table: String, status: String) -> DynamoDBError {
        DynamoDBError(.tableNotActive, table: table, status: status)
    }

    public var description: String {
        switch kind.base {
        case .invalidArgument: "invalid DynamoDB request: \(reason ?? "")"
        case .tableNotActive: "DynamoDB table \(table ?? "") is still \(status ?? "")"
        }
    }
}
