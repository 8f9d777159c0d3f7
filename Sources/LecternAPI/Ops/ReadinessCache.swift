import Synchronization

/// The last readiness answer, reused for a moment, and one check at a time.
///
/// `/readyz` is public (the load balancer probes it without a token), and each check asks DynamoDB, S3 and SQS.
/// Without this anyone could make every API task fan out three AWS calls per request, unlimited. Now a task makes
/// at most one round of checks per `readyFor` while ready (one per `notReadyFor` while not), and concurrent probes
/// wait for the round in flight instead of starting their own. A failure is kept for less time than a success, so
/// a recovered service is noticed quickly; both are far below the balancer's 15 s probe interval.
final class ReadinessCache: Sendable {
    struct Answer: Sendable {
        var ready: Bool
        var checks: [String: String]
    }

    private enum State {
        /// No answer yet, or the last one is too old.
        case empty
        /// An answer good until `until`.
        case fresh(Answer, until: ContinuousClock.Instant)
    }

    static let readyFor: Duration = .seconds(2)
    static let notReadyFor: Duration = .seconds(1)

    private let state = Mutex(State.empty)
    private let flight = SingleFlight<Answer>()

    /// The answer younger than its lifetime, or the one of the round in flight, or a new round's.
    func answer(now: ContinuousClock.Instant = .now, check: @escaping @Sendable () async -> Answer) async -> Answer {
        if case .fresh(let answer, let until) = state.withLock({ $0 }), now < until { return answer }
        // `check` cannot throw, so neither can the flight.
        let answer =
            (try? await flight.run("readyz") { [self] in
                let answer = await check()
                // From when the round was asked for (tests pass their own `now`).
                let until = now + (answer.ready ? Self.readyFor : Self.notReadyFor)
                state.withLock { $0 = .fresh(answer, until: until) }
                return answer
            }) ?? Answer(ready: false, checks: [:])
        return answer
    }
}
