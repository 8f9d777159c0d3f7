extension Duration {
    /// Whole milliseconds, rounded up so a tiny positive duration never becomes curl's "no limit" 0.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let millis = seconds.multipliedReportingOverflow(by: 1000)
        if millis.overflow || seconds < 0 { return seconds < 0 ? 0 : Int.max }
        let fraction = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(millis.partialValue + fraction)
    }

    /// Whole seconds, rounded up, at least 1 (curl's low-speed window has a one-second resolution).
    var curlSecondsAtLeastOne: Int {
        max(1, (curlMilliseconds + 999) / 1000)
    }
}
