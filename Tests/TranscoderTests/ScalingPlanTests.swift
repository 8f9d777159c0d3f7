import Testing

@testable import Transcoder

/// Which picture each rung is scaled from: the source, except exact halves of an already-scaled rung.
@Suite struct ScalingPlanTests {
    @Test func standardLadderScalesFromTheSourceExceptTheHalfOf720p() {
        let sizes = [(1920, 1080), (1280, 720), (854, 480), (640, 360)].map { (width: $0.0, height: $0.1) }
        let origins = ScalingPlan.origins(sizes: sizes, source: (1920, 1080))
        #expect(origins == [.source, .source, .source, .rung(1)])
    }

    @Test func halfOfTheUnscaledSourceIsScaledFromTheSourceItself() {
        // 1280x720 source: its 640x360 rung is a half of the top rung, but the top rung is the source picture.
        let sizes = [(1280, 720), (640, 360)].map { (width: $0.0, height: $0.1) }
        #expect(ScalingPlan.origins(sizes: sizes, source: (1280, 720)) == [.source, .source])
    }

    @Test func withoutHalvingEveryRungComesFromTheSource() {
        let sizes = [(1280, 720), (640, 360), (320, 180)].map { (width: $0.0, height: $0.1) }
        #expect(ScalingPlan.origins(sizes: sizes, source: (1920, 1080)) == [.source, .rung(0), .rung(1)])
        #expect(
            ScalingPlan.origins(sizes: sizes, source: (1920, 1080), allowHalving: false) == [.source, .source, .source]
        )
    }
}
