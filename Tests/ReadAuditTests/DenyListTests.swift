import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing
@testable import readaudit

/// The persistent deny list: durable, audited, and seen by a running gateway after a CLI block.
@Suite struct DenyListTests {
    @Test func aCLIBlockIsRefusedOnTheFirstReadAfterTheGatewayRereadsTheList() async throws {
        try await StubCRM().run { crm in
            let gateway = try await TestGateway.make(crmURL: crm.urlTemplate)
            defer { gateway.directory.remove() }
            try await gateway.application().test(.router) { client in
                #expect(try await GenesysScenarioTests.read(client).status == .ok)
                // The CLI is another process in production: its own store, journal writer and deny list.
                let command = try Agents.Block.parse([
                    "--data-dir", gateway.directory.path, "--agent", TestCredentials.agentId, "--reason", "snooping case 42",
                ])
                try await command.run()
                // What DenyListRefresher does every tick (1 s by default).
                try await gateway.denyList.reload()
                let refused = try await GenesysScenarioTests.read(client)
                #expect(refused.status == .forbidden)
                #expect(GenesysScenarioTests.errorCode(refused) == "agent_blocked")
            }
            let blocked = try #require(try await gateway.entries().map(\.event).first(where: { $0.action == .agentBlocked }))
            #expect(blocked.agent == TestCredentials.agentId && blocked.detail["reason"] == "snooping case 42")
            #expect(blocked.detail["by"]?.hasPrefix("cli:") == true)
        }
    }

    @Test func aBlockSurvivesARestartAndAnUnblockIsRecorded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try JournalStore(path: directory.file("journal.sqlite"))
        let agent = "AAAAAAAA-2222-4333-8444-555555555555"
        try await SQLiteJournal.withRunning(store: store, logger: .init(label: "test")) { journal in
            let list = try await SQLiteDenyList(store: store, journal: journal, node: "n", clock: ManualClock())
            #expect(try await list.block(BlockedAgent(agentId: agent, reason: "r", blockedBy: "test", blockedAt: ManualClock().now())))
        }
        let reopened = try JournalStore(path: directory.file("journal.sqlite"))
        try await SQLiteJournal.withRunning(store: reopened, logger: .init(label: "test")) { journal in
            let list = try await SQLiteDenyList(store: reopened, journal: journal, node: "n", clock: ManualClock())
            #expect(list.isBlocked(agent.lowercased()) && list.isBlocked(agent))
            #expect(try await list.all().map(\.agentId) == [agent.lowercased()])
            #expect(try await list.unblock(agent, by: "test"))
            #expect(try await list.unblock(agent, by: "test") == false)
            #expect(!list.isBlocked(agent))
        }
        let actions = try await reopened.entries(after: 0, limit: 100).map(\.event.action)
        #expect(actions == [.agentBlocked, .agentUnblocked])
    }
}
