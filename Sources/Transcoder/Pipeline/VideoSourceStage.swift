import CFFmpeg
import Foundation

/// Stage 2 (video): decodes the video stream once, makes it upright, progressive and constant-rate
/// (libavfilter: yadif, transpose, fps, format=yuv420p) and hands every frame (by reference, never
/// copied) to each rung that scales from the source.
final class VideoSourceStage: @unchecked Sendable {
    // Everything here is confined to the video thread once the pipeline starts.
    private let decoder: DecoderContext
    private let filter: FilterGraph
    private let packets: BoundedQueue<Packet>
    private let outputs: [BoundedQueue<Frame>]
    private let thumbnails: ThumbnailSheet
    private let control: PipelineControl
    /// Subtracted from decoded timestamps so the outputs start at zero, in the stream's time base.
    private let originInStreamTimeBase: Int64
    private let streamTimeBase: AVRational
    private let filterInput: (width: Int32, height: Int32, format: Int32)
    private var normalizer: Scaler?
    private var lastPushedPTS: Int64 = Int64.min
    private var lastFrameDuration: Int64 = 0
    /// One frame at the output rate, in the stream's time base: the fallback length of the last frame.
    private let nominalFrameDuration: Int64
    /// Whether a rung scales straight from these frames: only then is each frame's changed band worth finding.
    private let tracksChangedRows: Bool
    private var previousOutput: Frame?
    /// Pictures equal to the previous one, changed in a band, and changed everywhere (or not comparable).
    private var changeCounts = (unchanged: 0, band: 0, bandRows: 0, whole: 0)
    private(set) var decodedFrames = 0
    /// A split encode's chunk: the pictures it keeps (the rest are decoded for their references and dropped).
    var window: FrameWindow?
    /// `window.edgesPassed` of the last picture, to find the first picture past each edge.
    private var windowEdgesPassed = 0
    /// Set once a picture at or past the window's end came out: later packets are read but not decoded.
    private var pastWindow = false
    private(set) var damagedPackets = 0
    /// Slide detection, fed every filtered picture (issue #16); nil when off.
    var slides: SlideTracker?
    /// Keyframes decided from the content, once for every rung (issue #16); nil keeps x264's fixed cadence.
    var keyframes: KeyframePlacement?
    private var coarseDifference = CoarseDifference()
    /// Pictures equal to the previous one left out of every rung (issue #16); nil keeps every picture.
    var thinning: StillPictureThinning?
    /// With thinning: the last kept picture, held until the next kept one says how long it is shown.
    private var heldPicture: Frame?
    /// With thinning: the last picture left out since `heldPicture`, shown at the end if the source ends on it.
    private var lastDropped: Frame?
    /// One picture at the output rate, in the filter's output time base.
    private let outputFrameDuration: Int64

    init(
        decoder: DecoderContext,
        filter: FilterGraph,
        filterInput: (Int32, Int32, Int32),
        packets: BoundedQueue<Packet>,
        outputs: [BoundedQueue<Frame>],
        tracksChangedRows: Bool,
        thumbnails: ThumbnailSheet,
        streamTimeBase: AVRational,
        frameRate: AVRational,
        origin: Int64,
        control: PipelineControl
    ) {
        self.tracksChangedRows = tracksChangedRows
        nominalFrameDuration = max(1, av_rescale_q(1, av_inv_q(frameRate), streamTimeBase))
        outputFrameDuration = max(1, av_rescale_q(1, av_inv_q(frameRate), filter.outputTimeBase))
        self.decoder = decoder
        self.filter = filter
        self.filterInput = filterInput
        self.packets = packets
        self.outputs = outputs
        self.thumbnails = thumbnails
        self.streamTimeBase = streamTimeBase
        self.originInStreamTimeBase = origin
        self.control = control
    }

    func run(outputDirectory: String) throws(TranscodeError) {
        defer { outputs.forEach { $0.close() } }
        defer { slides?.close() }
        let frame = Frame()
        while let packet = packets.pop() {
            if pastWindow { continue }
            do {
                try decoder.send(packet)
            } catch {
                // One damaged packet must not end the lecture: skip it and carry on.
                damagedPackets += 1
                continue
            }
            try drainDecoder(into: frame)
        }
        guard !control.isStopped else { return }
        try? decoder.send(nil)
        try drainDecoder(into: frame)
        guard decodedFrames > 0 else {
            throw TranscodeError(
                .undecodable,
                "The video stream could not be decoded: the file is damaged or uses features we do not support."
            )
        }
        do {
            let duration = lastFrameDuration > 0 ? lastFrameDuration : nominalFrameDuration
            try filter.close(at: lastPushedPTS == Int64.min ? 0 : lastPushedPTS + duration)
            try pullFiltered()
        } catch {
            throw TranscodeError.internal("Filtering the video", error)
        }
        sendHeldPictures()
        outputs.forEach { $0.close() }
        try thumbnails.write(to: outputDirectory)
        if ProcessInfo.processInfo.environment["LECTERN_STAGE_CPU"] != nil && tracksChangedRows {
            let mean = changeCounts.band > 0 ? changeCounts.bandRows / changeCounts.band : 0
            FileHandle.standardError.write(
                Data(
                    ("pictures: \(changeCounts.unchanged) unchanged, \(changeCounts.band) changed in a band "
                        + "(mean \(mean) rows), \(changeCounts.whole) changed everywhere or first; "
                        + "\(thinning?.dropped ?? 0) left out\n").utf8
                )
            )
        }
    }

    private func count(_ changed: Range<Int>?, height: Int) {
        switch changed {
        case let rows? where rows.isEmpty: changeCounts.unchanged += 1
        case let rows? where rows.count < height:
            changeCounts.band += 1
            changeCounts.bandRows += rows.count
        default: changeCounts.whole += 1
        }
    }

    private func drainDecoder(into frame: Frame) throws(TranscodeError) {
        while true {
            let received: Bool
            do {
                received = try decoder.receive(into: frame)
            } catch {
                damagedPackets += 1
                return
            }
            guard received else { return }
            decodedFrames += 1
            do {
                try push(frame)
                frame.unref()
                try pullFiltered()
            } catch {
                throw TranscodeError.internal("Filtering the video", error)
            }
        }
    }

    private func push(_ decoded: Frame) throws(AVError) {
        var frame = decoded
        let timestamp = decoded.bestEffortTimestamp != noPTS ? decoded.bestEffortTimestamp : decoded.pts
        // Frames without a usable, increasing timestamp (damaged streams) would confuse the fps filter.
        guard timestamp != noPTS else { return }
        let pts = timestamp - originInStreamTimeBase
        guard pts > lastPushedPTS else { return }
        lastPushedPTS = pts
        lastFrameDuration = decoded.pointer.pointee.pkt_duration
        // The filter graph was configured for the first frame's size and format; normalise any change.
        if decoded.width != filterInput.width || decoded.height != filterInput.height
            || decoded.pointer.pointee.format != filterInput.format
        {
            if normalizer == nil || normalizer?.inputWidth != decoded.width || normalizer?.inputHeight != decoded.height
            {
                normalizer = try? Scaler(
                    from: decoded.width,
                    decoded.height,
                    decoded.pixelFormat,
                    to: filterInput.width,
                    filterInput.height,
                    AVPixelFormat(rawValue: filterInput.format)
                )
            }
            guard let normalizer else { return }
            frame = try normalizer.scale(decoded)
        }
        frame.pts = pts
        try filter.push(frame)
    }

    private func pullFiltered() throws(AVError) {
        let timeBase = filter.outputTimeBase
        while let filtered = try filter.pull() {
            guard filtered.pts >= 0 else { continue }
            if let window, !window.encodes(filtered.pts) {
                if window.isPast(filtered.pts) { pastWindow = true }
                continue
            }
            // A chunk's lead-in and tail (`ChunkPadding`) only feed the encoders.
            let kept = window?.contains(filtered.pts) ?? true
            // Decoders mark picture types; x264 would obey them and break keyframe alignment across rungs.
            filtered.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE
            // The decoder's packet duration, in the stream's time base; set again below only when pictures are
            // left out (zero lets the muxers count one picture at the frame rate).
            filtered.pointer.pointee.pkt_duration = 0
            var isKeyframe = false
            if var placement = keyframes {
                // A chunk's first picture, and the first past its end, start GOPs (see `KeyframePlacement`).
                let edges = window?.edgesPassed(filtered.pts) ?? 0
                defer { windowEdgesPassed = edges }
                isKeyframe = placement.isKeyframe(
                    changedShare: coarseDifference.changedShare(of: filtered),
                    forced: edges > windowEdgesPassed
                )
                if isKeyframe { filtered.pointer.pointee.pict_type = AV_PICTURE_TYPE_I }
                keyframes = placement
            }
            if kept { try thumbnails.offer(filtered, time: Double(filtered.pts) * av_q2d(timeBase)) }
            var changed: Range<Int>?
            if tracksChangedRows || thinning != nil {
                changed = previousOutput.flatMap { ChangedRows.between($0, filtered) }
                filtered.changedRows = changed
                previousOutput = filtered.clone()
                if tracksChangedRows { count(changed, height: Int(filtered.height)) }
            }
            // Slides and thumbnails see every picture: their timeline is the source's.
            if kept { slides?.offer(filtered, time: Double(filtered.pts) * av_q2d(timeBase)) }
            guard var thinning else {
                guard send(filtered) else { return }
                continue
            }
            // The pictures right before a chunk's first IDR are kept: x264 dates a packet's decoding (dts) by the
            // picture its B-pyramid delay before it, so thinned pictures there would move the IDR's dts, and with it
            // the init segment's edit list, off the other chunks' (measured: 1.933 s instead of 2 pictures' 0.067 s),
            // and the stitch refuses chunks whose init segments differ.
            let delay = Int64(StillPictureThinning.leadingPictures - 1) * outputFrameDuration
            let datesFirstIDR = window.map { filtered.pts < $0.start && filtered.pts >= $0.start - delay } ?? false
            let keeps = thinning.keeps(
                sameAsPrevious: changed?.isEmpty == true,
                isKeyframe: isKeyframe || datesFirstIDR
            )
            self.thinning = thinning
            if keeps {
                guard sendKept(filtered) else { return }
            } else {
                lastDropped = filtered
            }
        }
    }

    /// Hands a picture to every rung; false once the pipeline stopped. Each consumer gets its own reference to the
    /// same picture; the last one takes the original.
    private func send(_ picture: Frame) -> Bool {
        for output in outputs.dropLast() where !output.push(picture.clone()) { return false }
        if let last = outputs.last, !last.push(picture) { return false }
        return true
    }

    /// With thinning: sends the held picture, now that the next kept one says how long it is shown (its
    /// `pkt_duration`, in the filter's time base; `RungStage` puts it on the packet), and holds this one.
    private func sendKept(_ picture: Frame) -> Bool {
        defer {
            heldPicture = picture
            lastDropped = nil
        }
        guard let held = heldPicture else { return true }
        held.pointer.pointee.pkt_duration = picture.pts - held.pts
        return send(held)
    }

    /// With thinning, at the end: the last picture is shown even if it was left out, for one picture's time.
    private func sendHeldPictures() {
        if let lastDropped, !sendKept(lastDropped) { return }
        guard let held = heldPicture else { return }
        heldPicture = nil
        held.pointer.pointee.pkt_duration = outputFrameDuration
        _ = send(held)
    }
}
