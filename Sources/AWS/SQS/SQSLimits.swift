/// Limits SQS itself imposes, named once so the worker, the CLI and the clients agree with the service.
public enum SQSLimits {
    /// The longest a message can stay hidden, in seconds: 12 hours. SQS refuses a larger `VisibilityTimeout`
    /// (ReceiveMessage, ChangeMessageVisibility, queue attributes), and counts it from the message's receipt,
    /// so an extension can reach at most this many seconds after the receive.
    public static let maxVisibilityTimeoutSeconds = 43_200
}
