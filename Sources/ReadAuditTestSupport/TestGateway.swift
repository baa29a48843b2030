import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import ReadAudit

/// A gateway assembled by the real composition root over a real SQLite journal in a temporary directory.
public struct TestGateway: Sendable {
    public let directory: TemporaryDirectory
    public let configuration: ReadAuditConfiguration
    public let ports: GatewayPorts
    public let clock: ManualClock
    /// The gateway's persistent deny list (in the journal file).
    public let denyList: SQLiteDenyList

    public var journal: SQLiteJournal { ports.journal }
    public var store: JournalStore { ports.journal.store }

    /// Builds a gateway in front of `crm` (a URL template), with the test credential and `configure` applied.
    public static func make(
        crmURL: String, sinks: [ConfiguredSink] = [], configure: (inout ReadAuditConfiguration) -> Void = { _ in }
    ) async throws -> TestGateway {
        let directory = try TemporaryDirectory()
        var configuration = ReadAuditConfiguration(dataDirectory: directory.path)
        configuration.node = "test-node"
        configuration.port = 0
        // Generous: the whole suite runs in parallel on 2 cores; tests of timeouts set their own.
        configuration.crm = CRMConfiguration(urlTemplate: crmURL, connectTimeout: .seconds(3), readTimeout: .seconds(6))
        configuration.credentials = [TestCredentials.credential]
        configure(&configuration)
        let logger = Logger(label: "test-gateway")
        let metrics = GatewayMetrics()
        let store = try JournalStore(
            path: configuration.journalPath, busyTimeout: configuration.journalBusyTimeout, durability: configuration.journalDurability)
        let journal = try await SQLiteJournal(store: store, metrics: metrics.journal, logger: logger)
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: HTTPCustomerSource.clientConfiguration(for: configuration.crm))
        let clock = ManualClock()
        let denyList = try await SQLiteDenyList(store: store, journal: journal, node: configuration.node, clock: clock)
        let genesys = configuration.genesys.map { GenesysClient(configuration: $0, client: client, logger: logger) }
        let ports = GatewayPorts(
            journal: journal, customers: HTTPCustomerSource(configuration: configuration.crm, client: client, logger: logger),
            sinks: sinks, clock: clock, metrics: metrics, services: [HTTPClientService(client: client)], denyList: denyList,
            interactions: InteractionRegistry(directory: genesys, ttl: configuration.genesys?.conversationTTL ?? .seconds(30)),
            tokenRevoker: genesys)
        return TestGateway(directory: directory, configuration: configuration, ports: ports, clock: clock, denyList: denyList)
    }

    /// The application, from the production composition root.
    public func application() throws -> some ApplicationProtocol {
        try buildApplication(configuration: configuration, ports: ports, logger: Logger(label: "test-gateway"))
    }

    /// Every entry in the journal, oldest first.
    public func entries() async throws -> [JournalEntry] {
        try await store.entries(after: 0, limit: 1_000_000)
    }

    /// The customer-read events only.
    public func readEvents() async throws -> [AuditEventDraft] {
        try await entries().map(\.event).filter { $0.action == .customerRead }
    }
}
