import LecternCore
import LocalPlatform
import Testing

/// The local pool's decisions: the deployment's policy decides the size, the planner turns it into starts and stops.
@Suite struct WorkerPoolPlannerTests {
    let planner = WorkerPoolPlanner(
        policy: ScalingPolicy(
            targetBacklogPerWorker: 2,
            minWorkers: 0,
            maxWorkers: 3,
            scaleOutCooldownSeconds: 10,
            scaleInCooldownSeconds: 30
        )
    )
    typealias Member = WorkerPoolPlanner.Member

    @Test func aJobArrivingAtAnEmptyPoolStartsAWorkerAtOnce() {
        let decision = planner.decide(size: 0, members: [], visible: 1, inFlight: 0, secondsSinceLastChange: 0)
        #expect(decision == .init(size: 1, changed: true, start: 1, stop: []))
    }

    @Test func growthIsCappedByTheMaximumAndWaitsForTheScaleOutCooldown() {
        let one = [Member(id: 1, jobsRunning: 1)]
        #expect(
            planner.decide(size: 1, members: one, visible: 9, inFlight: 1, secondsSinceLastChange: 5)
                == .init(size: 1, changed: false, start: 0, stop: [])
        )
        #expect(
            planner.decide(size: 1, members: one, visible: 9, inFlight: 1, secondsSinceLastChange: 10)
                == .init(size: 3, changed: true, start: 2, stop: [])
        )
    }

    @Test func anEmptyQueueDrainsToTheMinimumAfterTheScaleInCooldown() {
        let members = [Member(id: 1, jobsRunning: 0), Member(id: 2, jobsRunning: 0)]
        #expect(
            planner.decide(size: 2, members: members, visible: 0, inFlight: 0, secondsSinceLastChange: 29).stop.isEmpty
        )
        let decision = planner.decide(size: 2, members: members, visible: 0, inFlight: 0, secondsSinceLastChange: 30)
        #expect(decision.size == 0 && decision.changed && decision.start == 0)
        #expect(Set(decision.stop) == [1, 2])
    }

    @Test func aWorkerThatDiedIsReplacedWithoutChangingTheSize() {
        // Size 2 was decided; one member is gone. The backlog still wants 2: start one, and no cooldown restarts.
        let decision = planner.decide(
            size: 2,
            members: [Member(id: 1, jobsRunning: 1)],
            visible: 1,
            inFlight: 2,
            secondsSinceLastChange: 1
        )
        #expect(decision == .init(size: 2, changed: false, start: 1, stop: []))
    }

    @Test func scalingInStopsIdleWorkersBeforeBusyOnes() {
        let members = [Member(id: 1, jobsRunning: 1), Member(id: 2, jobsRunning: 0), Member(id: 3, jobsRunning: 2)]
        // One job in flight wants one worker: the two least busy go, idle first.
        let decision = planner.decide(size: 3, members: members, visible: 0, inFlight: 1, secondsSinceLastChange: 60)
        #expect(decision.size == 1)
        #expect(decision.stop == [2, 1])
    }

    @Test func stopOrderIsIdleThenUnknownThenLeastBusyThenNewest() {
        let members = [
            Member(id: 1, jobsRunning: 3), Member(id: 2, jobsRunning: nil), Member(id: 3, jobsRunning: 0),
            Member(id: 4, jobsRunning: 1), Member(id: 5, jobsRunning: 0),
        ]
        #expect(WorkerPoolPlanner.workersToStop(5, from: members) == [5, 3, 2, 4, 1])
        #expect(WorkerPoolPlanner.workersToStop(1, from: members) == [5])
        #expect(WorkerPoolPlanner.workersToStop(0, from: members).isEmpty)
        #expect(WorkerPoolPlanner.workersToStop(9, from: members).count == 5)
    }

    @Test func theMinimumIsKeptWarm() {
        let warm = WorkerPoolPlanner(policy: ScalingPolicy(minWorkers: 1, maxWorkers: 2))
        #expect(
            warm.decide(size: 0, members: [], visible: 0, inFlight: 0, secondsSinceLastChange: 0)
                == .init(size: 1, changed: true, start: 1, stop: [])
        )
    }
}

@Suite struct PrometheusTextTests {
    let exposition = """
        # HELP lectern_worker_jobs_running Jobs being encoded now
        # TYPE lectern_worker_jobs_running gauge
        lectern_worker_jobs_running_total 9
        lectern_worker_jobs_running 2.0
        lectern_worker_encode_seconds_bucket{le="1.0"} 0
        """

    @Test func readsTheGaugeAndNotAMetricSharingItsPrefix() {
        #expect(PrometheusText.value(of: PrometheusText.jobsRunningMetric, in: exposition) == 2)
    }

    @Test func readsLabelledSamples() {
        #expect(PrometheusText.value(of: "lectern_worker_encode_seconds_bucket", in: exposition) == 0)
    }

    @Test(arguments: [
        "", "# only comments\n", "lectern_worker_jobs_running NaNish\n", "lectern_worker_jobs_running{le=\"1\" 3\n",
    ])
    func missingOrMalformedIsNil(text: String) {
        #expect(PrometheusText.value(of: PrometheusText.jobsRunningMetric, in: text) == nil)
    }
}

@Suite struct LocalBootstrapResourcesTests {
    @Test func exportLinesAreShellQuoted() {
        let resources = LocalBootstrap.Resources(
            bucket: "b",
            queueURL: "http://127.0.0.1:1/123/jobs",
            deadLetterQueueURL: "it's",
            table: "t"
        )
        #expect(
            resources.exportLines == """
                export LECTERN_BUCKET='b'
                export LECTERN_QUEUE_URL='http://127.0.0.1:1/123/jobs'
                export LECTERN_DLQ_URL='it'\\''s'
                export LECTERN_LECTURES_TABLE='t'
                """
        )
    }

    @Test func theCORSRuleLetsThePortalUploadAndReadETags() {
        let rule = LocalBootstrap.Settings(corsOrigins: ["http://localhost:9000"]).corsRule
        #expect(rule.allowedOrigins == ["http://localhost:9000"])
        #expect(Set(rule.allowedMethods) == ["GET", "PUT", "HEAD"])
        #expect(rule.allowedHeaders == ["*"] && rule.exposeHeaders == ["ETag"])
    }

    /// Moved from `JobLimitsTests` with the bootstrap: the local queue's redrive backstop is the deployment's.
    @Test func theLocalQueueRedrivesAtTheJobLimitsBackstop() {
        #expect(LocalBootstrap.Settings().maxReceiveCount == JobLimits.default.queueMaxReceiveCount)
    }
}
