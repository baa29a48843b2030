import Crypto
import Foundation
import ReadAudit

/// A webhook receiver as a real HTTP server on loopback (see `StubIntake`), verifying signatures the way
/// the README tells receivers to.
public typealias StubWebhook = StubIntake<WebhookReceiverRules>

/// What a careful webhook receiver demands: `POST /hook` whose `X-ReadAudit-Signature` is
/// `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` over the body as received, compared in constant
/// time, with an `X-ReadAudit-Timestamp` within `tolerance` of its own clock (401 otherwise); 200 when taken.
public struct WebhookReceiverRules: StubIntakeRules {
    /// The secret shared with the sink.
    public let secret: String
    /// The receiver's own clock, against which timestamps are checked.
    public let clock: any WallClock
    /// How far a timestamp may be from the receiver's clock, either way.
    public let tolerance: Duration
    public var path: String { "/hook" }
    public var acceptedStatus: Int { 200 }
    public var maxEntries: Int { .max }
    public var maxBytes: Int { .max }

    public func refusal(headers: [String: String], body: [UInt8]) -> Int? {
        guard let timestamp = headers["x-readaudit-timestamp"], let seconds = Int64(timestamp),
            abs(clock.now().microseconds / 1_000_000 - seconds) <= Int64(tolerance / .seconds(1)),
            let signature = headers["x-readaudit-signature"], signature.hasPrefix("sha256="),
            let mac = ChainHash(hex: String(signature.dropFirst(7)))
        else { return 401 }
        let signed = Data(timestamp.utf8) + Data(".".utf8) + Data(body)
        let valid = HMAC<SHA256>.isValidAuthenticationCode(mac.bytes, authenticating: signed, using: SymmetricKey(data: Data(secret.utf8)))
        return valid ? nil : 401
    }

    public func eventID(of entry: JSONValue) -> String? { entry[member: "id"]?.stringValue }
}

extension StubIntake where Rules == WebhookReceiverRules {
    /// A receiver that shares `secret` with the sink and reads the time from `clock`.
    public convenience init(secret: String, clock: any WallClock = SystemWallClock(), tolerance: Duration = .seconds(300)) {
        self.init(rules: WebhookReceiverRules(secret: secret, clock: clock, tolerance: tolerance))
    }

    /// The sink's settings for this stub, signing with `secret`.
    public func sinkConfiguration(secret: String? = nil, requestTimeout: Duration = .seconds(5)) -> WebhookSinkConfiguration {
        WebhookSinkConfiguration(url: baseURL + rules.path, secret: Secret(secret ?? rules.secret), requestTimeout: requestTimeout)
    }
}
