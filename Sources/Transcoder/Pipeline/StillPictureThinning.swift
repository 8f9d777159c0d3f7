/// Which pictures of a still stretch every rung leaves out: a variable frame rate where the picture does not move
/// (issue #16, "Fewer bytes for still slides").
///
/// Once keyframes follow the content (`KeyframePlacement`), a still slide costs little per picture, but not nothing:
/// every all-skip 1080p picture is still ~70 bytes of H.264 (CABAC skip flags and the emulation-prevention bytes
/// their zero runs need) and ~16 bytes of fMP4 `trun` entry. On the benchmark's slides-only deck those pictures
/// were ~150 KB of the 1080p rung's 245 KB. Leaving them out, the picture before a dropped stretch is shown longer
/// (its duration is carried to the muxers, see `VideoSourceStage`), and a player shows exactly what it showed
/// before.
///
/// Decided once, in the source stage, so every rung has the same pictures at the same timestamps. Rules:
/// - only a picture **exactly** equal to the previous one (`ChangedRows` found no differing row) may be dropped, so
///   a mouse pointer, a blinking cursor or one changed pixel keeps its picture; thresholded "nearly equal" would
///   freeze a small change for up to the heartbeat;
/// - never a keyframe (`KeyframePlacement`'s decision: a segment starts there);
/// - never one of the first `leadingPictures`: x264 dates the first packets' decoding (`dts`) by the timestamp of
///   its B-pyramid delay's picture, and the muxers' timestamp offset (`VideoSource.reorderDelay`) assumes it is
///   that many pictures after the first;
/// - at least one picture every `heartbeatFrames` (a heartbeat, 1 s by default): players that poll a growing
///   playlist, a seek into a long still and MSE's buffered ranges all see a picture at least that often;
/// - the last picture is always shown (the source stage keeps the last dropped one at the end), so the rung's
///   duration is the source's to the picture.
///
/// Only with keyframe placement (`TranscodePlan.placesKeyframesByContent`): x264's fixed cadence counts pictures, not
/// time. In a split encode's chunk the pictures at its edges are keyframes (`KeyframePlacement`), so they are kept:
/// the chunk's first picture is shown from its start and its last kept one up to its end, where the next chunk's
/// first picture takes over.
struct StillPictureThinning: Sendable {
    /// The longest stretch from one kept picture to the next, in pictures.
    let heartbeatFrames: Int
    /// Pictures at the start never dropped (x264's B-pyramid delay of 2, plus the first).
    static let leadingPictures = 3

    private var seen = 0
    private var droppedSinceKept = 0
    private(set) var dropped = 0

    init(heartbeatSeconds: Double, frameRate: Double) {
        heartbeatFrames = max(1, Int((heartbeatSeconds * frameRate).rounded()))
    }

    /// Whether every rung encodes this picture, given whether it equals the previous one exactly and whether it
    /// starts a GOP.
    mutating func keeps(sameAsPrevious: Bool, isKeyframe: Bool) -> Bool {
        defer { seen += 1 }
        let heartbeatDue = droppedSinceKept + 1 >= heartbeatFrames
        if !sameAsPrevious || isKeyframe || seen < Self.leadingPictures || heartbeatDue {
            droppedSinceKept = 0
            return true
        }
        droppedSinceKept += 1
        dropped += 1
        return false
    }
}

extension TranscodePlan {
    /// Whether still stretches get fewer pictures (`StillPictureThinning`): on when asked for, in a whole encode and
    /// in a chunk. x264's fixed cadence counts pictures, so without keyframe placement every picture is kept.
    var thinsStillPictures: Bool { dropsRepeatedPictures && placesKeyframesByContent }
}
