import Crypto
import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

/// What every HTTP sink must do against its stub intake, through a real journal and shipper where it
/// matters. Each sink's suite runs these scenarios with its own stub and adapter.
struct HTTPSinkConformance<Rules: StubIntakeRules>: Sendable {
    typealias H = SinkTestHarness
    typealias Stub = StubIntake<Rules>

    /// How a scenario wants its adapter made.
    struct Options: Sendable {
        /// Replaces the stub's key or secret (a wrong one).
        var credential: String?
        var requestTimeout: Duration = .seconds(5)
        var exporter = EventExporter()
    }

    /// The sink's name: the key of its cursor.
    var name: String
    /// A stub that reads the time (where it does) from this clock.
    var stub: @Sendable (ManualClock) -> Stub
    /// The adapter, sending to the stub.
    var sink: @Sendable (Stub, Options) -> any AuditSink
    /// Where one received entry holds the customer id.
    var customer: @Sendable (JSONValue) -> JSONValue?

    /// Runs a stub that starts as `behaviour` and the sink's shipper on `store` while `body` runs; returns the
    /// stub with all it recorded.
    private func ship(
        _ store: JournalStore, behaviour: Stub.Behaviour = .healthy, options: Options = Options(),
        _ body: (SQLiteJournal, Stub) async throws -> Void
    ) async throws -> Stub {
        let clock = ManualClock()
        let stub = self.stub(clock)
        stub.behaviour = behaviour
        try await stub.run { stub in
            try await H.withShippers([sink(stub, options)], store: store, clock: clock) { journal in try await body(journal, stub) }
        }
        return stub
    }

    func everyEventArrivesExactlyOnceThroughTheShipper() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try H.store(in: directory, events: 40)
        let stub = try await ship(store) { journal, _ in
            try await H.shipped(store, sink: name)
            for index in 40..<45 { _ = try await journal.append(JournalTests.draft(index)) }
            try await H.shipped(store, sink: name)
        }
        let journalIDs = try await H.eventIDs(store)
        #expect(journalIDs.count == 45)
        #expect(stub.eventIDs == journalIDs)
    }

    func aFailureIsRetriedWithNoLoss(_ failure: Stub.Behaviour) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try H.store(in: directory, events: 20)
        let stub = try await ship(store, behaviour: failure) { _, stub in
            try await H.eventually("the shipper retried") { stub.requests.count >= 3 }
            #expect(try await store.cursor(sink: name) == nil)
            stub.behaviour = .healthy
            try await H.shipped(store, sink: name)
        }
        let journalIDs = try await H.eventIDs(store)
        #expect(stub.eventIDs == journalIDs)
    }

    /// The entry at `index` is refused for its content, alone and in every array that holds it.
    func aRefusedEventIsQuarantinedAndTheEventsAroundItArrive(index: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try H.store(in: directory, events: 20)
        let ids = try await H.eventIDs(store)
        let stub = try await ship(store, behaviour: .rejectEvent(ids[index])) { _, _ in try await H.shipped(store, sink: name) }
        let rejections = try await store.entries(after: 20, limit: 10).filter { $0.event.action == .sinkRejected }
        #expect(rejections.map { $0.event.detail["eventId"] } == [ids[index]])
        #expect(rejections.first?.event.detail["sink"] == name)
        // Everything else arrived exactly once and in order, the rejection record included.
        var expected = try await H.eventIDs(store)
        expected.remove(at: index)
        #expect(stub.eventIDs == expected)
    }

    /// A wrong key or secret is answered `status`: the shipper stops and says so, the cursor stays.
    func aRefusedCredentialStopsTheShipperRecordsDegradedAndKeepsTheCursor(status: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try H.store(in: directory, events: 10)
        let stub = try await ship(store, options: Options(credential: "wrong-credential")) { _, _ in
            try await H.eventually("audit.sink_degraded is recorded") {
                try await !H.eventIDs(store, action: .sinkDegraded).isEmpty
            }
        }
        #expect(stub.requests.map(\.status) == [status])
        #expect(stub.entries.isEmpty)
        #expect(try await store.cursor(sink: name) == nil)
        let degraded = try await store.entries(after: 10, limit: 10)
        #expect(degraded.map(\.event.action) == [.sinkDegraded])
        #expect(degraded.first?.event.detail["reason"]?.contains(String(status)) == true)
        #expect(degraded.first?.event.detail["reason"]?.contains("wrong-credential") == false)
    }

    func aHangingIntakeIsARetryOnceTheRequestTimesOut() async throws {
        try await stub(ManualClock()).run { stub in
            stub.behaviour = .hang
            let sink = self.sink(stub, Options(requestTimeout: .milliseconds(300)))
            let result = await sink.deliver(SinkBatch(entries: H.entries(3), now: H.eventTime))
            guard case .retry = result else { throw TestSupportError("expected a retry, got \(result)") }
            stub.behaviour = .healthy
            // The same intake answers again; a generous timeout here, so a loaded machine cannot fail it.
            let patient = self.sink(stub, Options(requestTimeout: .seconds(10)))
            #expect(await patient.deliver(SinkBatch(entries: H.entries(3), now: H.eventTime)) == .delivered)
        }
    }

    func pseudonymisedCustomerIdsNeverShowTheRawId() async throws {
        try await stub(ManualClock()).run { stub in
            let key = SymmetricKey(data: Data("pseudonym-key".utf8))
            let sink = self.sink(stub, Options(exporter: EventExporter(pseudonymKey: key)))
            #expect(await sink.deliver(SinkBatch(entries: H.entries(12), now: H.eventTime)) == .delivered)
            let body = String(decoding: try #require(stub.requests.first).body, as: UTF8.self)
            // A raw id would stand as "C-3" in JSON, or as \"C-3\" inside a JSON string.
            for index in 0..<12 { #expect(!body.contains("C-\(index)\"") && !body.contains("C-\(index)\\\"")) }
            #expect(stub.entries.map(customer) == (0..<12).map { .string(EventExporter.pseudonym(of: "C-\($0)", key: key)) })
        }
    }
}
