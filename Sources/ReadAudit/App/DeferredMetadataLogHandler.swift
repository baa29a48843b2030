import Logging

/// swift-log's `StreamLogHandler`, formatting its metadata only when a message is written.
///
/// `StreamLogHandler` re-renders all of its metadata each time a key is set. Hummingbird sets a request id
/// on every request's logger and AsyncHTTPClient one on every CRM call, so the audited read paid for that
/// rendering twice per request while logging nothing (the read path logs at debug). Output is unchanged.
public struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    /// Writes to standard error, like `StreamLogHandler.standardError(label:)`.
    public static func standardError(label: String) -> DeferredMetadataLogHandler {
        DeferredMetadataLogHandler(stream: StreamLogHandler.standardError(label: label))
    }

    init(stream: StreamLogHandler) { self.stream = stream }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        var stream = self.stream
        stream.metadata = metadata
        stream.log(level: level, message: message, metadata: explicit, source: source, file: file, function: function, line: line)
    }
}
