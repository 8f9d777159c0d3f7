import Foundation

/// Reads a component's settings from environment variables (what the deployment template sets), with problems that
/// name the variable so a misconfigured task stops at start with a message an operator can act on. The worker's
/// `WorkerConfiguration` and the caption settings both read through it.
public struct EnvironmentReader: Sendable {
    /// Why a variable's value is unusable.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let variable: String
        public let message: String
        public var description: String { "\(variable): \(message)" }

        public init(variable: String, message: String) {
            self.variable = variable
            self.message = message
        }
    }

    public let environment: [String: String]

    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The variable's value; nil when it is unset or empty (an empty value means "use the default").
    public func text(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    /// The variable's value without surrounding spaces; a problem when it is unset or blank.
    public func required(_ name: String) throws(Problem) -> String {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            throw Problem(variable: name, message: "is required")
        }
        return value
    }

    /// A whole number in `range`; nil when unset or empty, a problem when it is anything else.
    public func integer(_ name: String, in range: ClosedRange<Int>) throws(Problem) -> Int? {
        guard let text = text(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw Problem(
                variable: name,
                message: "must be a whole number in \(range.lowerBound)…\(range.upperBound), not \"\(text)\""
            )
        }
        return value
    }

    /// A number in `range` (a typographic minus "−" is read as "-"); nil when unset or blank. `unit` names what the
    /// number counts in the problem's message ("a number of dB in …").
    public func decimal(_ name: String, in range: ClosedRange<Double>, unit: String) throws(Problem) -> Double? {
        guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let value = Double(text.replacingOccurrences(of: "−", with: "-")), range.contains(value) else {
            throw Problem(
                variable: name,
                message: "must be a number of \(unit) in \(range.lowerBound)…\(range.upperBound), not \"\(text)\""
            )
        }
        return value
    }
}
