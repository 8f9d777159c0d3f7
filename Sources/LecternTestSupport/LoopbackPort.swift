import LocalPlatform

/// Tests and benchmarks pick ports the way `lectern dev workers` does (one implementation, in LocalPlatform).
public typealias LoopbackPort = LocalPlatform.LoopbackPort
