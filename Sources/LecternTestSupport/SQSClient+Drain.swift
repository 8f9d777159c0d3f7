import AWS

extension SQSClient {
    /// Receives until the queue answers empty (no wait), deleting nothing: every message currently visible.
    /// `visibilityTimeout` keeps the ones already seen hidden meanwhile.
    public func drain(_ queueURL: String, visibilityTimeout: Int = 60) async throws -> [SQSMessage] {
        var all: [SQSMessage] = []
        while true {
            let batch = try await receiveMessages(
                queueURL,
                maxMessages: 10,
                waitTimeSeconds: 0,
                visibilityTimeout: visibilityTimeout
            )
            if batch.isEmpty { return all }
            all += batch
        }
    }
}
