import ReadAudit

/// Datadog's logs intake v2, which cannot run here, as a real HTTP server on loopback (see `StubIntake`).
public typealias StubDatadog = StubIntake<DatadogIntakeRules>

/// What Datadog's logs intake demands: `POST /api/v2/logs` with the right `DD-API-KEY` (403 otherwise), gzip
/// allowed, at most 1000 entries and 5 MB uncompressed per array (413 otherwise), 202 when taken.
public struct DatadogIntakeRules: StubIntakeRules {
    /// The one key it takes.
    public let apiKey: String
    public var path: String { "/api/v2/logs" }
    public var acceptedStatus: Int { 202 }
    public var maxEntries: Int { 1000 }
    public var maxBytes: Int { 5_000_000 }

    public func refusal(headers: [String: String], body: [UInt8]) -> Int? {
        headers["dd-api-key"] == apiKey ? nil : 403
    }

    public func eventID(of entry: JSONValue) -> String? { entry[member: "event_id"]?.stringValue }
}

extension StubIntake where Rules == DatadogIntakeRules {
    /// A Datadog intake that takes `apiKey`.
    public convenience init(apiKey: String) {
        self.init(rules: DatadogIntakeRules(apiKey: apiKey))
    }

    /// The sink's settings for this stub (its `url` override) with `apiKey`.
    public func sinkConfiguration(apiKey: String? = nil, gzip: Bool = true, requestTimeout: Duration = .seconds(5)) -> DatadogSinkConfiguration {
        DatadogSinkConfiguration(url: baseURL, apiKey: Secret(apiKey ?? rules.apiKey), gzip: gzip, requestTimeout: requestTimeout)
    }
}
