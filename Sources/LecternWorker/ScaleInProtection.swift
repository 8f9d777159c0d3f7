import Foundation
import HTTPTransport
import Logging

/// ECS task scale-in protection while jobs run, so a scale-in never kills an encode half way. Protection is
/// asked for when the first job starts (and renewed by `renew()` while any runs) and dropped when the last ends.
/// Failures are logged, never fatal: protection only avoids wasted work.
public actor ScaleInProtection {
    private let agentURI: String
    private let minutes: Int
    private let transport: any HTTPTransport
    private let logger: Logger
    private var activeJobs = 0

    public init(agentURI: String, minutes: Int, transport: any HTTPTransport, logger: Logger) {
        self.agentURI = agentURI
        self.minutes = minutes
        self.transport = transport
        self.logger = logger
    }

    public func jobStarted() async {
        activeJobs += 1
        if activeJobs == 1 { await put(enabled: true) }
    }

    public func jobEnded() async {
        activeJobs = max(0, activeJobs - 1)
        if activeJobs == 0 { await put(enabled: false) }
    }

    /// Extends the protection's expiry while jobs run.
    public func renew() async {
        if activeJobs > 0 { await put(enabled: true) }
    }

    private func put(enabled: Bool) async {
        guard let url = URL(string: agentURI + "/task-protection/v1/state") else { return }
        let body =
            enabled ? #"{"ProtectionEnabled":true,"ExpiresInMinutes":\#(minutes)}"# : #"{"ProtectionEnabled":false}"#
        let request = HTTPRequest(
            method: "PUT",
            url: url,
            headers: ["Content-Type": "application/json"],
            body: .data(Data(body.utf8)),
            timeouts: HTTPTimeouts(connect: .seconds(2), total: .seconds(5))
        )
        do {
            let response = try await transport.execute(request)
            if !(200..<300).contains(response.status) {
                logger.warning(
                    "scale-in protection not updated",
                    metadata: ["status": "\(response.status)", "enabled": "\(enabled)"]
                )
            }
        } catch {
            logger.warning("scale-in protection not updated", metadata: ["error": "\(error)", "enabled": "\(enabled)"])
        }
    }
}
