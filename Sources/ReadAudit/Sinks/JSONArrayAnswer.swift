/// The answer of an intake that takes one JSON array per request (Datadog logs, a webhook), classified.
/// Pure, so every status is tested without a socket (Vector's `RetryLogic`).
public struct JSONArrayAnswer: Sendable, Equatable {
    /// What the sink does with the request next.
    public enum Verdict: Sendable, Equatable {
        /// Every entry of the request was taken.
        case accepted
        /// Nothing was taken, for a reason that may pass (timeout, rate limit, server error): send it again later.
        case retry(String)
        /// The intake refuses us (key, signature, URL): no retry helps until an operator acts.
        case rejected(String)
        /// The request was refused for its content or size (400, 413): it is sent again in halves to find the
        /// entry at fault, which alone is then quarantined.
        case refused(String)
    }

    /// Who answered, for the reason ("Datadog", "webhook").
    public var intake: String
    /// The HTTP status.
    public var status: Int
    /// What the intake said, cut short; nil when its body may not be repeated in our logs and journal.
    public var message: String?

    public init(intake: String, status: Int, message: String? = nil) {
        self.intake = intake
        self.status = status
        self.message = message.map { String($0.prefix(200)) }
    }

    /// 2xx accepted; 408, 429, 5xx retry; 400 and 413 refused for content; 401, 403 and anything else rejected
    /// (another 4xx, or a 3xx: redirects are not followed, the URL needs fixing).
    public var verdict: Verdict {
        let reason = "\(intake) answered HTTP \(status)" + (message.map { ": \($0)" } ?? "")
        switch status {
        case 200...299: return .accepted
        case 408, 429, 500...599: return .retry(reason)
        case 400, 413: return .refused(reason)
        case 401, 403: return .rejected(reason + " (check the sink's key or secret)")
        default: return .rejected(reason)
        }
    }

    /// No answer at all (timeout, connection refused or reset). The request may have arrived: sending it
    /// again may duplicate its entries, which keep their event ids for de-duplication.
    public static func noAnswer(from intake: String, error: any Error) -> Verdict {
        .retry("no answer from \(intake): \(error)")
    }
}
