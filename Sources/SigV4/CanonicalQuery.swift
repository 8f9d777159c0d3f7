/// Query parameters in canonical encoding, kept in one byte buffer so building a presigned URL costs a
/// handful of allocations rather than two per parameter.
struct CanonicalQueryItems {
    struct Item {
        var nameStart: Int
        var nameEnd: Int
        var valueEnd: Int
        /// False for a parameter that goes into the URL but not into the signature (a late session token).
        var isSigned: Bool
    }

    private(set) var storage: [UInt8] = []
    private(set) var items: [Item] = []

    init(capacity: Int = 0) {
        storage.reserveCapacity(capacity)
    }

    /// Adds the parameters of a wire query (`a=1&b&c=%20`), decoding then canonically re-encoding each
    /// name and value. Empty pieces (`a=1&&b=2`) are skipped; a name without `=` gets an empty value.
    mutating func appendWireQuery(_ query: String) {
        guard !query.isEmpty else { return }
        var query = query
        query.withUTF8 { bytes in
            var start = 0
            for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "&") {
                let pair = bytes[start..<i]
                start = i + 1
                if pair.isEmpty { continue }
                let nameStart = storage.count
                if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                    AWSPercentEncoding.appendCanonicalQueryComponent(bytes[pair.startIndex..<eq], to: &storage)
                    let nameEnd = storage.count
                    AWSPercentEncoding.appendCanonicalQueryComponent(bytes[(eq + 1)..<pair.endIndex], to: &storage)
                    items.append(Item(nameStart: nameStart, nameEnd: nameEnd, valueEnd: storage.count, isSigned: true))
                } else {
                    AWSPercentEncoding.appendCanonicalQueryComponent(pair, to: &storage)
                    items.append(
                        Item(nameStart: nameStart, nameEnd: storage.count, valueEnd: storage.count, isSigned: true)
                    )
                }
            }
        }
    }

    /// Adds a parameter whose name is already canonical and whose value the closure writes canonically.
    mutating func append(name: StaticString, isSigned: Bool = true, value writeValue: (inout [UInt8]) -> Void) {
        let nameStart = storage.count
        storage.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let nameEnd = storage.count
        writeValue(&storage)
        items.append(Item(nameStart: nameStart, nameEnd: nameEnd, valueEnd: storage.count, isSigned: isSigned))
    }

    /// The items whose canonical name is `name` (already canonically encoded).
    func indices(named name: [UInt8]) -> [Int] {
        storage.withUnsafeBufferPointer { buf in
            items.indices.filter { buf[items[$0].nameStart..<items[$0].nameEnd].elementsEqual(name) }
        }
    }

    /// Makes the item's value empty (a presign template's slot, filled per URL).
    mutating func clearValue(of index: Int) {
        items[index].valueEnd = items[index].nameEnd
    }

    /// `name=value&…` of the signed items, sorted by name then value (bytewise), for the canonical request.
    /// Returns where in `out` the value of the item at `slot` ends (nil when there is none or it is unsigned).
    @discardableResult
    func appendCanonical(to out: inout [UInt8], slot: Int? = nil) -> Int? {
        var slotOffset: Int? = nil
        var order = items.indices.filter { items[$0].isSigned }
        storage.withUnsafeBufferPointer { buf in
            // Small inputs: insertion sort beats the generic sort's overhead and is stable.
            if order.count > 1 {
                for i in 1..<order.count {
                    let current = order[i]
                    var j = i - 1
                    while j >= 0, Self.less(items[current], items[order[j]], in: buf) {
                        order[j + 1] = order[j]
                        j -= 1
                    }
                    order[j + 1] = current
                }
            }
            var first = true
            for index in order {
                if !first { out.append(UInt8(ascii: "&")) }
                first = false
                appendItem(items[index], from: buf, to: &out)
                if index == slot { slotOffset = out.count }
            }
        }
        return slotOffset
    }

    /// `name=value&…` of the items from `first` up to `end` (all when nil), in insertion order, for the URL.
    /// Returns where in `out` the value of the item at `slot` ends.
    @discardableResult
    func appendInOrder(from first: Int = 0, to out: inout [UInt8], upTo end: Int? = nil, slot: Int? = nil) -> Int? {
        var slotOffset: Int? = nil
        storage.withUnsafeBufferPointer { buf in
            for index in first..<(end ?? items.count) {
                if index > first { out.append(UInt8(ascii: "&")) }
                appendItem(items[index], from: buf, to: &out)
                if index == slot { slotOffset = out.count }
            }
        }
        return slotOffset
    }

    private func appendItem(_ item: Item, from buf: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[item.nameStart..<item.nameEnd]))
        out.append(UInt8(ascii: "="))
        out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[item.nameEnd..<item.valueEnd]))
    }

    private static func less(_ a: Item, _ b: Item, in buf: UnsafeBufferPointer<UInt8>) -> Bool {
        let byName = compare(buf[a.nameStart..<a.nameEnd], buf[b.nameStart..<b.nameEnd])
        if byName != 0 { return byName < 0 }
        return compare(buf[a.nameEnd..<a.valueEnd], buf[b.nameEnd..<b.valueEnd]) < 0
    }

    private static func compare(_ a: Slice<UnsafeBufferPointer<UInt8>>, _ b: Slice<UnsafeBufferPointer<UInt8>>) -> Int {
        var i = a.startIndex, j = b.startIndex
        while i < a.endIndex, j < b.endIndex {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        return a.count - b.count
    }
}
