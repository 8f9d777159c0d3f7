import Foundation
import LecternCore
import SearchIndex

/// Each API replica's copies of course indexes, on local disk, at most `capacity` courses (least recently used
/// goes first). Every search costs one consistent GetItem on the course's pointer; the file is downloaded only
/// when the pointer names a version this replica does not hold.
actor SearchIndexCache {
    private struct Entry {
        let version: Int
        let path: URL
        let index: CourseSearchIndex
        var lastUsed: UInt64
    }

    private let store: CourseSearchStore
    private let directory: URL
    private let capacity: Int
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    init(store: CourseSearchStore, directory: URL, capacity: Int = 32) {
        self.store = store
        self.directory = directory
        self.capacity = max(1, capacity)
    }

    /// Searches the course's current index; an empty page when nothing was ever indexed for it.
    func search(
        course: String,
        query: SearchQuery,
        visibleLectures: Set<String>,
        cursor: SearchCursor?
    ) async throws -> SearchPage {
        guard let pointer = try await store.pointer(course) else { return SearchPage(hits: [], nextCursor: nil) }
        clock += 1
        if var entry = entries[course], entry.version >= pointer.indexVersion {
            entry.lastUsed = clock
            entries[course] = entry
            return try entry.index.search(query, visibleLectures: visibleLectures, cursor: cursor)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(
            "\(course)-\(pointer.indexVersion)-\(UUID().uuidString.prefix(8)).sqlite"
        )
        do {
            try await store.download(pointer, to: path.path)
        } catch {
            try? FileManager.default.removeItem(at: path)
            throw error
        }
        // Another request may have installed a newer version while this one downloaded (actor reentrancy).
        if let newer = entries[course], newer.version >= pointer.indexVersion {
            try? FileManager.default.removeItem(at: path)
            return try newer.index.search(query, visibleLectures: visibleLectures, cursor: cursor)
        }
        let entry = Entry(
            version: pointer.indexVersion,
            path: path,
            index: try CourseSearchIndex(path: path.path),
            lastUsed: clock
        )
        if let old = entries.updateValue(entry, forKey: course) { try? FileManager.default.removeItem(at: old.path) }
        evict()
        return try entry.index.search(query, visibleLectures: visibleLectures, cursor: cursor)
    }

    private func evict() {
        while entries.count > capacity, let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            entries[oldest.key] = nil
            try? FileManager.default.removeItem(at: oldest.value.path)
        }
    }

    /// The versions held, for tests.
    var heldVersions: [String: Int] { entries.mapValues(\.version) }
}
