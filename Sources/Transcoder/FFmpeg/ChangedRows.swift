import CFFmpeg

#if canImport(Glibc)
import Glibc
#endif

/// Which rows of a picture differ from the previous picture of the same sequence.
///
/// Lecture recordings are mostly a still slide: between two frames only a camera window or a pointer moves.
/// Knowing the changed band lets each scaled rung recompute only the output rows that band can reach (see
/// `Scaler.scale(_:previousOutput:)`); finding it costs two `memcmp` scans, from the top and from the bottom,
/// that stop at the first difference, so a picture that changes everywhere costs almost nothing.
enum ChangedRows {
    /// Luma rows of `current` that differ from `previous` (row pairs, so the chroma row they share is
    /// compared too): empty when the pictures are equal, nil when they cannot be compared (other pixel
    /// format or size).
    static func between(_ previous: Frame, _ current: Frame) -> Range<Int>? {
        guard current.pixelFormat == AV_PIX_FMT_YUV420P, previous.pixelFormat == AV_PIX_FMT_YUV420P,
            previous.width == current.width, previous.height == current.height
        else { return nil }
        let old = previous.pointer.pointee, new = current.pointer.pointee
        if old.data.0 == new.data.0 && old.data.1 == new.data.1 && old.data.2 == new.data.2 { return 0..<0 }
        guard let oldY = old.data.0, let oldU = old.data.1, let oldV = old.data.2,
            let newY = new.data.0, let newU = new.data.1, let newV = new.data.2
        else { return nil }
        let height = Int(current.height), width = Int(current.width), chromaWidth = (width + 1) / 2
        let pairs = (height + 1) / 2

        func differs(_ pair: Int) -> Bool {
            for row in (2 * pair)..<min(height, 2 * pair + 2)
            where memcmp(oldY + row * Int(old.linesize.0), newY + row * Int(new.linesize.0), width) != 0 {
                return true
            }
            return memcmp(oldU + pair * Int(old.linesize.1), newU + pair * Int(new.linesize.1), chromaWidth) != 0
                || memcmp(oldV + pair * Int(old.linesize.2), newV + pair * Int(new.linesize.2), chromaWidth) != 0
        }

        guard let first = (0..<pairs).first(where: differs) else { return 0..<0 }
        let last = (first..<pairs).reversed().first(where: differs) ?? first
        return (2 * first)..<min(height, 2 * last + 2)
    }
}
