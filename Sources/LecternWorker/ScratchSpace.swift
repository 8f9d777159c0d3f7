import Foundation
import Synchronization

/// The scratch disk shared by a worker's jobs. Each job reserves its estimated need before downloading, so two
/// jobs starting together cannot both count the same free bytes; the reservation ends with the job.
final class ScratchSpace: Sendable {
    let directory: String
    let minimumFreeBytes: Int64
    private let disk: DiskSpace
    private let reserved = Mutex<Int64>(0)

    init(directory: String, minimumFreeBytes: Int64, disk: DiskSpace) {
        self.directory = directory
        self.minimumFreeBytes = minimumFreeBytes
        self.disk = disk
    }

    /// Free bytes not promised to running jobs; nil when the file system cannot say.
    var unreservedBytes: Int64? {
        guard let free = disk.freeBytes(directory) else { return nil }
        return free - reserved.withLock { $0 }
    }

    /// Bytes missing for receiving more work (below the minimum), or nil when there is room.
    var shortfall: Int64? {
        guard let unreserved = unreservedBytes, unreserved < minimumFreeBytes else { return nil }
        return minimumFreeBytes - unreserved
    }

    /// Reserves `bytes` when they fit above the minimum; answers whether they did.
    func reserve(_ bytes: Int64) -> Bool {
        guard let free = disk.freeBytes(directory) else { return true }
        return reserved.withLock { total in
            guard free - total - minimumFreeBytes >= bytes else { return false }
            total += bytes
            return true
        }
    }

    func release(_ bytes: Int64) {
        reserved.withLock { $0 -= bytes }
    }
}
