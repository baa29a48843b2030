import Prometheus

/// The journal's own measurements: commit latency and batch size (group commit at work).
public struct JournalMetrics: Sendable {
    let commitDuration: DurationHistogram
    let batchSize: ValueHistogram
    let failedCommits: Counter

    public init(registry: PrometheusCollectorRegistry) {
        commitDuration = registry.makeDurationHistogram(
            name: "readaudit_journal_commit_duration_seconds",
            labels: [],
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1)],
            help: "Time to commit one group of journal appends, fsync included")
        batchSize = registry.makeValueHistogram(
            name: "readaudit_journal_batch_size", labels: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
            help: "Events committed together by one fsync")
        failedCommits = registry.makeCounter(
            name: "readaudit_journal_commit_failures_total", labels: [],
            help: "Journal commits that failed; each failed the reads waiting on it with 503")
    }

    func recordCommit(duration: Duration, batchSize size: Int) {
        commitDuration.record(duration)
        batchSize.record(Double(size))
    }

    func recordFailedCommit() { failedCommits.increment() }
}

/// HTTP measurements by route template and outcome. Never an identifier in a label.
public struct GatewayMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    public let journal: JournalMetrics
    /// Every shipper's health, lag and counters.
    public let sinks: SinkMonitor

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.journal = JournalMetrics(registry: registry)
        self.sinks = SinkMonitor(registry: registry)
    }

    /// Records one finished request. `route` is the route template, `outcome` an audit outcome or a status class.
    func recordRequest(route: String, method: String, status: Int, outcome: String, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status)), ("outcome", outcome)]
        registry.makeCounter(name: "readaudit_http_requests_total", labels: labels, help: "HTTP requests handled").increment()
        registry.makeDurationHistogram(
            name: "readaudit_http_request_duration_seconds", labels: [("route", route), ("outcome", outcome)],
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
            help: "Time from request to response, audit commit included"
        ).record(duration)
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        var buffer = [UInt8]()
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
