import LecternCore
import Synchronization

/// Lecture records kept for at most `ttl` (≤ 1 s) for the answers that only show a record: GET a lecture, the
/// part-URL batch, playlists. The portal polls a lecture every 2 s and an uploader asks for part URLs in bursts;
/// each of those would otherwise be one strongly consistent DynamoDB read (billed per read). Concurrent misses
/// for one lecture share a single read (single flight).
///
/// What it does not change: authorization runs on every request against the (cached) record's course; writes
/// (complete, abort, retry, delete) read the table afresh and invalidate the entry here once they are done. A
/// change made elsewhere (the worker's progress, another API task's write) shows up here within `ttl`.
final class LectureRecordCache: Sendable {
    private enum Slot {
        case ready(LectureRecord, expires: ContinuousClock.Instant)
        case loading(Task<LectureRecord?, any Error>, generation: UInt64)
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var generation: UInt64 = 0
    }

    let ttl: Duration
    let capacity: Int
    private let state = Mutex(State())

    /// `ttl` zero turns the cache off: every call reads.
    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The cached record, or `load`'s answer (shared with concurrent callers for the same id). Absent records
    /// and errors are never cached.
    func record(_ id: String, load: @escaping @Sendable () async throws -> LectureRecord?) async throws -> LectureRecord? {
        guard ttl > .zero else { return try await load() }
        enum Plan { case hit(LectureRecord), wait(Task<LectureRecord?, any Error>), started(Task<LectureRecord?, any Error>, UInt64) }
        let started = ContinuousClock.now
        let plan = state.withLock { state -> Plan in
            switch state.slots[id] {
            case .ready(let record, let expires) where expires > started: return .hit(record)
            case .loading(let task, _): return .wait(task)
            default:
                if state.slots.count >= capacity { state.slots = state.slots.filter { if case .ready(_, let expires) = $0.value { expires > started } else { true } } }
                state.generation &+= 1
                let task = Task { try await load() }
                state.slots[id] = .loading(task, generation: state.generation)
                return .started(task, state.generation)
            }
        }
        switch plan {
        case .hit(let record): return record
        case .wait(let task): return try await task.value
        case .started(let task, let generation):
            let result = await task.result
            state.withLock { state in
                // Store only if nothing invalidated the entry while it loaded; the age counts from the read's start.
                guard case .loading(_, let current)? = state.slots[id], current == generation else { return }
                if case .success(let record?) = result, state.slots.count <= capacity {
                    state.slots[id] = .ready(record, expires: started + ttl)
                } else {
                    state.slots.removeValue(forKey: id)
                }
            }
            return try result.get()
        }
    }

    /// After a write: the next read goes to the table.
    func invalidate(_ id: String) {
        _ = state.withLock { $0.slots.removeValue(forKey: id) }
    }
}

extension APIApplication {
    /// `LECTERN_RECORD_CACHE_SECONDS`: 0…1 (decimals allowed), default 1; 0 turns the record cache off.
    public static func recordCacheTTL(fromEnvironment environment: [String: String]) throws(APIConfigError) -> Duration {
        guard let text = environment["LECTERN_RECORD_CACHE_SECONDS"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return .seconds(1)
        }
        guard let seconds = Double(text), (0...1).contains(seconds) else {
            throw APIConfigError(problems: ["LECTERN_RECORD_CACHE_SECONDS=\(text) must be a number of seconds in 0…1"])
        }
        return .milliseconds(Int((seconds * 1000).rounded()))
    }
}
