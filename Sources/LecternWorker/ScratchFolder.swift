import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One job's folder under the scratch directory, marked as alive by an exclusive `flock` on `<folder>/.lock` that
/// this object holds until it is released (or the process dies: the kernel drops the lock, even after SIGKILL).
/// Several worker processes may share one scratch directory; `ScratchSweeper` removes only folders whose lock it
/// can take, so a live worker's folder is never touched.
final class ScratchFolder: Sendable {
    static let lockName = ".lock"
    let path: String
    /// The open lock file; owned by this object and closed exactly once, in `remove()` or `deinit`.
    private let lockDescriptor: Int32

    /// Creates `root/name` holding its lock. Creation happens under a shared lock on the root's `.sweep.lock`, so a
    /// sweep (which holds it exclusively) never sees the folder between `mkdir` and the lock being taken.
    init(root: String, name: String) throws {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else { throw ScratchError.badName(name) }
        let path = root + "/" + name
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let guardLock = try FileLock(path: root + "/" + ScratchSweeper.guardName, exclusive: false, wait: true)
        lockDescriptor = try withExtendedLifetime(guardLock) {
            guard mkdir(path, 0o755) == 0 else { throw ScratchError.system("mkdir \(path)", errno) }
            let descriptor = open(path + "/" + Self.lockName, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw ScratchError.system("open \(path)/\(Self.lockName)", errno) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                let code = errno
                close(descriptor)
                throw ScratchError.system("flock \(path)/\(Self.lockName)", code)
            }
            return descriptor
        }
        self.path = path
    }

    /// Removes the folder, then lets go of its lock (in that order: no sweeper can see it unlocked).
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { close(lockDescriptor) }
}

enum ScratchError: Error, CustomStringConvertible {
    case system(String, Int32)
    case badName(String)
    var description: String {
        switch self {
        case .system(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .badName(let name): "\"\(name)\" is not a usable scratch folder name"
        }
    }
}

/// An `flock` held for this object's life.
final class FileLock: Sendable {
    private let descriptor: Int32

    /// Opens (creating) `path` and locks it, waiting for a conflicting holder unless `wait` is false (then it
    /// throws at once with EWOULDBLOCK). Waits are short by design: the exclusive holder only renames folders.
    init(path: String, exclusive: Bool, wait: Bool) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ScratchError.system("open \(path)", errno) }
        var operation = exclusive ? LOCK_EX : LOCK_SH
        if !wait { operation |= LOCK_NB }
        while flock(descriptor, operation) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            throw ScratchError.system("flock \(path)", code)
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}

/// Removes the job folders that dead workers left behind (a SIGKILLed worker cannot clean up after itself).
enum ScratchSweeper {
    /// Held shared while a folder is created, exclusively while sweeping.
    static let guardName = ".sweep.lock"

    /// Removes every folder under `root` whose `.lock` no live process holds (or that has none); answers the names
    /// removed. Folders of live workers — in this process or another — are left alone.
    static func sweep(root: String) throws -> [String] {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: root) else { return [] }
        var doomed: [(name: String, path: String, lock: Int32)] = []
        let guardLock = try FileLock(path: root + "/" + guardName, exclusive: true, wait: true)
        try withExtendedLifetime(guardLock) {
            for name in try fileManager.contentsOfDirectory(atPath: root) where name != guardName {
                let path = root + "/" + name
                var isDirectory: ObjCBool = false
                guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                    continue
                }
                let descriptor = open(path + "/" + ScratchFolder.lockName, O_RDWR | O_CLOEXEC)
                if descriptor < 0 {
                    // No lock file: made before locks existed, or torn half-way by an earlier sweep. Nobody holds it.
                    doomed.append((name, path, -1))
                } else if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                    doomed.append((name, path, descriptor))
                } else {
                    close(descriptor)
                }
            }
            // Renamed while the guard is held, removed after it is let go: a big leftover must not keep other
            // workers from creating their folders. The hidden name keeps a second sweep from counting it twice.
            for index in doomed.indices {
                let hidden = root + "/.swept-" + UUID().uuidString.prefix(8).lowercased()
                if rename(doomed[index].path, hidden) == 0 { doomed[index].path = hidden }
            }
        }
        for entry in doomed {
            try? fileManager.removeItem(atPath: entry.path)
            if entry.lock >= 0 { close(entry.lock) }
        }
        return doomed.map(\.name)
    }
}
