import AWS
import Foundation
import Synchronization
import Testing

/// DynamoDB client logic above the wire, with scripted answers from a FakeTransport.
@Suite("DynamoDB client with a fake transport")
struct DynamoDBUnitTests {
    final class FakeDynamoDB: Sendable {
        let requests = Mutex<[(target: String, body: [String: any Sendable])]>([])
        let script: @Sendable (_ operation: String, _ callNumber: Int) -> (Int, String)

        init(script: @escaping @Sendable (String, Int) -> (Int, String)) { self.script = script }

        var count: Int { requests.withLock { $0.count } }
        func body(_ index: Int) -> [String: any Sendable] { requests.withLock { $0[index].body } }
        var targets: [String] { requests.withLock { $0.map(\.target) } }

        func client() -> DynamoDBClient {
            let transport = FakeTransport { request in
                let target = request.headers["X-Amz-Target"] ?? ""
                var body: [String: any Sendable] = [:]
                if case .data(let data) = request.body,
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                {
                    for (key, value) in object { body[key] = value as? String ?? "\(value)" }
                }
                let number = self.requests.withLock { requests in
                    requests.append((target, body))
                    return requests.filter { $0.target == target }.count
                }
                let (status, answer) = self.script(String(target.dropFirst("DynamoDB_20120810.".count)), number)
                return HTTPResponse(status: status, body: Data(answer.utf8))
            }
            return DynamoDBClient(
                client: AWSServiceClient(
                    service: .dynamodb,
                    configuration: AWSConfiguration(region: "eu-central-1"),
                    transport: transport,
                    credentials: StaticCredentialProvider(
                        AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
                    ),
                    retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1))
                )
            )
        }
    }

    static func table(_ status: String, index: String = "ACTIVE") -> String {
        #"""
        {"Table":{"TableName":"jobs","TableStatus":"\#(status)","GlobalSecondaryIndexes":[{"IndexName":\#
        "byLecture","IndexStatus":"\#(index)"}]}}
        """#
    }

    @Test func waitUntilActiveWaitsForTheTableAndItsIndexes() async throws {
        let fake = FakeDynamoDB { _, number in
            switch number {
            case 1: (200, Self.table("CREATING", index: "CREATING"))
            case 2: (200, Self.table("ACTIVE", index: "CREATING"))
            default: (200, Self.table("ACTIVE"))
            }
        }
        let table = try await fake.client().waitUntilActive("jobs", pollInterval: .milliseconds(5))
        #expect(table.isActive)
        #expect(table.indexStatuses == ["byLecture": "ACTIVE"])
        #expect(fake.count == 3)
    }

    @Test func waitUntilActiveGivesUpWithATypedError() async throws {
        let fake = FakeDynamoDB { _, _ in (200, Self.table("CREATING")) }
        await #expect(throws: DynamoDBError.tableNotActive(table: "jobs", status: "CREATING")) {
            try await fake.client().waitUntilActive("jobs", timeout: .milliseconds(50), pollInterval: .milliseconds(5))
        }
    }

    @Test func ensureTableToleratesAnExistingTable() async throws {
        let fake = FakeDynamoDB { operation, _ in
            operation == "CreateTable"
                ? (
                    400,
                    #"""
                    {"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException",\#
                    "message":"Table already exists: jobs"}
                    """#
                )
                : (200, Self.table("ACTIVE"))
        }
        let table = try await fake.client().ensureTable(
            DynamoDBTableDefinition(name: "jobs", partitionKey: DynamoDBKeyAttribute("id"))
        )
        #expect(table.name == "jobs")
        #expect(fake.targets == ["DynamoDB_20120810.CreateTable", "DynamoDB_20120810.DescribeTable"])
    }

    @Test func createTableRequestShape() async throws {
        let fake = FakeDynamoDB { _, _ in (200, #"{"TableDescription":{"TableName":"jobs","TableStatus":"CREATING"}}"#)
        }
        try await fake.client().createTable(
            DynamoDBTableDefinition(
                name: "jobs",
                partitionKey: DynamoDBKeyAttribute("id"),
                globalSecondaryIndexes: [
                    DynamoDBGlobalSecondaryIndex(
                        name: "byLecture",
                        partitionKey: DynamoDBKeyAttribute("lectureID"),
                        sortKey: DynamoDBKeyAttribute("seq", .number),
                        projection: .keysOnly
                    )
                ]
            )
        )
        let body = fake.body(0)
        #expect(body["BillingMode"] as? String == "PAY_PER_REQUEST")
        let definitions = try #require(body["AttributeDefinitions"] as? String)
        // Each key attribute once, with its type.
        #expect(definitions.contains("id") && definitions.contains("lectureID") && definitions.contains("seq"))
        #expect(definitions.components(separatedBy: "AttributeName").count - 1 == 3)
        #expect((body["GlobalSecondaryIndexes"] as? String)?.contains("KEYS_ONLY") == true)
    }

    @Test func updateRequestShapeAndEmptyMapsLeftOut() async throws {
        let fake = FakeDynamoDB { _, _ in (200, #"{"Attributes":{"id":{"S":"j"},"state":{"S":"running"}}}"#) }
        let dynamo = fake.client()
        let item = try await dynamo.updateItem(
            table: "jobs",
            key: ["id": "j"],
            update: "SET #s = :to",
            condition: "#s = :from",
            names: ["#s": "state"],
            values: [":from": "queued", ":to": "running"]
        )
        #expect(item == ["id": "j", "state": "running"])
        let body = fake.body(0)
        #expect(body["ReturnValues"] as? String == "ALL_NEW")
        #expect(body["ConditionExpression"] as? String == "#s = :from")
        #expect(body["UpdateExpression"] as? String == "SET #s = :to")

        _ = try await dynamo.getItem(table: "jobs", key: ["id": "j"])
        // DynamoDB rejects empty ExpressionAttributeNames/Values maps, and ConsistentRead false is the default.
        let get = fake.body(1)
        #expect(get["ExpressionAttributeNames"] == nil)
        #expect(get["ConsistentRead"] == nil)
    }

    @Test func conditionalWritesAreNotRetriedButUnconditionalOnesAre() async throws {
        let fake = FakeDynamoDB { _, _ in
            (500, #"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}"#)
        }
        let dynamo = fake.client()
        await #expect(throws: AWSError.self) {
            try await dynamo.putItem(table: "jobs", item: ["id": "j"], condition: "attribute_not_exists(id)")
        }
        #expect(fake.count == 1)
        await #expect(throws: AWSError.self) { try await dynamo.putItem(table: "jobs", item: ["id": "j"]) }
        #expect(fake.count == 1 + 3)
        await #expect(throws: AWSError.self) {
            try await dynamo.updateItem(
                table: "jobs",
                key: ["id": "j"],
                update: "SET n = n + :one",
                values: [":one": 1]
            )
        }
        #expect(fake.count == 1 + 3 + 1)
    }

    @Test func conditionFailureIsTyped() async throws {
        let fake = FakeDynamoDB { _, _ in
            (
                400,
                #"""
                {"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",\#
                "message":"The conditional request failed"}
                """#
            )
        }
        let error = try await #require(throws: AWSError.self) {
            try await fake.client().deleteItem(table: "jobs", key: ["id": "j"], condition: "attribute_exists(id)")
        }
        #expect(error.isConditionFailed)
        #expect(!error.isRetryable)
    }

    @Test func badQueryLimitFailsBeforeAnyRequest() async throws {
        let fake = FakeDynamoDB { _, _ in (200, "{}") }
        await #expect(throws: DynamoDBError.self) {
            try await fake.client().query(
                DynamoDBQuery(table: "jobs", keyCondition: "id = :id", values: [":id": "j"], limit: 0)
            )
        }
        #expect(fake.count == 0)
    }
}
