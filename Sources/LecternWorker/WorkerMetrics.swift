import Prometheus

/// The worker's Prometheus metrics. Each worker owns its registry (rather than bootstrapping swift-metrics
/// globally) so several workers in one test process keep separate counts.
public final class WorkerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Served at `/health` with the metrics.
    public let health = WorkerHealth()
    let jobsRunning: Gauge
    let jobsSucceeded: Counter
    let jobsFailedPermanently: Counter
    let jobsFailedTransiently: Counter
    let jobsRejected: Counter
    let duplicatesSkipped: Counter
    let encodeSeconds: ValueHistogram
    let bytesIn: Counter
    let bytesOut: Counter
    let receiveToClaimSeconds: ValueHistogram
    let queueWaitSeconds: ValueHistogram
    /// Wall seconds of a published job's stages outside the transcode (which `encodeSeconds` measures).
    let downloadSeconds: ValueHistogram
    let uploadSeconds: ValueHistogram
    let publishSeconds: ValueHistogram
    /// 1 once the worker has reached its queue at start, 0 while it waits for SQS to answer.
    let queueConnected: Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(
                namespace: "lectern",
                subsystem: "worker",
                metricName: metric,
                unitName: unit,
                helpText: help
            )
        }
        self.registry = registry
        jobsRunning = registry.makeGauge(descriptor: name("jobs", "running", "Jobs being encoded now"))
        jobsSucceeded = registry.makeCounter(descriptor: name("jobs_succeeded", "total", "Jobs published"))
        let failed = name("jobs_failed", "total", "Jobs that failed, by kind")
        jobsFailedPermanently = registry.makeCounter(descriptor: failed, labels: [("kind", "permanent")])
        jobsFailedTransiently = registry.makeCounter(descriptor: failed, labels: [("kind", "transient")])
        jobsRejected = registry.makeCounter(
            descriptor: name("messages_rejected", "total", "Malformed or unsupported messages sent to the DLQ")
        )
        duplicatesSkipped = registry.makeCounter(
            descriptor: name("duplicates_skipped", "total", "Deliveries of jobs done or held elsewhere")
        )
        let durations: [Double] = [1, 5, 15, 30, 60, 120, 300, 600, 1_200, 2_400, 3_600, 7_200]
        encodeSeconds = registry.makeValueHistogram(
            descriptor: name("encode", "seconds", "Transcode wall time"),
            buckets: durations
        )
        bytesIn = registry.makeCounter(descriptor: name("bytes_in", "total", "Source bytes downloaded"))
        bytesOut = registry.makeCounter(descriptor: name("bytes_out", "total", "Output bytes uploaded"))
        receiveToClaimSeconds = registry.makeValueHistogram(
            descriptor: name("receive_to_claim", "seconds", "Receive to claim latency"),
            buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]
        )
        queueWaitSeconds = registry.makeValueHistogram(
            descriptor: name("queue_wait", "seconds", "Receive time minus SentTimestamp"),
            buckets: [0.1, 1, 5, 15, 60, 300, 900, 3_600, 14_400]
        )
        let stage = name("stage", "seconds", "Wall time of a published job's stages besides the encode")
        let stageBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300]
        downloadSeconds = registry.makeValueHistogram(
            descriptor: stage,
            labels: [("stage", "download")],
            buckets: stageBuckets
        )
        uploadSeconds = registry.makeValueHistogram(
            descriptor: stage,
            labels: [("stage", "upload")],
            buckets: stageBuckets
        )
        publishSeconds = registry.makeValueHistogram(
            descriptor: stage,
            labels: [("stage", "publish")],
            buckets: stageBuckets
        )
        queueConnected = registry.makeGauge(
            descriptor: name("queue", "connected", "1 once the queue answered at start")
        )
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String { registry.emitToString() }
}
