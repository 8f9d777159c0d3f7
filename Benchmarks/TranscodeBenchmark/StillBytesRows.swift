import Foundation
import Transcoder

// MARK: Bytes of still slides (issue #16): `TranscodeBenchmark [seconds] --still-bytes`

/// The deck of `deckClip` without the camera window: slides only, as a screen recording of a slide show is.
func slidesOnlyDeckClip(seconds: Int) -> String {
    let source = work + "/deck-slides-only-1080p30-\(seconds)s.mp4"
    if FileManager.default.fileExists(atPath: source) { return source }
    print("Generating \(seconds) s 1080p30 slides-only deck…")
    renderLectureClip(filter: deckSlides(seconds: seconds) + "[v]", seconds: seconds, preset: "veryfast", to: source)
    return source
}

/// Lectern's ladder against the CLI's (same CRF, caps and preset; the CLI with its fixed 6 s GOP) on the two decks,
/// Lectern's split path (chunks and a stitch, as for a lecture of 10 minutes or more), then Lectern again with still
/// pictures kept (`TranscodePlan.dropsRepeatedPictures` off, the child reads
/// `LECTERN_DROPS_REPEATS`): bytes per rung, the 1080p rung's IDRs and its PSNR / SSIM against the source at the
/// source's 30 fps (a rung with fewer pictures is converted back first, so every source picture is compared with
/// what a player shows). Bytes and quality are deterministic; no timings are reported.
func stillBytesRows(seconds: Int) {
    let decks = [
        ("slides-only", slidesOnlyDeckClip(seconds: seconds)), ("slides + camera", deckClip(seconds: seconds)),
    ]
    print("bytes of still slides, \(seconds) s 1080p30 decks (issue #16 target: slides-only 1080p ≤ 0.5× the CLI at")
    print("PSNR ≥ 45 dB and SSIM ≥ 0.99; slides + camera ≤ 1.0×; load average \(loadAverage()))")
    print(
        "deck             side                         1080p bytes  ratio  IDRs  pictures  PSNR dB    SSIM      "
            + "ladder bytes  ratio"
    )
    for (name, deck) in decks {
        let kept = work + "/lectern-still-kept", thinned = work + "/lectern-still", cli = work + "/cli-still"
        let split = work + "/lectern-still-split"
        setenv("LECTERN_DROPS_REPEATS", "0", 1)
        _ = runLectern(source: deck, output: kept)
        setenv("LECTERN_DROPS_REPEATS", "1", 1)
        let rungs = runLectern(source: deck, output: thinned).manifest.video
        setenv("LECTERN_SPLIT_CHUNK_SECONDS", String(splitChunkSeconds(seconds)), 1)
        _ = runLectern(source: deck, output: split)
        unsetenv("LECTERN_SPLIT_CHUNK_SECONDS")
        _ = runCLI(source: deck, output: cli, rungs: rungs)
        let top = rungs[0]
        let cliLadder = rungs.indices.map { directoryBytes(cli + "/\($0)") }.reduce(0, +)
        let cliRung = stillRung(directory: cli + "/0", source: deck, size: (top.width, top.height))
        let reference = (cliRung, cliLadder)
        printStillRow(name, "ffmpeg CLI, fixed 6 s GOP", cliRung, ladder: cliLadder, reference: reference)
        let splitSide = "Lectern, split (\(splitChunkSeconds(seconds)) s parts)"
        for (side, output) in [("Lectern, every picture kept", kept), ("Lectern", thinned), (splitSide, split)] {
            let ladder = directoryBytes(output + "/video")
            let rung = stillRung(
                directory: output + "/video/" + top.name,
                source: deck,
                size: (top.width, top.height)
            )
            printStillRow(name, side, rung, ladder: ladder, reference: reference)
        }
        fflush(nil)
    }
    unsetenv("LECTERN_DROPS_REPEATS")
    print("(load average after: \(loadAverage()))")
}

/// Parts a third of the deck long, whole 6 s segments: a long lecture's split path on a short deck.
func splitChunkSeconds(_ seconds: Int) -> Int { max(6, seconds / 3 / 6 * 6) }

/// Lectern's split path in one process, as the workers run it for a lecture of 10 minutes or more (issue #15): the
/// video chunks, the sound, then the stitch into `output`.
func splitTranscode(input: String, output: String, plan: TranscodePlan, chunkSeconds: Int) async throws {
    guard case .splittable(let layout) = try SplitProbe.examine(input: input, plan: plan, chunkSeconds: chunkSeconds)
    else { fatalError("the deck should be splittable") }
    let parts = output + ".parts"
    try? FileManager.default.removeItem(atPath: parts)
    var video: [String] = []
    for index in layout.chunks.indices {
        let directory = parts + "/\(index)"
        _ = try await Transcoder().transcode(
            input: input,
            outputDirectory: directory,
            plan: layout.videoPlan(index, base: plan)
        )
        video.append(directory)
    }
    var audio: String?
    if layout.hasAudio {
        audio = parts + "/audio"
        _ = try await Transcoder().transcode(input: input, outputDirectory: audio!, plan: layout.audioPlan(base: plan))
    }
    _ = try ChunkStitcher(
        videoChunks: video,
        audioChunk: audio,
        outputDirectory: output,
        slideSettings: plan.slideSettings
    ).stitch()
}

struct StillRung {
    var bytes: Int
    var keyframes: Int
    var pictures: Int
    var psnr: String
    var ssim: String
}

/// A rung's bytes (init, segments and playlist, counted before anything is written beside them), keyframes,
/// pictures and quality.
func stillRung(directory: String, source: String, size: (width: Int, height: Int)) -> StillRung {
    let bytes = directoryBytes(directory)
    let stream = joined(playlistDirectory: directory)
    let packets = probeOutput(["-select_streams", "v", "-show_entries", "packet=flags", "-of", "csv=p=0", stream])
    let flags = packets.split(separator: "\n")
    let keyframes = flags.filter { $0.hasPrefix("K") }.count, pictures = flags.count
    let measured = quality(of: stream, against: source, width: size.width, height: size.height)
    return StillRung(bytes: bytes, keyframes: keyframes, pictures: pictures, psnr: measured.psnr, ssim: measured.ssim)
}

/// ffprobe's standard output.
func probeOutput(_ arguments: [String]) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/ffprobe")
    process.arguments = ["-v", "error"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try! process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func printStillRow(_ deck: String, _ side: String, _ rung: StillRung, ladder: Int, reference: (StillRung, Int)) {
    func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
    print(
        pad(deck, 17) + pad(side, 29)
            + String(
                format: "%11d  %5.2f  %4d  %8d  ",
                rung.bytes,
                Double(rung.bytes) / Double(reference.0.bytes),
                rung.keyframes,
                rung.pictures
            )
            + pad(rung.psnr, 9) + "  " + pad(rung.ssim, 8)
            + String(format: "  %12d  %5.2f", ladder, Double(ladder) / Double(reference.1))
    )
}
