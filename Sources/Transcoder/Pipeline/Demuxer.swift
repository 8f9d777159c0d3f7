import CFFmpeg

/// Stage 1: reads packets in file order and hands each to the decoder stage of its stream.
final class DemuxStage: @unchecked Sendable {
    // Confined to the demux thread once the pipeline starts.
    private let input: InputFormatContext
    private let routes: [Int32: BoundedQueue<Packet>]
    private let control: PipelineControl
    /// A split encode's chunk: reading ends at the first packet of this stream decoded at or after `dts`.
    var readsUntil: ReadLimit?

    init(input: InputFormatContext, routes: [Int32: BoundedQueue<Packet>], control: PipelineControl) {
        self.input = input
        self.routes = routes
        self.control = control
    }

    func run() throws(TranscodeError) {
        defer { routes.values.forEach { $0.close() } }
        var consecutiveErrors = 0
        while !control.isStopped {
            let packet = Packet()
            do {
                guard try input.readPacket(into: packet) else { break }
                consecutiveErrors = 0
            } catch {
                // A byte source that could not be read (storage gone): the recording is not damaged, so keeping what
                // was read would publish a lecture cut short. Fail with the source's own error.
                if let failure = input.customIO?.failure { throw failure }
                // A damaged or truncated file: keep what was read so far; the decoders decide whether it is enough.
                consecutiveErrors += 1
                if error.code == AVError.invalidData && consecutiveErrors < 64 { continue }
                break
            }
            if let readsUntil, readsUntil.isReached(by: packet) { return }
            guard let queue = routes[packet.streamIndex] else { continue }
            if !queue.push(packet) { return }
        }
        // libavformat may report a failed read as the end of the input.
        if let failure = input.customIO?.failure { throw failure }
    }
}
