import NIOCore
import NIOSSL

/// Why a syslog connection or write failed, classified for the shipper: a failure that may pass
/// (retry) or one only an operator can fix (rejected).
public enum SyslogFailure: Error, Sendable, Equatable {
    /// Refused, reset, closed or timed out: the same frames may go through later.
    case transient(String)
    /// The server's certificate is not trusted, the server refuses ours, or our TLS files are unusable.
    case refused(String)

    /// The text for the shipper's log and the `audit.sink_degraded` event.
    public var reason: String {
        switch self {
        case .transient(let reason), .refused(let reason): reason
        }
    }

    /// Classifies what a connect, TLS handshake or write threw. A certificate problem is `refused`
    /// (retrying the same handshake gives the same answer); everything else is `transient`.
    public static func classify(_ error: any Error, endpoint: String) -> SyslogFailure {
        if let failure = error as? SyslogFailure { return failure }
        if let error = error as? SyslogTLSSettingsError {
            return .refused("TLS settings for \(endpoint) are unusable: \(error.description)")
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return .refused("TLS: the certificate of \(endpoint) does not name the expected server: \(error)")
        }
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let detail) where isCertificateProblem(String(describing: detail)):
                return .refused("TLS handshake with \(endpoint) failed on a certificate: \(detail)")
            case .failedToLoadCertificate, .failedToLoadPrivateKey:
                return .refused("TLS settings for \(endpoint) are unusable: \(error)")
            default:
                return .transient("TLS with \(endpoint) failed: \(error)")
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .transient("connecting to \(endpoint) timed out")
        }
        return .transient("syslog connection to \(endpoint) failed: \(error)")
    }

    /// BoringSSL's names for a handshake that failed on a certificate, ours or theirs
    /// (`CERTIFICATE_VERIFY_FAILED`, `SSLV3_ALERT_BAD_CERTIFICATE`, `TLSV1_ALERT_UNKNOWN_CA`, ...).
    static func isCertificateProblem(_ detail: String) -> Bool {
        let text = detail.uppercased()
        return ["CERTIFICATE", "UNKNOWN_CA", "ALERT_ACCESS_DENIED"].contains { text.contains($0) }
    }
}

/// The TLS files of a syslog sink could not be read or do not fit together.
public struct SyslogTLSSettingsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, naming the configuration key and file.
    public var description: String
    /// An error that says `description`.
    public init(_ description: String) { self.description = description }
}

/// A connect, handshake or write took longer than allowed; the connection is closed and reopened.
struct SyslogTimeout: Error, CustomStringConvertible {
    var operation: String
    var description: String { "\(operation) timed out" }
}

/// The server closed the connection (syslog receivers never answer, so any close is unexpected).
struct SyslogConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the server closed the connection" }
}
