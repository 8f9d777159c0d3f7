import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Feeds curl the request body, from memory or from a slice of a file (read with `pread`, so the file is
/// streamed and never loaded whole), and rewinds when curl must resend it on a fresh connection.
/// Owned by one `CurlTransfer`; used only on the multi loop's thread.
final class RequestBodySource {
    private enum Storage {
        case memory(Data)
        case file(descriptor: Int32, path: String, offset: UInt64)
    }

    private let storage: Storage
    /// Bytes curl will send; it goes out as Content-Length.
    let length: Int64
    private(set) var position: Int64 = 0
    /// Why the last read failed; reported as `.fileIO`.
    private(set) var failure: String?

    /// Opens and validates the body before anything is sent, so a missing file or a slice past its end
    /// is a clear error and not a half-sent request.
    init(_ body: HTTPRequestBody, url: String) throws(HTTPTransportError) {
        switch body {
        case .empty:
            storage = .memory(Data())
            length = 0
        case .data(let data):
            storage = .memory(data)
            length = Int64(data.count)
        case .file(let path, let offset, let requestedLength):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw HTTPTransportError(
                    kind: .fileIO,
                    message: "cannot open request body \(path): \(lastErrno())",
                    url: url
                )
            }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else {
                let reason = lastErrno()
                close(descriptor)
                throw HTTPTransportError(
                    kind: .fileIO,
                    message: "cannot stat request body \(path): \(reason)",
                    url: url
                )
            }
            let size = UInt64(info.st_size)
            let available = offset <= size ? size - offset : 0
            let sliceLength = requestedLength ?? available
            guard offset <= size, sliceLength <= available, sliceLength <= UInt64(Int64.max) else {
                close(descriptor)
                let wanted = requestedLength.map { "\($0) bytes" } ?? "the rest"
                throw HTTPTransportError(
                    kind: .fileIO,
                    message: "request body \(path) has \(size) bytes; cannot send \(wanted) from offset \(offset)",
                    url: url
                )
            }
            storage = .file(descriptor: descriptor, path: path, offset: offset)
            length = Int64(sliceLength)
        }
    }

    deinit {
        if case .file(let descriptor, _, _) = storage { close(descriptor) }
    }

    /// Copies the next bytes into `buffer`; 0 at the end, nil on a read error.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let wanted = Int(min(Int64(buffer.count), length - position))
        guard wanted > 0 else { return 0 }
        switch storage {
        case .memory(let data):
            let start = data.startIndex + Int(position)
            data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: start..<(start + wanted))
            position += Int64(wanted)
            return wanted
        case .file(let descriptor, let path, let offset):
            while true {
                let count = pread(descriptor, buffer.baseAddress, wanted, off_t(Int64(offset) + position))
                if count < 0 && errno == EINTR { continue }
                if count < 0 {
                    failure = "reading request body \(path) failed: \(lastErrno())"
                    return nil
                }
                if count == 0 {
                    // The file shrank after we measured it: sending fewer bytes than the announced
                    // Content-Length would leave the server waiting, so fail instead.
                    failure = "request body \(path) ended \(length - position) bytes early"
                    return nil
                }
                position += Int64(count)
                return count
            }
        }
    }

    /// Moves to `offset` bytes into the body (curl only asks for absolute positions).
    func seek(to offset: Int64) -> Bool {
        guard offset >= 0, offset <= length else { return false }
        position = offset
        return true
    }
}

func lastErrno() -> String { String(cString: strerror(errno)) }
