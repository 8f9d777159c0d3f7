import Foundation
import Prometheus
import Synchronization

/// Request counts and latencies in Prometheus' text format, on a registry of the API's own (so tests and several
/// servers in one process never mix their numbers).
public struct APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let instruments = Instruments()

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "lectern",
            subsystem: "api",
            metricName: "requests",
            unitName: "total",
            helpText: "HTTP requests answered, by route, method and status"
        )
    }
    static var latency: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "lectern",
            subsystem: "api",
            metricName: "request_duration",
            unitName: "seconds",
            helpText: "Time to answer, by route"
        )
    }

    /// The methods that become a `method` label as sent: the ones routes answer, plus HEAD and OPTIONS. Anything
    /// else a client sends is counted as `other`, so an anonymous client cannot create series (20 random methods
    /// made 20 new series, and a 6,000-character method was kept as a label, before this set).
    static let labelledMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    static func methodLabel(_ method: String) -> String { labelledMethods.contains(method) ? method : "other" }

    /// `route` must come from a closed set too: a route's template or one of the fixed names (`unmatched`,
    /// `preflight`), never request text.
    func record(route: String, method: String, status: Int, duration: Duration) {
        let (counter, histogram) = instruments.lookUp(
            route: route,
            method: Self.methodLabel(method),
            status: status,
            in: registry
        )
        counter.increment()
        histogram.record(duration)
    }

    /// The counter and histogram of each (route, method, status) seen, made once: asking the registry builds the
    /// descriptor's name and label arrays and takes the registry's lock, which on every request cost ~1–4 % of the
    /// API's CPU under load. Routes are templates, methods a closed set and statuses the few the API answers, so the
    /// table stays small whatever clients send.
    private final class Instruments: Sendable {
        struct Key: Hashable {
            var route: String
            var method: String
            var status: Int
        }
        private let table = Mutex<[Key: (Counter, DurationHistogram)]>([:])

        func lookUp(
            route: String,
            method: String,
            status: Int,
            in registry: PrometheusCollectorRegistry
        ) -> (Counter, DurationHistogram) {
            let key = Key(route: route, method: method, status: status)
            if let found = table.withLock({ $0[key] }) { return found }
            // Made outside our lock (the registry has its own and returns the same instruments for the same labels).
            let made = (
                registry.makeCounter(
                    descriptor: APIMetrics.requests,
                    labels: [("route", route), ("method", method), ("status", String(status))]
                ),
                registry.makeDurationHistogram(
                    descriptor: APIMetrics.latency,
                    labels: [("route", route)],
                    buckets: APIMetrics.buckets
                )
            )
            return table.withLock { table in
                if let found = table[key] { return found }
                table[key] = made
                return made
            }
        }
    }

    public func exposition() -> String { registry.emitToString() }

    /// A connection the HTTP engine turned away at its cap (`server-full`, `client-full`).
    func recordRefusedConnection(reason: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "lectern",
                subsystem: "api",
                metricName: "connections_refused",
                unitName: "total",
                helpText: "Connections refused at the connection caps, by reason"
            ),
            labels: [("reason", reason)]
        ).increment()
    }
}
