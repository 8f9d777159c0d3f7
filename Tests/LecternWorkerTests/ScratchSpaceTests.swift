import Foundation
import Synchronization
import Testing

@testable import LecternWorker

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
        let space = ScratchSpace(
            directory: "/scratch",
            minimumFreeBytes: 100,
            disk: DiskSpace { _ in free.withLock { $0 } }
        )
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

@Suite("Scratch folders and the start-up sweep") struct ScratchSweepTests {
    static func root() -> String {
        NSTemporaryDirectory() + "lectern-sweep-" + UUID().uuidString.prefix(8).lowercased()
    }

    @Test func theSweepRemovesFoldersNobodyHoldsAndKeepsHeldOnes() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = try ScratchFolder(root: root, name: "lec_live-v1-aaaa")
        try Data("source".utf8).write(to: URL(fileURLWithPath: held.path + "/source"))
        // A folder whose holder is gone: its lock file stays, nobody holds the lock (as after SIGKILL).
        var dead: ScratchFolder? = try ScratchFolder(root: root, name: "lec_dead-v1-bbbb")
        let deadPath = try #require(dead?.path)
        try FileManager.default.createDirectory(atPath: deadPath + "/out/hls", withIntermediateDirectories: true)
        dead = nil
        // A folder without any lock file (left by a worker from before locks).
        try FileManager.default.createDirectory(atPath: root + "/legacy", withIntermediateDirectories: true)
        // A plain file is not a job folder and stays.
        try Data().write(to: URL(fileURLWithPath: root + "/notes.txt"))

        let removed = try ScratchSweeper.sweep(root: root)

        #expect(Set(removed) == ["lec_dead-v1-bbbb", "legacy"])
        let left = try FileManager.default.contentsOfDirectory(atPath: root).filter { !$0.hasPrefix(".") }
        #expect(Set(left) == ["lec_live-v1-aaaa", "notes.txt"])
        #expect(FileManager.default.fileExists(atPath: held.path + "/source"))
        // Nothing half-removed stays behind under a hidden name.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasPrefix(".swept-") }.isEmpty)

        held.remove()
        #expect(!FileManager.default.fileExists(atPath: held.path))
        #expect(try ScratchSweeper.sweep(root: root).isEmpty)
    }

    @Test func aSecondSweepLeavesAHeldFolderAlone() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = try ScratchFolder(root: root, name: "job")
        #expect(try ScratchSweeper.sweep(root: root).isEmpty)
        #expect(try ScratchSweeper.sweep(root: root).isEmpty)
        #expect(FileManager.default.fileExists(atPath: held.path))
        withExtendedLifetime(held) {}
    }

    @Test func aMissingScratchDirectoryIsNothingToSweep() throws {
        #expect(try ScratchSweeper.sweep(root: Self.root()).isEmpty)
    }

    @Test func unusableFolderNamesAreTypedErrors() {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["", "../escape", ".hidden", "a/b"] {
            #expect(throws: ScratchError.self) { _ = try ScratchFolder(root: root, name: name) }
        }
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "escape"))
    }
}
