import CFFmpeg
import Foundation

/// A transcode's pipeline as a value: the stages to run (each on its own thread, joined by bounded queues) and
/// the outputs the manifest is assembled from once they have ended. Built by `TranscodePipeline.open` (see
/// `PipelineOpening.swift`), which opens every decoder, encoder and muxer before any stage runs.
///
/// Adding an output is a local change: open its encoder/muxer in `open` (after the offset is final when it
/// writes timestamps), append its stage to `stages`, keep in `outputs` what the manifest needs from it, and
/// read that in `ManifestAssembler`.
struct TranscodePipeline {
    /// One thread's work. Stages run concurrently; a stage that fails stops the others through `PipelineControl`.
    struct Stage {
        let name: String
        let body: @Sendable () throws(TranscodeError) -> Void
    }

    /// What one rung's stage is built from (one value per rung, in ladder order, tallest first).
    struct RungInputs {
        let spec: RenditionSpec
        /// nil when the rung takes the filtered source picture as it is.
        let scaler: Scaler?
        let encoder: EncoderContext
        let playlist: OutputFormatContext
        let input: BoundedQueue<Frame>
        /// Queues of the rungs scaled from this rung's picture (see `ScalingPlan`).
        let dependents: [BoundedQueue<Frame>]
        let onFrameEncoded: @Sendable (Int64) -> Void
    }

    /// The video side's published outputs.
    struct VideoOutputs {
        let rungs: [RungStage]
        let frameRate: AVRational
        let thumbnails: ThumbnailSheet
        /// What the picture needed (see `VideoSource.corrections`), for the manifest.
        var corrections: [TranscodeManifest.Correction] = []
        /// Slide detection and OCR (nil when `plan.detectsSlides` is off).
        var slides: SlideTracker? = nil
    }

    /// The progressive MP4 download: which rung it carries.
    struct ProgressiveOutput {
        let spec: RenditionSpec
        let writer: ProgressiveWriter
    }

    /// Demuxing first, then the video source, audio, and one stage per rung (the order they are started in).
    let stages: [Stage]
    let video: VideoOutputs?
    let audio: AudioStage?
    let progressive: ProgressiveOutput?
    /// Source streams left out before any work, with the reason the manifest gives.
    let droppedStreams: [TranscodeManifest.DroppedStream]
}
