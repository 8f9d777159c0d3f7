import Foundation

/// Amazon DynamoDB over its JSON 1.0 protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`).
///
/// Expressions use `#name` placeholders (`names`) and `:value` placeholders (`values`), shared by the condition
/// and the update/key expressions of one call. A `ConditionExpression` that does not hold throws an `AWSError`
/// with `isConditionFailed`.
///
/// Retries: reads, CreateTable and unconditional PutItem/DeleteItem are retried (repeating them leaves the same
/// state). Conditional writes and UpdateItem are not by default: if the first attempt was applied but its answer
/// lost, the retry would fail its condition (or apply `SET n = n + 1` twice). Pass `idempotent: true` when the
/// write is safe to repeat.
public struct DynamoDBClient: Sendable {
    public let client: AWSServiceClient
    public var encoder: DynamoDBEncoder
    public var decoder: DynamoDBDecoder

    public init(
        client: AWSServiceClient,
        encoder: DynamoDBEncoder = DynamoDBEncoder(),
        decoder: DynamoDBDecoder = DynamoDBDecoder()
    ) {
        precondition(client.service == .dynamodb, "DynamoDBClient needs a DynamoDB service client")
        self.client = client
        self.encoder = encoder
        self.decoder = decoder
    }

    public init(context: AWSContext) {
        self.init(client: context.client(for: .dynamodb))
    }

    private func call<Input: Encodable, Output: Decodable>(
        _ operation: String,
        _ input: Input,
        _ output: Output.Type,
        idempotent: Bool
    ) async throws -> Output {
        try await client.json(
            target: "DynamoDB_20120810.\(operation)",
            input: input,
            output: output,
            idempotent: idempotent
        )
    }

    // MARK: Tables

    /// Creates an on-demand table; throws `AWSError` `ResourceInUseException` if it exists. Does not wait.
    @discardableResult
    public func createTable(_ definition: DynamoDBTableDefinition) async throws -> DynamoDBTableDescription {
        try await call("CreateTable", try DDBCreateTableInput(definition), DDBCreateTableOutput.self, idempotent: true)
            .TableDescription.description
    }

    public func describeTable(_ name: String) async throws -> DynamoDBTableDescription {
        try await call(
            "DescribeTable",
            DDBTableNameInput(TableName: name),
            DDBDescribeTableOutput.self,
            idempotent: true
        ).Table.description
    }

    public func deleteTable(_ name: String) async throws {
        _ = try await call("DeleteTable", DDBTableNameInput(TableName: name), DDBEmptyOutput.self, idempotent: true)
    }

    /// Polls DescribeTable until the table and all its indexes are ACTIVE; `DynamoDBError.tableNotActive` after
    /// `timeout`.
    @discardableResult
    public func waitUntilActive(
        _ name: String,
        timeout: Duration = .seconds(120),
        pollInterval: Duration = .milliseconds(500)
    ) async throws -> DynamoDBTableDescription {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let table = try await describeTable(name)
            if table.isActive { return table }
            guard clock.now + pollInterval < deadline else {
                throw DynamoDBError.tableNotActive(table: name, status: table.status)
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Creates the table unless it exists (another process creating it at the same time is fine), then waits until
    /// it is ACTIVE. An existing table is taken as it is: its key schema is not compared with `definition`.
    @discardableResult
    public func ensureTable(
        _ definition: DynamoDBTableDefinition,
        timeout: Duration = .seconds(120)
    ) async throws -> DynamoDBTableDescription {
        do {
            try await createTable(definition)
        } catch let error as AWSError where error.code == "ResourceInUseException" {
            // Already there (or being created by someone else): wait for it below.
        }
        return try await waitUntilActive(definition.name, timeout: timeout)
    }

    // MARK: Items

    /// Writes `item` (replacing any item with its key) if `condition` holds.
    public func putItem(
        table: String,
        item: DynamoDBItem,
        condition: String? = nil,
        names: [String: String] = [:],
        values: DynamoDBItem = [:],
        idempotent: Bool? = nil
    ) async throws {
        let input = DDBPutItemInput(
            TableName: table,
            Item: item,
            ConditionExpression: condition,
            ExpressionAttributeNames: names.dynamoDBNonEmpty,
            ExpressionAttributeValues: values.dynamoDBNonEmpty
        )
        _ = try await call("PutItem", input, DDBAttributesOutput.self, idempotent: idempotent ?? (condition == nil))
    }

    /// Encodes `value` with `encoder` and writes it (see `putItem(table:item:…)`).
    public func putItem(
        table: String,
        _ value: some Encodable,
        condition: String? = nil,
        names: [String: String] = [:],
        values: DynamoDBItem = [:],
        idempotent: Bool? = nil
    ) async throws {
        try await putItem(
            table: table,
            item: try encoder.encode(value),
            condition: condition,
            names: names,
            values: values,
            idempotent: idempotent
        )
    }

    /// Applies `update` (`SET #state = :next`) if `condition` holds; answers the item image `returnValues` asks for
    /// (the whole new item by default), nil for `.none`.
    @discardableResult
    public func updateItem(
        table: String,
        key: DynamoDBItem,
        update: String,
        condition: String? = nil,
        names: [String: String] = [:],
        values: DynamoDBItem = [:],
        returnValues: DynamoDBReturnValues = .allNew,
        idempotent: Bool = false
    ) async throws -> DynamoDBItem? {
        let input = DDBUpdateItemInput(
            TableName: table,
            Key: key,
            UpdateExpression: update,
            ConditionExpression: condition,
            ExpressionAttributeNames: names.dynamoDBNonEmpty,
            ExpressionAttributeValues: values.dynamoDBNonEmpty,
            ReturnValues: returnValues.rawValue
        )
        return try await call("UpdateItem", input, DDBAttributesOutput.self, idempotent: idempotent).Attributes
    }

    /// The item with `key`, nil if there is none. `consistentRead` sees every write acknowledged before the call.
    public func getItem(
        table: String,
        key: DynamoDBItem,
        consistentRead: Bool = false,
        projection: String? = nil,
        names: [String: String] = [:]
    ) async throws -> DynamoDBItem? {
        let input = DDBGetItemInput(
            TableName: table,
            Key: key,
            ConsistentRead: consistentRead ? true : nil,
            ProjectionExpression: projection,
            ExpressionAttributeNames: names.dynamoDBNonEmpty
        )
        return try await call("GetItem", input, DDBGetItemOutput.self, idempotent: true).Item
    }

    /// The item with `key` decoded as `type`, nil if there is none.
    public func getItem<T: Decodable>(
        _ type: T.Type,
        table: String,
        key: DynamoDBItem,
        consistentRead: Bool = false
    ) async throws -> T? {
        guard let item = try await getItem(table: table, key: key, consistentRead: consistentRead) else { return nil }
        return try decoder.decode(type, from: item)
    }

    /// Deletes the item with `key` if `condition` holds; answers the deleted item when `returnOld` (nil if there was
    /// none).
    @discardableResult
    public func deleteItem(
        table: String,
        key: DynamoDBItem,
        condition: String? = nil,
        names: [String: String] = [:],
        values: DynamoDBItem = [:],
        returnOld: Bool = false,
        idempotent: Bool? = nil
    ) async throws -> DynamoDBItem? {
        let input = DDBDeleteItemInput(
            TableName: table,
            Key: key,
            ConditionExpression: condition,
            ExpressionAttributeNames: names.dynamoDBNonEmpty,
            ExpressionAttributeValues: values.dynamoDBNonEmpty,
            ReturnValues: returnOld ? DynamoDBReturnValues.allOld.rawValue : nil
        )
        return try await call(
            "DeleteItem",
            input,
            DDBAttributesOutput.self,
            idempotent: idempotent ?? (condition == nil)
        ).Attributes
    }

    // MARK: Queries

    /// One page of a query. Pass the answer's `lastEvaluatedKey` as the next query's `exclusiveStartKey`.
    public func query(_ query: DynamoDBQuery) async throws -> DynamoDBQueryPage {
        if let limit = query.limit, limit < 1 { throw DynamoDBError.invalidArgument("query limit \(limit) is below 1") }
        let input = DDBQueryInput(
            TableName: query.table,
            IndexName: query.index,
            KeyConditionExpression: query.keyCondition,
            FilterExpression: query.filter,
            ExpressionAttributeNames: query.names.dynamoDBNonEmpty,
            ExpressionAttributeValues: query.values.dynamoDBNonEmpty,
            Limit: query.limit,
            ExclusiveStartKey: query.exclusiveStartKey,
            ScanIndexForward: query.scanIndexForward ? nil : false,
            ConsistentRead: query.consistentRead ? true : nil
        )
        let output = try await call("Query", input, DDBQueryOutput.self, idempotent: true)
        let items = output.Items ?? []
        // Some endpoints answer an empty LastEvaluatedKey on the last page; it means "no more" just like none.
        let lastKey = output.LastEvaluatedKey.flatMap { $0.isEmpty ? nil : $0 }
        return DynamoDBQueryPage(
            items: items,
            lastEvaluatedKey: lastKey,
            scannedCount: output.ScannedCount ?? items.count
        )
    }

    /// Every item the query matches, following pagination (at most `maxPages` pages, a guard against runaway loops).
    public func queryAll(_ query: DynamoDBQuery, maxPages: Int = 1_000) async throws -> [DynamoDBItem] {
        var query = query
        var items: [DynamoDBItem] = []
        for _ in 0..<maxPages {
            let page = try await self.query(query)
            items += page.items
            guard let next = page.lastEvaluatedKey else { return items }
            query.exclusiveStartKey = next
        }
        throw DynamoDBError.invalidArgument("query of \(query.table) did not finish within \(maxPages) pages")
    }
}
