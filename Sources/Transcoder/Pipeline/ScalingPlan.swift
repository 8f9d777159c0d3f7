/// Where each rung's picture is scaled from.
///
/// Scaling every rung from the full source picture is what the ffmpeg CLI's `split` + `scale` graph does
/// and is the quality reference. Scaling down a chain (1080 → 720 → 480 → 360) is cheaper but blurs:
/// bicubic twice is not bicubic once, and a 480p rung made from 720p lost about 1 dB of PSNR against the
/// source. The one cascade that holds up is an exact 2:1 step (720p → 360p: the second bicubic kernel
/// lands on whole pixels), which the benchmark measures within 0.2 dB of the direct path at a quarter of
/// the horizontal filtering cost, so only that step is taken from a taller rung.
enum ScalingPlan {
    enum Origin: Equatable {
        /// The decoded, filtered source picture.
        case source
        /// The picture of the rung at this index (already scaled, taller).
        case rung(Int)
    }

    /// - Parameters:
    ///   - sizes: the rungs' picture sizes, tallest first.
    ///   - source: the filtered source picture size.
    ///   - allowHalving: take exact 2:1 steps from a taller rung.
    static func origins(
        sizes: [(width: Int, height: Int)],
        source: (width: Int, height: Int),
        allowHalving: Bool = true
    ) -> [Origin] {
        sizes.enumerated().map { index, size in
            guard allowHalving else { return .source }
            // Scaling the source itself is only avoided for an exact half of a rung that is itself smaller than the
            // source.
            for taller in 0..<index {
                let candidate = sizes[taller]
                let isScaled = candidate.width != source.width || candidate.height != source.height
                if isScaled && candidate.width == size.width * 2 && candidate.height == size.height * 2 {
                    return .rung(taller)
                }
            }
            return .source
        }
    }
}
