import Foundation

/// Free bytes on the file system holding a path; injectable so tests can pretend a disk is full.
public struct DiskSpace: Sendable {
    public let freeBytes: @Sendable (_ path: String) -> Int64?

    public init(freeBytes: @escaping @Sendable (_ path: String) -> Int64?) { self.freeBytes = freeBytes }

    public static let system = DiskSpace { path in
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path)
        return (attributes?[.systemFreeSize] as? NSNumber)?.int64Value
    }
}
