import AWS
import Logging

/// Turns whatever the inner layers and the handler throw into an RFC 9457 answer; the layers outside it always
/// get a response. Unexpected errors are logged with the route, never shown to the caller.
struct ProblemLayer: RequestLayer {
    let logger: Logger

    func handle(_ context: RequestContext, next: RequestNext) async throws -> APIResponse {
        let path = context.request.path
        do {
            return try await next(context)
        } catch let problem as APIProblem {
            return problem.response(instance: path)
        } catch let problem as APIConfigError {
            logger.error("configuration problem", metadata: ["error": "\(problem)"])
            return APIProblem.internalError.response(instance: path)
        } catch let error as AWSError where error.isRetryable {
            logger.error(
                "AWS unavailable",
                metadata: ["route": "\(context.route?.name ?? "unmatched")", "error": "\(error)"]
            )
            return APIProblem.serviceUnavailable("a storage service is unavailable; try again shortly").response(
                instance: path
            )
        } catch {
            logger.error(
                "request failed",
                metadata: ["route": "\(context.route?.name ?? "unmatched")", "error": "\(error)"]
            )
            return APIProblem.internalError.response(instance: path)
        }
    }
}
