@testable import LecternWorker
import Synchronization
import Testing

@Suite("Scratch space reservations") struct ScratchSpaceTests {
    @Test func jobsCannotBothCountTheSameFreeBytes() {
        let space = ScratchSpace(directory: "/scratch", minimumFreeBytes: 100, disk: DiskSpace { _ in 1_000 })
        #expect(space.reserve(600))
        #expect(!space.reserve(600))
        #expect(space.reserve(300))
        #expect(space.unreservedBytes == 100)
        #expect(space.shortfall == nil)
        space.release(600)
        #expect(space.reserve(600))
    }

    @Test func shortfallIsWhatTheMinimumLacks() {
        let free = Mutex<Int64>(50)
        let space = ScratchSpace(directory: "/scratch", minimumFreeBytes: 100, disk: DiskSpace { _ in free.withLock { $0 } })
        #expect(space.shortfall == 50)
        free.withLock { $0 = 500 }
        #expect(space.shortfall == nil)
        #expect(!space.reserve(401))
        #expect(space.reserve(400))
        #expect(space.shortfall == nil)
        // The disk fills from elsewhere: the reservation still counts.
        free.withLock { $0 = 450 }
        #expect(space.shortfall == 50)
    }

    @Test func anUnknownFileSystemNeverBlocksWork() {
        let space = ScratchSpace(directory: "/scratch", minimumFreeBytes: 100, disk: DiskSpace { _ in nil })
        #expect(space.shortfall == nil)
        #expect(space.reserve(1 << 40))
    }
}
