// What the fuzz targets share beyond the engine's readings (Tests/LecternAPITests/RFC9112EngineReading.swift).

/// Stops the fuzzer with what went wrong and the input as text.
func violated(_ what: String, _ input: [UInt8]) -> Never {
    fatalError("\(what) for input \(String(decoding: input, as: UTF8.self).debugDescription)")
}
