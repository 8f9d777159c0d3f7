import Foundation

/// A small blocking FIFO between two pipeline threads. Its capacity bounds memory: a fast producer
/// waits for a slow consumer. `close()` ends the stream normally; `abort()` wakes everyone on failure.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Element] = []
    private let capacity: Int
    private var closed = false
    private var aborted = false

    init(capacity: Int) { self.capacity = capacity }

    /// Blocks while full. Returns false when the queue was aborted (the element is dropped).
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !aborted { condition.wait() }
        guard !aborted else { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// Blocks while empty. Returns nil at the end of the stream (closed and drained, or aborted).
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed && !aborted { condition.wait() }
        guard !aborted, !items.isEmpty else { return nil }
        let element = items.removeFirst()
        condition.broadcast()
        return element
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func abort() {
        condition.lock()
        aborted = true
        items.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
