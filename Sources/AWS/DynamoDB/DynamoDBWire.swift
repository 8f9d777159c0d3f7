import Foundation

// The JSON shapes of DynamoDB's JSON 1.0 protocol (DynamoDB_20120810.<Operation>). Internal.

struct DDBKeySchemaElement: Codable {
    var AttributeName: String
    var KeyType: String

    static func schema(_ partition: DynamoDBKeyAttribute, _ sort: DynamoDBKeyAttribute?) -> [Self] {
        [Self(AttributeName: partition.name, KeyType: "HASH")]
            + (sort.map { [Self(AttributeName: $0.name, KeyType: "RANGE")] } ?? [])
    }
}

struct DDBCreateTableInput: Encodable {
    struct AttributeDefinition: Encodable {
        var AttributeName: String
        var AttributeType: String
    }
    struct Projection: Encodable {
        var ProjectionType: String
        var NonKeyAttributes: [String]?
    }
    struct GlobalSecondaryIndex: Encodable {
        var IndexName: String
        var KeySchema: [DDBKeySchemaElement]
        var Projection: Projection
    }
    var TableName: String
    var KeySchema: [DDBKeySchemaElement]
    var AttributeDefinitions: [AttributeDefinition]
    var BillingMode = "PAY_PER_REQUEST"
    var GlobalSecondaryIndexes: [GlobalSecondaryIndex]?

    init(_ definition: DynamoDBTableDefinition) throws {
        TableName = definition.name
        KeySchema = DDBKeySchemaElement.schema(definition.partitionKey, definition.sortKey)
        AttributeDefinitions = try definition.attributeDefinitions().map {
            AttributeDefinition(AttributeName: $0.name, AttributeType: $0.type.rawValue)
        }
        let indexes = definition.globalSecondaryIndexes.map { index in
            let projection: Projection =
                switch index.projection {
                case .all: Projection(ProjectionType: "ALL")
                case .keysOnly: Projection(ProjectionType: "KEYS_ONLY")
                case .include(let names): Projection(ProjectionType: "INCLUDE", NonKeyAttributes: names)
                }
            return GlobalSecondaryIndex(
                IndexName: index.name,
                KeySchema: DDBKeySchemaElement.schema(index.partitionKey, index.sortKey),
                Projection: projection
            )
        }
        GlobalSecondaryIndexes = indexes.isEmpty ? nil : indexes
    }
}

struct DDBTableDescriptionWire: Decodable {
    struct Index: Decodable {
        var IndexName: String
        var IndexStatus: String?
    }
    var TableName: String
    var TableStatus: String
    var TableArn: String?
    var ItemCount: Int?
    var GlobalSecondaryIndexes: [Index]?

    var description: DynamoDBTableDescription {
        DynamoDBTableDescription(
            name: TableName,
            status: TableStatus,
            arn: TableArn,
            itemCount: ItemCount,
            indexStatuses: Dictionary(
                (GlobalSecondaryIndexes ?? []).map { ($0.IndexName, $0.IndexStatus ?? "ACTIVE") },
                uniquingKeysWith: { first, _ in first }
            )
        )
    }
}

struct DDBCreateTableOutput: Decodable { var TableDescription: DDBTableDescriptionWire }
struct DDBTableNameInput: Encodable { var TableName: String }
struct DDBDescribeTableOutput: Decodable { var Table: DDBTableDescriptionWire }

struct DDBPutItemInput: Encodable {
    var TableName: String
    var Item: DynamoDBItem
    var ConditionExpression: String?
    var ExpressionAttributeNames: [String: String]?
    var ExpressionAttributeValues: DynamoDBItem?
    var ReturnValues: String?
}

struct DDBUpdateItemInput: Encodable {
    var TableName: String
    var Key: DynamoDBItem
    var UpdateExpression: String
    var ConditionExpression: String?
    var ExpressionAttributeNames: [String: String]?
    var ExpressionAttributeValues: DynamoDBItem?
    var ReturnValues: String?
}

struct DDBDeleteItemInput: Encodable {
    var TableName: String
    var Key: DynamoDBItem
    var ConditionExpression: String?
    var ExpressionAttributeNames: [String: String]?
    var ExpressionAttributeValues: DynamoDBItem?
    var ReturnValues: String?
}

struct DDBAttributesOutput: Decodable { var Attributes: DynamoDBItem? }

struct DDBGetItemInput: Encodable {
    var TableName: String
    var Key: DynamoDBItem
    var ConsistentRead: Bool?
    var ProjectionExpression: String?
    var ExpressionAttributeNames: [String: String]?
}

struct DDBGetItemOutput: Decodable { var Item: DynamoDBItem? }

struct DDBQueryInput: Encodable {
    var TableName: String
    var IndexName: String?
    var KeyConditionExpression: String
    var FilterExpression: String?
    var ExpressionAttributeNames: [String: String]?
    var ExpressionAttributeValues: DynamoDBItem?
    var Limit: Int?
    var ExclusiveStartKey: DynamoDBItem?
    var ScanIndexForward: Bool?
    var ConsistentRead: Bool?
}

struct DDBQueryOutput: Decodable {
    var Items: [DynamoDBItem]?
    var Count: Int?
    var ScannedCount: Int?
    var LastEvaluatedKey: DynamoDBItem?
}

struct DDBEmptyOutput: Decodable {}

extension Dictionary {
    /// nil for an empty dictionary: DynamoDB rejects empty ExpressionAttributeNames/Values maps.
    var dynamoDBNonEmpty: Self? { isEmpty ? nil : self }
}
