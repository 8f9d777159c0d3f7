/// Reads one sample out of a Prometheus text exposition (what a worker serves on /metrics), so the local pool can
/// tell idle workers from busy ones without a Prometheus client.
public enum PrometheusText {
    /// The worker's gauge of jobs being encoded now.
    public static let jobsRunningMetric = "lectern_worker_jobs_running"

    /// The value of the first sample of `metric` (any labels); nil when absent or not a number.
    public static func value(of metric: String, in exposition: String) -> Double? {
        for line in exposition.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), line.hasPrefix(metric) else { continue }
            var rest = line.dropFirst(metric.count)
            // Reject longer names that merely share the prefix (lectern_worker_jobs_running_total).
            if let first = rest.first, first != " " && first != "{" { continue }
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else { continue }
                rest = rest[rest.index(after: close)...]
            }
            let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
            if let text = fields.first, let value = Double(text) { return value }
        }
        return nil
    }
}
