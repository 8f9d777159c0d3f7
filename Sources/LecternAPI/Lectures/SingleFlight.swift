import Synchronization

/// Concurrent calls for the same key share one execution and its answer.
///
/// Completing an upload is already exactly-once across servers through the conditional DynamoDB transition; this
/// keeps concurrent completes of one lecture within one server from each assembling the parts in S3 and racing
/// to that transition. (moto's DynamoDB does not make conditional writes atomic under concurrent requests, so
/// without this the tests' racing completes could both "win" there; real DynamoDB never lets them.)
final class SingleFlight<Value: Sendable>: Sendable {
    private let running = Mutex<[String: Task<Value, any Error>]>([:])

    func run(_ key: String, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let task = running.withLock { running -> Task<Value, any Error> in
            if let existing = running[key] { return existing }
            let task = Task<Value, any Error> {
                defer { _ = self.running.withLock { $0.removeValue(forKey: key) } }
                return try await operation()
            }
            running[key] = task
            return task
        }
        return try await task.value
    }
}
