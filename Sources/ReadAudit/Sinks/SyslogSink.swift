import Logging
import NIOPosix

/// Syslog over TCP or TLS: one RFC 5424 message per event (structured data plus the export JSON, or
/// CEF), octet-counting framing, one long-lived connection reopened after a failure.
///
/// TCP syslog has no acknowledgement. An entry counts as accepted once its frame was written and flushed
/// to the connection (into the kernel's socket, through TLS when configured); a server that dies right
/// after may still lose what it had not processed. This is the best signal RFC 6587 / RFC 5425 give.
/// Each event carries its stable id, so a re-sent batch can be de-duplicated by the SIEM.
public final class SyslogSink: AuditSink {
    public let name: String
    let formatter: SyslogFormatter
    let limits: SinkBatchLimits
    let connection: SyslogConnection
    let logger: Logger

    /// A sink that connects on its first delivery (never in the initializer); `node` is the HOSTNAME
    /// when the configuration names none.
    public init(
        name: String, configuration: SyslogSinkConfiguration, node: String, limits: SinkBatchLimits, exporter: EventExporter,
        logger: Logger
    ) {
        self.name = name
        self.formatter = SyslogFormatter(configuration: configuration, node: node, exporter: exporter)
        self.limits = limits
        var logger = logger
        logger[metadataKey: "sink"] = "\(name)"
        self.connection = SyslogConnection(configuration: configuration, group: .singleton, logger: logger)
        self.logger = logger
    }

    /// Writes the batch's frames in bursts of at most `limits.maxBytes`, each flushed and awaited before
    /// the next. A failure answers `retry` (or `rejected` for a certificate problem) when nothing was
    /// written, else `partial` with the entries written before it.
    public func deliver(_ batch: SinkBatch) async -> DeliveryResult {
        let frames = batch.entries.map { formatter.frame($0, now: batch.now) }
        var written = 0
        for range in RequestSplitter.ranges(sizes: frames.map(\.count), maxBytes: limits.maxBytes) {
            let outcome = await connection.send(frames[range])
            written += outcome.written
            if let failure = outcome.failure {
                return Self.result(written: written, failure: failure)
            }
        }
        return .delivered
    }

    /// Closes the connection; the next delivery opens a new one.
    public func close() async {
        await connection.close()
    }

    /// The classification of a burst that failed after `written` entries of the batch went out.
    public static func result(written: Int, failure: SyslogFailure) -> DeliveryResult {
        guard written == 0 else { return .partial(accepted: written, quarantined: nil) }
        switch failure {
        case .transient(let reason): return .retry(reason: reason)
        case .refused(let reason): return .rejected(reason: reason)
        }
    }
}
