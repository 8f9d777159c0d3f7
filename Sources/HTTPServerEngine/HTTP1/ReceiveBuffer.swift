/// A connection's bytes received but not yet consumed: the socket fills it in large reads, the parser consumes
/// from the front. Bytes left after one request (pipelining) are the start of the next.
struct ReceiveBuffer {
    private var storage: [UInt8]
    private(set) var readerIndex = 0
    private(set) var writerIndex = 0
    /// Largest size the buffer may grow to (the head limit plus room to notice it was exceeded).
    let maxCapacity: Int

    let initialCapacity: Int

    init(initialCapacity: Int = 4096, maxCapacity: Int) {
        self.initialCapacity = min(initialCapacity, maxCapacity)
        storage = [UInt8](repeating: 0, count: self.initialCapacity)
        self.maxCapacity = maxCapacity
    }

    var capacity: Int { storage.count }

    /// Back to the initial size if the buffer grew and holds nothing: a connection kept alive after one large
    /// request should not keep its largest buffer (80 KiB instead of 4 KiB, per idle connection).
    mutating func shrinkIfEmpty() {
        guard isEmpty, storage.count > initialCapacity else { return }
        storage = [UInt8](repeating: 0, count: initialCapacity)
    }

    var readableCount: Int { writerIndex - readerIndex }
    var isEmpty: Bool { readerIndex == writerIndex }

    func withReadableBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = storage.withUnsafeBytes { bytes in
            do throws(E) {
                return .success(try body(UnsafeRawBufferPointer(rebasing: bytes[readerIndex..<writerIndex])))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    mutating func consume(_ count: Int) {
        precondition(count <= readableCount)
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
        }
    }

    /// Whether there is room to read more: moves unread bytes to the front, then grows up to `maxCapacity`.
    mutating func makeRoom() -> Bool {
        if writerIndex < storage.count { return true }
        if readerIndex > 0 {
            let unread = readableCount
            storage.withUnsafeMutableBytes { bytes in
                bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + readerIndex, byteCount: unread)
            }
            readerIndex = 0
            writerIndex = unread
            return true
        }
        guard storage.count < maxCapacity else { return false }
        storage.append(contentsOf: repeatElement(0, count: min(storage.count, maxCapacity - storage.count)))
        return true
    }

    /// Lets `fill` write into the free space; it returns how many bytes it wrote (or a negative number for none).
    mutating func fill(_ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        let start = writerIndex
        let written = storage.withUnsafeMutableBytes { fill(UnsafeMutableRawBufferPointer(rebasing: $0[start...])) }
        if written > 0 { writerIndex += written }
        return written
    }
}
