import Foundation
import LecternCore
import Testing

@Suite struct LectureSplitTests {
    let chunks = [
        LectureSplit.Chunk(start: 0, end: 180), LectureSplit.Chunk(start: 180, end: 360),
        LectureSplit.Chunk(start: 360, end: 400.5),
    ]

    @Test func nothingIsPlayableWithoutTheSoundOrTheFirstChunk() {
        var split = LectureSplit(outputVersion: "v1", chunks: chunks, done: [1, 2], audioDone: false)
        #expect(split.playableThrough == nil)
        #expect(split.undoneParts == [.audio, .video(0)])
        split.audio.done = true
        #expect(split.contiguousDone == 0)
        #expect(split.playableThrough == nil)
        split.chunks[0].done = true
        #expect(split.playableThrough == 400.5)
        #expect(split.isComplete)
        #expect(split.undoneParts.isEmpty)
    }

    @Test func aGapStopsThePlayablePrefix() {
        let split = LectureSplit(outputVersion: "v1", chunks: chunks, done: [0, 2], audioDone: true)
        #expect(split.contiguousDone == 1)
        #expect(split.playableThrough == 180)
        #expect(!split.isComplete)
    }

    /// A plan written without the per-part fields (another worker version, a hand-made record) reads with defaults
    /// rather than failing the lecture listing that decodes it.
    @Test func missingPartFieldsReadAsTheirDefaults() throws {
        let json = #"{"outputVersion":"v1","chunks":[{"start":0,"end":180},{"start":180,"end":200,"done":true}]}"#
        let split = try JSONDecoder().decode(LectureSplit.self, from: Data(json.utf8))
        #expect(split.done == [1])
        #expect(split.chunks.map(\.attempts) == [0, 0])
        #expect(split.audio == LectureSplit.AudioPart())
        #expect(split.timestampOffset == 0)
        #expect(split.playableThrough == nil)
        // A plan from before these fields: the parts' own target durations, and the fixed cadence in every part.
        #expect(split.targetDuration == nil && split.keyframesFollowContent == nil)
        #expect(split.jobPart(.video(1)).keyframesFollowContent == nil)
    }

    @Test func thePlansKeyframeRuleReachesEveryPartsMessage() throws {
        let split = LectureSplit(outputVersion: "v1", chunks: chunks, targetDuration: 24, keyframesFollowContent: true)
        let stored = try JSONDecoder().decode(LectureSplit.self, from: try JSONEncoder().encode(split))
        #expect(stored == split)
        for part in split.undoneParts {
            let message = JobMessage.part(
                split.jobPart(part),
                of: JobMessage(lectureID: "l", sourceKey: "s", outputVersion: "v1", ladder: [360])
            )
            let decoded = try JobMessage.decode(message.encoded())
            #expect(decoded.part?.keyframesFollowContent == true)
        }
    }

    @Test func chunkKeysStayInsideTheVersionPrefix() {
        let prefix = ObjectKeys.renditionPrefix(lectureID: "lec_a", version: "v1")
        #expect(ObjectKeys.chunkPrefix(lectureID: "lec_a", version: "v1", index: 7) == prefix + "chunks/007/")
        #expect(ObjectKeys.audioChunkPrefix(lectureID: "lec_a", version: "v1").hasPrefix(prefix))
    }
}
