import AWS
import Foundation
import LecternTestSupport
import Testing

@Suite("DynamoDB against moto")
struct DynamoDBIntegrationTests {
    /// Jobs keyed by id, with a GSI listing a lecture's jobs by creation time — the shape Lectern's job table has.
    func jobsTable(_ dynamo: DynamoDBClient) async throws -> String {
        let name = MotoServer.uniqueName("jobs")
        let table = try await dynamo.ensureTable(
            DynamoDBTableDefinition(
                name: name,
                partitionKey: DynamoDBKeyAttribute("id"),
                globalSecondaryIndexes: [
                    DynamoDBGlobalSecondaryIndex(
                        name: "byLecture",
                        partitionKey: DynamoDBKeyAttribute("lectureID"),
                        sortKey: DynamoDBKeyAttribute("createdAt")
                    )
                ]
            )
        )
        #expect(table.isActive)
        return name
    }

    /// Events keyed by (lecture, sequence number).
    func eventsTable(_ dynamo: DynamoDBClient) async throws -> String {
        let name = MotoServer.uniqueName("events")
        try await dynamo.ensureTable(
            DynamoDBTableDefinition(
                name: name,
                partitionKey: DynamoDBKeyAttribute("lectureID"),
                sortKey: DynamoDBKeyAttribute("seq", .number)
            )
        )
        return name
    }

    @Test func createTableWithAGSIAndEnsureItAgain() async throws {
        let dynamo = try await motoDynamoDB()
        let name = try await jobsTable(dynamo)
        let description = try await dynamo.describeTable(name)
        #expect(description.status == "ACTIVE")
        #expect(description.indexStatuses.keys.sorted() == ["byLecture"])
        #expect(description.arn?.hasSuffix("table/" + name) == true)

        // ensureTable tolerates the existing table; createTable reports it.
        let again = try await dynamo.ensureTable(
            DynamoDBTableDefinition(name: name, partitionKey: DynamoDBKeyAttribute("id"))
        )
        #expect(again.name == name)
        let error = try await #require(throws: AWSError.self) {
            try await dynamo.createTable(DynamoDBTableDefinition(name: name, partitionKey: DynamoDBKeyAttribute("id")))
        }
        #expect(error.code == "ResourceInUseException")
    }

    @Test func conflictingKeyTypesAreRefusedBeforeSending() async throws {
        let dynamo = try await motoDynamoDB()
        let definition = DynamoDBTableDefinition(
            name: MotoServer.uniqueName("bad"),
            partitionKey: DynamoDBKeyAttribute("id"),
            globalSecondaryIndexes: [
                DynamoDBGlobalSecondaryIndex(name: "i", partitionKey: DynamoDBKeyAttribute("id", .number))
            ]
        )
        await #expect(throws: DynamoDBError.self) { try await dynamo.createTable(definition) }
    }

    @Test func conditionalPutTwiceFailsTheSecondTimeTyped() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await jobsTable(dynamo)
        let item: DynamoDBItem = [
            "id": "job-1", "state": "queued", "lectureID": "L-1", "createdAt": "2026-11-25T12:00:00Z",
        ]
        try await dynamo.putItem(table: table, item: item, condition: "attribute_not_exists(id)")

        var other = item
        other["state"] = "running"
        let error = try await #require(throws: AWSError.self) {
            try await dynamo.putItem(table: table, item: other, condition: "attribute_not_exists(id)")
        }
        #expect(error.isConditionFailed)
        #expect(error.status == 400)
        #expect(try await dynamo.getItem(table: table, key: ["id": "job-1"], consistentRead: true) == item)
    }

    @Test func conditionalUpdateDrivesAStateMachine() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await jobsTable(dynamo)
        let key: DynamoDBItem = ["id": "job-2"]
        try await dynamo.putItem(table: table, item: key.merging(["state": "queued", "attempts": 0]) { a, _ in a })

        let transition = "SET #state = :to, attempts = attempts + :one"
        let names = ["#state": "state"]
        let running = try await dynamo.updateItem(
            table: table,
            key: key,
            update: transition,
            condition: "#state = :from",
            names: names,
            values: [":from": "queued", ":to": "running", ":one": 1]
        )
        #expect(running?["state"] == "running")
        #expect(running?["attempts"] == .n("1"))

        // The same transition again: the job is no longer queued.
        let error = try await #require(throws: AWSError.self) {
            try await dynamo.updateItem(
                table: table,
                key: key,
                update: transition,
                condition: "#state = :from",
                names: names,
                values: [":from": "queued", ":to": "running", ":one": 1]
            )
        }
        #expect(error.isConditionFailed)

        let old = try await dynamo.updateItem(
            table: table,
            key: key,
            update: "SET #state = :to",
            condition: "#state = :from",
            names: names,
            values: [":from": "running", ":to": "done"],
            returnValues: .allOld
        )
        #expect(old?["state"] == "running")
        let current = try await dynamo.getItem(table: table, key: key, consistentRead: true)
        #expect(current?["state"] == "done")
        #expect(current?["attempts"] == .n("1"))
    }

    @Test func getItemConsistentAndMissing() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await jobsTable(dynamo)
        #expect(try await dynamo.getItem(table: table, key: ["id": "nothing"], consistentRead: true) == nil)
        try await dynamo.putItem(
            table: table,
            item: ["id": "job-3", "payload": .b(Data([0, 255])), "flags": .ss(["a", "b"])]
        )
        let item = try await dynamo.getItem(table: table, key: ["id": "job-3"], consistentRead: true)
        #expect(item?["payload"] == .b(Data([0, 255])))
        guard case .ss(let flags) = item?["flags"] else {
            Issue.record("flags is not a string set")
            return
        }
        #expect(Set(flags) == ["a", "b"])
        let projected = try await dynamo.getItem(
            table: table,
            key: ["id": "job-3"],
            projection: "#p",
            names: ["#p": "payload"]
        )
        #expect(projected == ["payload": .b(Data([0, 255]))])
    }

    @Test func deleteItemWithAndWithoutCondition() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await jobsTable(dynamo)
        try await dynamo.putItem(table: table, item: ["id": "job-4", "state": "running"])
        let error = try await #require(throws: AWSError.self) {
            try await dynamo.deleteItem(
                table: table,
                key: ["id": "job-4"],
                condition: "#s = :done",
                names: ["#s": "state"],
                values: [":done": "done"]
            )
        }
        #expect(error.isConditionFailed)
        let old = try await dynamo.deleteItem(
            table: table,
            key: ["id": "job-4"],
            condition: "#s = :running",
            names: ["#s": "state"],
            values: [":running": "running"],
            returnOld: true
        )
        #expect(old?["state"] == "running")
        #expect(try await dynamo.getItem(table: table, key: ["id": "job-4"], consistentRead: true) == nil)
        // Deleting what is not there is fine without a condition.
        #expect(try await dynamo.deleteItem(table: table, key: ["id": "job-4"], returnOld: true) == nil)
    }

    @Test func queryTablePagesThroughFiveItemsTwoAtATime() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await eventsTable(dynamo)
        for seq in [3, 1, 5, 2, 4] {
            try await dynamo.putItem(
                table: table,
                item: ["lectureID": "L-7", "seq": .number(seq), "kind": seq.isMultiple(of: 2) ? "even" : "odd"]
            )
        }
        try await dynamo.putItem(table: table, item: ["lectureID": "L-8", "seq": 1, "kind": "odd"])

        var query = DynamoDBQuery(
            table: table,
            keyCondition: "lectureID = :l",
            values: [":l": "L-7"],
            limit: 2,
            consistentRead: true
        )
        var seqs: [Int] = []
        var pages = 0
        while true {
            let page = try await dynamo.query(query)
            pages += 1
            #expect(page.items.count <= 2)
            seqs += page.items.compactMap { $0["seq"]?.intValue }
            guard let next = page.lastEvaluatedKey else { break }
            query.exclusiveStartKey = next
            try #require(pages < 10, "pagination does not end")
        }
        #expect(seqs == [1, 2, 3, 4, 5])
        #expect(pages >= 3)

        let descending = try await dynamo.queryAll(
            DynamoDBQuery(
                table: table,
                keyCondition: "lectureID = :l",
                values: [":l": "L-7"],
                limit: 2,
                scanIndexForward: false
            )
        )
        #expect(descending.compactMap { $0["seq"]?.intValue } == [5, 4, 3, 2, 1])

        let filtered = try await dynamo.queryAll(
            DynamoDBQuery(
                table: table,
                keyCondition: "lectureID = :l AND seq >= :min",
                filter: "#k = :k",
                names: ["#k": "kind"],
                values: [":l": "L-7", ":min": 2, ":k": "even"]
            )
        )
        #expect(filtered.compactMap { $0["seq"]?.intValue } == [2, 4])
    }

    @Test func queryGSIPagesThroughFiveItemsTwoAtATime() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await jobsTable(dynamo)
        for minute in [4, 0, 3, 1, 2] {
            try await dynamo.putItem(
                table: table,
                item: ["id": "job-\(minute)", "lectureID": "L-9", "createdAt": "2026-11-25T12:0\(minute):00Z"]
            )
        }
        try await dynamo.putItem(
            table: table,
            item: ["id": "other", "lectureID": "L-10", "createdAt": "2026-11-25T12:00:00Z"]
        )

        var query = DynamoDBQuery(
            table: table,
            index: "byLecture",
            keyCondition: "lectureID = :l",
            values: [":l": "L-9"],
            limit: 2
        )
        var ids: [String] = []
        var pages = 0
        repeat {
            let page = try await dynamo.query(query)
            pages += 1
            #expect(page.items.count <= 2)
            ids += page.items.compactMap { $0["id"]?.stringValue }
            query.exclusiveStartKey = page.lastEvaluatedKey
            try #require(pages < 10, "pagination does not end")
        } while query.exclusiveStartKey != nil
        #expect(ids == ["job-0", "job-1", "job-2", "job-3", "job-4"])
        #expect(pages >= 3)
    }

    struct Job: Codable, Equatable {
        struct Output: Codable, Equatable {
            var key: String
            var bytes: Int64
            var renditions: [Int]
        }
        var id: String
        var lectureID: String
        var createdAt: Date
        var state: String
        var attempts: Int
        var progress: Double?
        var startedAt: Date?
        var error: String?
        var outputs: [Output]
        var labels: [String: String]
    }

    @Test func codableRoundTripThroughMoto() async throws {
        let dynamo = try await motoDynamoDB()
        let table = try await jobsTable(dynamo)
        let job = Job(
            id: "job-codable",
            lectureID: "L-1",
            createdAt: Date(timeIntervalSince1970: 1_764_072_000.125),
            state: "done",
            attempts: 2,
            progress: 0.75,
            startedAt: Date(timeIntervalSince1970: 1_764_072_060),
            error: nil,
            outputs: [
                Job.Output(key: "hls/720p.m3u8", bytes: 5_000_000_000, renditions: [1080, 720]),
                Job.Output(key: "mp4/lecture.mp4", bytes: 42, renditions: []),
            ],
            labels: ["course": "PHY-101", "term": "WS25"]
        )
        try await dynamo.putItem(table: table, job, condition: "attribute_not_exists(id)")
        let read = try await dynamo.getItem(Job.self, table: table, key: ["id": "job-codable"], consistentRead: true)
        #expect(read == job)

        // Through the index too, decoded a page at a time.
        let page = try await dynamo.query(
            DynamoDBQuery(table: table, index: "byLecture", keyCondition: "lectureID = :l", values: [":l": "L-1"])
        )
        #expect(try page.decode(Job.self) == [job])
    }

    @Test func missingTableIsATypedNotFound() async throws {
        let dynamo = try await motoDynamoDB()
        let error = try await #require(throws: AWSError.self) {
            try await dynamo.getItem(table: MotoServer.uniqueName("missing"), key: ["id": "x"])
        }
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.isNotFound)
    }

    @Test func wrongSecretIsASignatureMismatch() async throws {
        let moto = try await MotoServer.shared()
        let bad = try await motoDynamoDB(
            credentials: AWSCredentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "wrong-secret")
        )
        let error = try await #require(throws: AWSError.self) {
            try await bad.describeTable(MotoServer.uniqueName("any"))
        }
        // moto answers DynamoDB calls with the same 403 XML as SQS:
        // <ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch…
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.status == 403)
        #expect(error.isSignatureMismatch)
    }
}
