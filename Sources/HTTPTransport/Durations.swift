extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive duration never becomes curl's "no limit" 0;
    /// negative durations are 0 and huge ones saturate.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return Int.max }
        let (total, overflow2) = millis.addingReportingOverflow(fraction)
        return overflow2 || total > Int64(Int.max) ? Int.max : Int(total)
    }

    /// Whole seconds, rounded up, at least 1 (curl's low-speed window has a one-second resolution).
    var curlSecondsAtLeastOne: Int {
        let millis = curlMilliseconds
        return millis == Int.max ? Int.max / 1000 : max(1, (millis + 999) / 1000)
    }
}
