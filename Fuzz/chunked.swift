// libFuzzer target: the chunked body decoder. The first byte picks where the rest is split into two reads; the
// decoder must read it as RFC9112Reference does however it is split, and with small limits it may refuse more but
// never accept a different body or more than its limits.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let split = Int(data[0]) % (input.count + 1)
    let reference = RFC9112Reference.chunked(input)
    let engine = Engine.chunked(input, split: split)
    if engine != reference {
        violated("split at \(split): the decoder (\(engine)) and the grammar (\(reference)) disagree", input)
    }

    let limited = Engine.chunked(input, split: split, limit: 16, maxLineBytes: 24)
    if case .complete(let body, let used) = limited {
        guard case .complete(let expected, let expectedUsed) = reference, body == expected, used == expectedUsed else {
            violated("with limits the decoder accepted what the grammar reads otherwise", input)
        }
        if body.count > 16 { violated("a body over the limit accepted", input) }
    }
    return 0
}
