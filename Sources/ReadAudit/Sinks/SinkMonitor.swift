import Prometheus
import Synchronization

/// What every shipper reports about its sink: health for `/readyz`, counters and lag for `/metrics`.
public final class SinkMonitor: Sendable {
    /// One sink's latest state.
    public struct Status: Sendable, Equatable {
        public var health: ShipperStateMachine.Health
        public var cursor: Int64
        public var lastError: String?
    }

    private let registry: PrometheusCollectorRegistry
    private let statuses = Mutex<[String: Status]>([:])

    public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Every sink's state, by name.
    public var all: [String: Status] { statuses.withLock { $0 } }

    func update(sink: String, health: ShipperStateMachine.Health, cursor: Int64, lastError: String?) {
        statuses.withLock { $0[sink] = Status(health: health, cursor: cursor, lastError: lastError) }
        let code: Int64 = switch health {
        case .healthy: 0
        case .retrying: 1
        case .degraded: 2
        case .stopped: 3
        }
        registry.makeGauge(name: "readaudit_sink_state", labels: [("sink", sink)],
                           help: "0 healthy, 1 retrying, 2 degraded, 3 stopped").record(code)
    }

    func recordLag(sink: String, events: Int64, seconds: Double) {
        registry.makeGauge(name: "readaudit_sink_lag_events", labels: [("sink", sink)],
                           help: "Journal entries not yet accepted by the sink").record(events)
        registry.makeGauge(name: "readaudit_sink_lag_seconds", labels: [("sink", sink)],
                           help: "Age of the oldest entry not yet accepted by the sink").record(seconds)
    }

    func countDelivered(sink: String, _ count: Int) {
        registry.makeCounter(name: "readaudit_sink_delivered_total", labels: [("sink", sink)],
                             help: "Events accepted by the sink").increment(by: Int64(count))
    }

    func countRetry(sink: String) {
        registry.makeCounter(name: "readaudit_sink_retries_total", labels: [("sink", sink)],
                             help: "Failed deliveries that will be retried").increment()
    }

    func countQuarantined(sink: String) {
        registry.makeCounter(name: "readaudit_sink_quarantined_total", labels: [("sink", sink)],
                             help: "Events the sink refused for their content, recorded and skipped").increment()
    }
}
