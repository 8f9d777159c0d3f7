import Foundation
import Prometheus

/// Request counts and latencies in Prometheus' text format, on a registry of the API's own (so tests and several
/// servers in one process never mix their numbers).
public struct APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "lectern", subsystem: "api", metricName: "requests", unitName: "total",
                                               helpText: "HTTP requests answered, by route, method and status") }
    static var latency: MetricNameDescriptor { MetricNameDescriptor(namespace: "lectern", subsystem: "api", metricName: "request_duration", unitName: "seconds",
                                              helpText: "Time to answer, by route") }

    func record(route: String, method: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("method", method), ("status", String(status))])
            .increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.buckets).record(duration)
    }

    public func exposition() -> String { registry.emitToString() }
}
