// libFuzzer target: the request-head parser. Besides not crashing (ASan watches every access), it must read every
// input as RFC9112Reference does, and whatever it accepts must satisfy what the engine promises the application.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let engine = Engine.head(input), reference = RFC9112Reference.head(input)
    if engine != reference {
        violated(
            "the parser (\(engine.map { "\($0)" } ?? "refused")) and the grammar (\(reference.map { "\($0)" } ?? "refused")) disagree",
            input
        )
    }

    let limit = 8
    let parsed: Result<HTTP1RequestHead, APIProblem> = input.withUnsafeBytes { raw in
        do throws(APIProblem) { return .success(try HTTP1HeadParser.parse(raw, maxFields: limit)) } catch {
            return .failure(error)
        }
    }
    switch parsed {
    case .success(let head):
        guard let reference else { violated("parse accepted what the grammar refuses", input) }
        if reference.fields.count > limit { violated("more than \(limit) fields accepted", input) }
        if !HTTP1HeadParser.recognisedMethods.contains(head.method) {
            violated("an unrecognised method accepted", input)
        }
        if head.version == .http11, head.headers["host"] == nil {
            violated("an HTTP/1.1 head without Host accepted", input)
        }
        if !(head.path.hasPrefix("/") || head.path == "*") { violated("a path that does not start with /", input) }
        if head.headers["transfer-encoding"] != nil, head.headers["content-length"] != nil {
            violated("both framings accepted", input)
        }
    case .failure(let problem):
        if !(400...505).contains(problem.status) { violated("a refusal with status \(problem.status)", input) }
    }
    return 0
}
