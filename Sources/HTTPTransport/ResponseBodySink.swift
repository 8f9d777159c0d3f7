import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives the response body: into memory up to a limit, or streamed into a file.
/// Owned by one `CurlTransfer`; used only on the multi loop's thread.
final class ResponseBodySink {
    /// How much of a non-2xx body sent to a file is also kept in memory, so callers can parse an error
    /// document without reading the file back.
    static let errorBodyCopyLimit = 64 << 10

    private let destination: HTTPResponseDestination
    private(set) var memory = Data()
    private(set) var received: Int64 = 0
    private var descriptor: Int32 = -1
    private var keepErrorCopy = false
    /// Set when the sink refuses bytes; the transfer reports it instead of curl's generic write error.
    private(set) var failure: (kind: HTTPTransportError.Kind, message: String)?

    init(_ destination: HTTPResponseDestination) {
        self.destination = destination
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    var memoryLimit: Int? {
        if case .memory(let limit) = destination { return limit }
        return nil
    }

    /// Refuses a body whose announced length is already over the memory limit, before any byte arrives.
    func checkAnnouncedLength(_ length: Int64) -> Bool {
        guard let limit = memoryLimit, length > Int64(limit) else { return true }
        failure = (.responseTooLarge, "response body of \(length) bytes exceeds the \(limit)-byte memory limit")
        return false
    }

    /// Takes the next piece of the final response's body; false stops the transfer.
    func write(_ bytes: UnsafeRawBufferPointer, status: Int) -> Bool {
        switch destination {
        case .memory(let limit):
            guard received + Int64(bytes.count) <= Int64(limit) else {
                failure = (.responseTooLarge, "response body exceeds the \(limit)-byte memory limit")
                return false
            }
            memory.append(contentsOf: bytes)
        case .file(let path):
            if descriptor < 0 {
                guard openFile(path) else { return false }
                keepErrorCopy = !(200..<300).contains(status)
            }
            if keepErrorCopy && memory.count < Self.errorBodyCopyLimit {
                memory.append(contentsOf: bytes.prefix(Self.errorBodyCopyLimit - memory.count))
            }
            guard writeAll(bytes, path: path) else { return false }
        }
        received += Int64(bytes.count)
        return true
    }

    /// Closes the file (creating it when the body was empty) so it is complete when `execute` returns.
    func finish() -> Bool {
        guard case .file(let path) = destination else { return true }
        if descriptor < 0 { guard openFile(path) else { return false } }
        let result = close(descriptor)
        descriptor = -1
        if result != 0 {
            failure = (.fileIO, "closing response file \(path) failed: \(lastErrno())")
            return false
        }
        return true
    }

    private func openFile(_ path: String) -> Bool {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            failure = (.fileIO, "cannot create response file \(path): \(lastErrno())")
            return false
        }
        return true
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer, path: String) -> Bool {
        var done = 0
        while done < bytes.count {
            let count = systemWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if count < 0 {
                if errno == EINTR { continue }
                failure = (.fileIO, "writing response file \(path) failed: \(lastErrno())")
                return false
            }
            done += count
        }
        return true
    }
}

/// `write(2)`, reachable from inside a type that has its own `write` method.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
