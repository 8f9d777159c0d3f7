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
        /// `read`: when the read that produced the record started (its age counts from there); `refresh`: the
        /// generation of a background re-read in flight.
        case ready(LectureRecord, read: ContinuousClock.Instant, refresh: UInt64?)
        case loading(Task<LectureRecord?, any Error>, generation: UInt64)
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var generation: UInt64 = 0

        mutating func nextGeneration() -> UInt64 {
            generation &+= 1
            return generation
        }
    }

    let ttl: Duration
    let capacity: Int
    private let state = Mutex(State())
    /// The time the TTL is measured in; tests pass a clock they advance themselves, so a TTL window holds however
    /// loaded the machine is (a 0.1-2 s wall-clock window stretched past its bound among the parallel tests).
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `ttl` zero turns the cache off: every call reads.
    init(
        ttl: Duration,
        capacity: Int = 10_000,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.ttl = ttl
        self.capacity = capacity
        self.now = now
    }

    /// The cached record, or `load`'s answer (shared with concurrent callers for the same id). Absent records
    /// and errors are never cached. A record past half its `ttl` is still answered at once while one background
    /// read refreshes it, so a lecture being polled never makes its callers wait for the table (a stall of every
    /// caller once per `ttl` would otherwise be the tail of the latency); a record is never answered past `ttl`.
    func record(
        _ id: String,
        load: @escaping @Sendable () async throws -> LectureRecord?
    ) async throws -> LectureRecord? {
        guard ttl > .zero else { return try await load() }
        enum Plan {
            case hit(LectureRecord), wait(Task<LectureRecord?, any Error>), started(
                Task<LectureRecord?, any Error>,
                UInt64
            )
        }
        let started = now()
        let plan = state.withLock { state -> Plan in
            switch state.slots[id] {
            case .ready(let record, let read, let refresh) where read + ttl > started:
                if refresh == nil && started - read >= ttl / 2 {
                    let generation = state.nextGeneration()
                    state.slots[id] = .ready(record, read: read, refresh: generation)
                    Task { await self.refresh(id, generation: generation, startedAt: started, load: load) }
                }
                return .hit(record)
            case .loading(let task, _): return .wait(task)
            default:
                if state.slots.count >= capacity {
                    state.slots = state.slots.filter {
                        if case .ready(_, let read, _) = $0.value { read + ttl > started } else { true }
                    }
                }
                let generation = state.nextGeneration()
                let task = Task { try await load() }
                state.slots[id] = .loading(task, generation: generation)
                return .started(task, generation)
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
                    state.slots[id] = .ready(record, read: started, refresh: nil)
                } else {
                    state.slots.removeValue(forKey: id)
                }
            }
            return try result.get()
        }
    }

    /// The background re-read of a record past half its TTL. Kept only if the entry is still the one it refreshes
    /// (a write's invalidation in between wins); a failed read leaves the old record to expire on time.
    private func refresh(
        _ id: String,
        generation: UInt64,
        startedAt started: ContinuousClock.Instant,
        load: @Sendable () async throws -> LectureRecord?
    ) async {
        let result: Result<LectureRecord?, any Error>
        do { result = .success(try await load()) } catch { result = .failure(error) }
        state.withLock { state in
            guard case .ready(let old, let read, let current)? = state.slots[id], current == generation else { return }
            switch result {
            case .success(let record?): state.slots[id] = .ready(record, read: started, refresh: nil)
            case .success(nil): state.slots.removeValue(forKey: id)
            case .failure: state.slots[id] = .ready(old, read: read, refresh: nil)
            }
        }
    }

    /// After a write: the next read goes to the table.
    func invalidate(_ id: String) {
        _ = state.withLock { $0.slots.removeValue(forKey: id) }
    }
}

extension APIApplication {
    /// `LECTERN_RECORD_CACHE_SECONDS`: 0…1 (decimals allowed), default 1; 0 turns the record cache off.
    public static func recordCacheTTL(fromEnvironment environment: [String: String]) throws(APIConfigError) -> Duration
    {
        guard let text = environment["LECTERN_RECORD_CACHE_SECONDS"]?.trimmingCharacters(in: .whitespaces),
            !text.isEmpty
        else {
            return .seconds(1)
        }
        guard let seconds = Double(text), (0...1).contains(seconds) else {
            throw APIConfigError(problems: ["LECTERN_RECORD_CACHE_SECONDS=\(text) must be a number of seconds in 0…1"])
        }
        return .milliseconds(Int((seconds * 1000).rounded()))
    }
}
