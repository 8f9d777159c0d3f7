/// How the API's settings read the environment, in one place: values trimmed, an empty one as unset, and a number
/// that is not one or out of range reported as one line naming the variable, what it held and the range allowed.
enum EnvironmentSetting {
    /// `environment[name]` without surrounding spaces; nil when unset or empty.
    static func text(_ name: String, in environment: [String: String]) -> String? {
        guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    /// A whole number from `environment[name]`, or `fallback` when unset. One that does not parse or falls outside
    /// `range` adds a line to `problems` (`unit`, e.g. " of seconds", says what the number counts) and gives
    /// `fallback`.
    static func integer<T: FixedWidthInteger>(
        _ name: String,
        in environment: [String: String],
        default fallback: T,
        range: ClosedRange<T>,
        unit: String = "",
        problems: inout [String]
    ) -> T {
        guard let text = text(name, in: environment) else { return fallback }
        guard let number = T(text), range.contains(number) else {
            problems.append("\(name)=\(text) must be a whole number\(unit) in \(range.lowerBound)…\(range.upperBound)")
            return fallback
        }
        return number
    }
}
