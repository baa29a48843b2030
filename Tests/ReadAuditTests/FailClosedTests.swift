import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ReadAudit
import ReadAuditTestSupport
import Testing

/// When the journal cannot commit, no record byte leaves the gateway; when it can again, reads resume.
@Suite struct FailClosedTests {
    @Test func readsFailClosedWhileTheJournalIsUnwritableAndResumeWithoutARestart() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate) {
                $0.journalBusyTimeout = .milliseconds(100)
            }
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                func read() async throws -> TestResponse {
                    try await client.execute(
                        uri: "/v1/customer-data", method: .post,
                        headers: [.authorization: TestCredentials.bearer, .contentType: "application/json"],
                        body: ByteBuffer(string: TestCredentials.body(customerId: "C-1")))
                }
                #expect(try await read().status == .ok)

                // Another connection takes the database's write lock and holds it: the journal cannot commit.
                let lock = try ExclusiveLock(path: gateway.configuration.journalPath)

                let refused = try await read()
                #expect(refused.status == .serviceUnavailable)
                let body = String(buffer: refused.body)
                #expect(body.contains(#""code":"audit_unavailable""#))
                #expect(!body.contains("Ada") && !body.contains("3456") && !body.contains("7899"))
                #expect(refused.headers[HTTPField.Name("Audit-Event-Id")!] == nil)
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .serviceUnavailable)

                lock.release()

                #expect(try await read().status == .ok)
                #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            }
            // The refused read reached the CRM but was never recorded as served; the chain is intact.
            let served = try await gateway.readEvents().filter { $0.outcome == .served }
            #expect(served.count == 2)
            #expect(try await JournalVerification.verify(gateway.store).isIntact)
        }
    }
}

/// Holds SQLite's exclusive lock on a database from another connection, on its own thread, until released.
final class ExclusiveLock: @unchecked Sendable {
    private let locked = DispatchSemaphore(value: 0)
    private let releaseSignal = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        Thread.detachNewThread { [locked, releaseSignal, done] in
            try? queue.writeWithoutTransaction { db in
                try db.inTransaction(.exclusive) {
                    locked.signal()
                    releaseSignal.wait()
                    return .rollback
                }
            }
            try? queue.close()
            done.signal()
        }
        locked.wait()
    }

    func release() {
        releaseSignal.signal()
        done.wait()
    }
}
