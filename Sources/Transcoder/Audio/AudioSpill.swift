import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The decoded, resampled programme parked on disk between the audio stage's two passes: stereo float32
/// interleaved, 8 bytes per sample pair (1.4 GB per hour at 48 kHz). Float rather than s16 so a source that
/// decodes above full scale (AAC can) is not clipped before the gain brings it down, and rather than FLAC so
/// neither pass pays for a codec; the file lives in the output's scratch space and is removed by the stage.
/// Written and read through stdio's buffer, so memory stays at one buffer whatever the programme's length.
final class AudioSpill {
    enum State {
        case writing(UnsafeMutablePointer<FILE>)
        case reading(UnsafeMutablePointer<FILE>)
        case closed
    }

    let path: String
    private var state: State
    private(set) var sampleCount = 0
    private var scratch: [Float] = []

    /// Bytes per second of programme: two float32 samples per sample pair.
    static func bytes(seconds: Double, sampleRate: Int) -> Int64 {
        Int64((seconds * Double(sampleRate)).rounded(.up)) * 8
    }

    /// Room the disk must keep beside the spill (the audio segments and the rest of the job's outputs still grow).
    static let headroomBytes: Int64 = 256 << 20

    /// Refuses, before any work, a spill the disk cannot hold: the job is retried later (an output failure is not
    /// permanent), rather than failing an hour in with a full disk.
    static func checkRoom(needed: Int64, available: Int64?) throws(TranscodeError) {
        guard let available, available < needed + headroomBytes else { return }
        func gigabytes(_ bytes: Int64) -> String { String(format: "%.1f GB", Double(bytes) / 1e9) }
        throw TranscodeError(
            .outputFailure,
            "Not enough scratch disk to even out the sound: about \(gigabytes(needed + headroomBytes)) needed, "
                + "\(gigabytes(available)) free."
        )
    }

    /// Free bytes on the file system holding `directory` (nil when it cannot be read).
    static func availableBytes(in directory: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    init(path: String) throws(TranscodeError) {
        guard let file = fopen(path, "w+b") else {
            throw TranscodeError(
                .outputFailure,
                "Could not create the audio scratch file: \(String(cString: strerror(errno)))."
            )
        }
        self.path = path
        state = .writing(file)
    }

    /// Appends `count` samples of each channel.
    func write(left: UnsafePointer<Float>, right: UnsafePointer<Float>, count: Int) throws(TranscodeError) {
        guard case .writing(let file) = state else { return }
        if scratch.count < 2 * count { scratch = [Float](repeating: 0, count: 2 * count) }
        for i in 0..<count {
            scratch[2 * i] = left[i]
            scratch[2 * i + 1] = right[i]
        }
        let written = scratch.withUnsafeBufferPointer { fwrite($0.baseAddress, 8, count, file) }
        guard written == count else {
            throw TranscodeError(.outputFailure, "Could not write the audio scratch file (is the disk full?).")
        }
        sampleCount += count
    }

    /// Switches to reading from the start.
    func rewind() throws(TranscodeError) {
        guard case .writing(let file) = state else { return }
        guard fflush(file) == 0, fseek(file, 0, SEEK_SET) == 0 else {
            throw TranscodeError(.outputFailure, "Could not read back the audio scratch file (is the disk full?).")
        }
        state = .reading(file)
    }

    /// Reads up to `count` sample pairs into the two planes; returns how many were read (0 at the end).
    func read(left: UnsafeMutablePointer<Float>, right: UnsafeMutablePointer<Float>, count: Int) -> Int {
        guard case .reading(let file) = state else { return 0 }
        if scratch.count < 2 * count { scratch = [Float](repeating: 0, count: 2 * count) }
        let read = scratch.withUnsafeMutableBufferPointer { fread($0.baseAddress, 8, count, file) }
        for i in 0..<read {
            left[i] = scratch[2 * i]
            right[i] = scratch[2 * i + 1]
        }
        return read
    }

    /// Closes and deletes the file (idempotent).
    func remove() {
        switch state {
        case .writing(let file), .reading(let file): fclose(file)
        case .closed: return
        }
        state = .closed
        unlink(path)
    }

    deinit { remove() }
}
