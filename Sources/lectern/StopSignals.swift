import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C and SIGTERM cancel `task` instead of killing the process, so the command can stop cleanly (finish a batch,
/// drain its workers). Keep the result alive while the task runs; `cancel()` each source afterwards.
func cancellingOnStopSignals<Success, Failure>(_ task: Task<Success, Failure>) -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { task.cancel() }
        source.resume()
        return source
    }
}
