import LecternCore

/// Tests and benchmarks pick ports the way `lectern dev workers` does (one implementation, in LecternCore).
public typealias LoopbackPort = LecternCore.LoopbackPort
