import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Ends a worker whose supervisor (`lectern dev workers`) died, even by SIGKILL, so a killed pool leaves no orphans.
///
/// The supervisor passes its pid in `LECTERN_SUPERVISOR_PID`. The worker checks `getppid()` against it twice a
/// second: a dead parent's children are re-parented (to init or a subreaper), so the pid changes at once, and a
/// parent that died before the worker started is caught by the very first check. Polling rather than
/// `prctl(PR_SET_PDEATHSIG)`: prctl is variadic (Swift cannot call it without a C shim), and its signal follows the
/// *thread* that spawned the child — with Foundation's `Process` that is whichever pool thread ran `run()`.
public enum SupervisorWatch {
    /// The supervisor's pid from the environment; nil when there is none (ECS, a worker run by hand).
    public static func supervisorPID(_ environment: [String: String]) -> pid_t? {
        environment["LECTERN_SUPERVISOR_PID"].flatMap { Int32($0) }.flatMap { $0 > 1 ? $0 : nil }
    }

    /// Calls `onOrphaned` once, as soon as the parent is no longer `supervisor`.
    public static func start(
        supervisor: pid_t,
        interval: Duration = .milliseconds(500),
        onOrphaned: @escaping @Sendable () async -> Void
    ) -> Task<Void, Never> {
        Task.detached {
            while !Task.isCancelled {
                if getppid() != supervisor {
                    await onOrphaned()
                    return
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
