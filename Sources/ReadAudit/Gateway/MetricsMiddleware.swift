import HTTPTypes
import Hummingbird

/// Counts requests and their latency by route template and outcome; strips the internal outcome header.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let outcome = response.headers[.auditOutcome] ?? Self.statusClass(response.status.code)
        response.headers[.auditOutcome] = nil
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code,
            outcome: outcome, duration: ContinuousClock.now - started)
        return response
    }

    static func statusClass(_ code: Int) -> String { "\(code / 100)xx" }
}
