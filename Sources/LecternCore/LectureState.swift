/// Where a lecture is in its life. The API and the worker move it only along `allowedTransitions`,
/// each move a conditional write on the record, so two writers can never both win.
public enum LectureState: String, Codable, Sendable, CaseIterable {
    case awaitingUpload = "awaiting_upload"
    case queued
    case processing
    case ready
    case failed

    /// The states this one may move to.
    public var allowedTransitions: Set<LectureState> {
        switch self {
        case .awaitingUpload: [.queued, .failed]
        // A crashed worker's lease lapses and another worker claims the same job again: processing → processing.
        case .queued: [.processing, .failed]
        case .processing: [.processing, .ready, .failed, .queued]
        // Re-encoding a published lecture (a new output version) starts from ready; retry starts from failed.
        case .ready: [.queued]
        case .failed: [.queued]
        }
    }

    public func canMove(to next: LectureState) -> Bool { allowedTransitions.contains(next) }

    /// Whether students may see the lecture.
    public var isPublished: Bool { self == .ready }
}
