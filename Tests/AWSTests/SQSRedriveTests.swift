import AWS
import Foundation
import LecternTestSupport
import Synchronization
import Testing

@Suite("SQS DLQ redrive against moto")
struct SQSRedriveTests {
    struct Fixture {
        let sqs: SQSClient
        let dlqURL: String
        let targetURL: String
        let bodies: Set<String>
    }

    /// A DLQ holding `count` messages, each with a message attribute, and an empty target queue.
    func fixture(count: Int) async throws -> Fixture {
        let sqs = try await motoSQS()
        let dlqURL = try await sqs.createQueue(named: MotoServer.uniqueName("dlq"))
        let targetURL = try await sqs.createQueue(named: MotoServer.uniqueName("jobs"))
        let bodies = (0..<count).map { "job-\($0)-\(UUID().uuidString)" }
        for start in stride(from: 0, to: count, by: 10) {
            let entries = bodies[start..<min(start + 10, count)].enumerated().map { index, body in
                SQSSendEntry(
                    id: "e\(index)",
                    body: body,
                    messageAttributes: ["lecture": .string("L-\(body)"), "n": .number(start + index)]
                )
            }
            let sent = try await sqs.sendMessageBatch(dlqURL, entries: entries)
            #expect(sent.failed.isEmpty)
        }
        return Fixture(sqs: sqs, dlqURL: dlqURL, targetURL: targetURL, bodies: Set(bodies))
    }

    @Test func movesEverythingBackWithBodiesAndAttributes() async throws {
        let f = try await fixture(count: 23)
        // preferMoveTask is on: moto has no StartMessageMoveTask, so this also proves the fallback.
        let result = try await SQSRedrive(client: f.sqs).run(from: f.dlqURL, to: f.targetURL)
        #expect(result == SQSRedrive.Result(moved: 23, usedMoveTask: false))

        let moved = try await f.sqs.drain(f.targetURL)
        #expect(moved.count == 23)
        #expect(Set(moved.map(\.body)) == f.bodies)
        for message in moved {
            #expect(message.messageAttributes["lecture"] == .string("L-\(message.body)"))
            #expect(message.messageAttributes["n"]?.dataType == "Number")
            #expect(message.messageAttributes["lectern-redrive-id"]?.stringValue?.isEmpty == false)
        }
        #expect(try await f.sqs.totalMessages(f.dlqURL) == 0)
    }

    @Test func maxBoundsTheMove() async throws {
        let f = try await fixture(count: 14)
        let result = try await SQSRedrive(client: f.sqs, options: .init(maxMessages: 12)).run(
            from: f.dlqURL,
            to: f.targetURL
        )
        #expect(result.moved == 12)
        let moved = try await f.sqs.drain(f.targetURL)
        let left = try await f.sqs.drain(f.dlqURL)
        #expect(moved.count == 12)
        #expect(left.count == 2)
        #expect(Set(moved.map(\.body)).union(left.map(\.body)) == f.bodies)
    }

    @Test func crashBetweenSendAndDeleteLosesNothing() async throws {
        let f = try await fixture(count: 15)
        struct SimulatedCrash: Error {}
        var crashing = SQSRedrive(client: f.sqs, options: .init(visibilityTimeout: 2))
        crashing.afterSend = { _ in throw SimulatedCrash() }
        await #expect(throws: SimulatedCrash.self) { try await crashing.run(from: f.dlqURL, to: f.targetURL) }

        // The first batch reached the target but is still in the DLQ (hidden until its visibility timeout ends).
        #expect(try await f.sqs.totalMessages(f.targetURL) == 10)
        #expect(try await f.sqs.totalMessages(f.dlqURL) == 15)

        // A later run, once the batch is visible again, moves all fifteen.
        try await Task.sleep(for: .seconds(3))
        let result = try await SQSRedrive(client: f.sqs).run(from: f.dlqURL, to: f.targetURL)
        #expect(result.moved == 15)
        #expect(try await f.sqs.totalMessages(f.dlqURL) == 0)

        // At-least-once: every message arrived, the ten interrupted ones twice, each pair with the same redrive id.
        let arrived = try await f.sqs.drain(f.targetURL)
        #expect(arrived.count == 25)
        #expect(Set(arrived.map(\.body)) == f.bodies)
        let copiesByRedriveID = Dictionary(grouping: arrived) {
            $0.messageAttributes["lectern-redrive-id"]?.stringValue ?? ""
        }
        #expect(copiesByRedriveID.count == 15)
        #expect(copiesByRedriveID.values.filter { $0.count == 2 }.count == 10)
        for copies in copiesByRedriveID.values {
            #expect(Set(copies.map(\.body)).count == 1)
        }
    }

    @Test func cancelledHalfWayLosesAndDoublesNothing() async throws {
        let f = try await fixture(count: 25)
        var redrive = SQSRedrive(client: f.sqs)
        let batches = Mutex(0)
        redrive.onBatch = { _ in
            batches.withLock { $0 += 1 }
            withUnsafeCurrentTask { $0?.cancel() }
        }
        // Its own task: the hook cancels the task it runs in.
        let result = try await Task { try await redrive.run(from: f.dlqURL, to: f.targetURL) }.value
        #expect(batches.withLock { $0 } == 1)
        #expect(result.cancelled)
        #expect(result.moved == 10)

        let moved = try await f.sqs.drain(f.targetURL)
        let left = try await f.sqs.drain(f.dlqURL)
        #expect(moved.count == 10)
        #expect(left.count == 15)
        #expect(Set(moved.map(\.body)).union(left.map(\.body)) == f.bodies)
        #expect(Set(moved.map(\.body)).isDisjoint(with: left.map(\.body)))
    }

    @Test func refusedSendsStayInTheDLQ() async throws {
        let f = try await fixture(count: 3)
        // A target that does not exist fails the whole send: an error, and the DLQ keeps every message.
        let missing = f.targetURL + "-missing"
        await #expect(throws: AWSError.self) {
            try await SQSRedrive(client: f.sqs, options: .init(visibilityTimeout: 1, preferMoveTask: false)).run(
                from: f.dlqURL,
                to: missing
            )
        }
        try await Task.sleep(for: .seconds(2))
        #expect(Set(try await f.sqs.drain(f.dlqURL).map(\.body)) == f.bodies)
    }

    @Test func bigMessagesAreSentInBatchesUnderTheSizeLimit() async throws {
        let sqs = try await motoSQS()
        let dlqURL = try await sqs.createQueue(named: MotoServer.uniqueName("dlq"))
        let targetURL = try await sqs.createQueue(named: MotoServer.uniqueName("jobs"))
        // Six 240 kB bodies: one batch of all six would exceed even moto's 1 MiB batch limit.
        let bodies = (0..<6).map { index in
            String(repeating: Character(UnicodeScalar(UInt8(65 + index))), count: 240_000)
        }
        for body in bodies { try await sqs.sendMessage(dlqURL, body: body) }

        let result = try await SQSRedrive(client: sqs).run(from: dlqURL, to: targetURL)
        #expect(result.moved == 6)
        #expect(Set(try await sqs.drain(targetURL).map(\.body)) == Set(bodies))
        #expect(try await sqs.totalMessages(dlqURL) == 0)
    }

    @Test func rejectsBadOptions() async throws {
        let f = try await fixture(count: 1)
        await #expect(throws: SQSError.self) {
            try await SQSRedrive(client: f.sqs, options: .init(maxMessages: -1)).run(from: f.dlqURL, to: f.targetURL)
        }
        await #expect(throws: SQSError.self) {
            try await SQSRedrive(client: f.sqs, options: .init(visibilityTimeout: 50_000)).run(
                from: f.dlqURL,
                to: f.targetURL
            )
        }
        #expect(try await f.sqs.totalMessages(f.dlqURL) == 1)
    }
}
