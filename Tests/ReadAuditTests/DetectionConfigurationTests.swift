import Foundation
import ReadAudit
import ReadAuditTestSupport
import Testing

@Suite struct DetectionConfigurationTests {
    func load(_ yaml: String, environment: [String: String] = [:]) throws -> ReadAuditConfiguration {
        try ReadAuditConfiguration.load(yaml: yaml, environment: environment)
    }

    @Test func detectionAndRespondersAreReadWithTheirSecretFromTheEnvironment() throws {
        let configuration = try load("""
            detection:
              velocity: {threshold: 150, windowSeconds: 300}
              watchList: {customers: [vip-1, vip-2]}
              afterHours:
                teams:
                  eu: {timeZone: Europe/Berlin, hours: {mon: "08:00-12:00, 13:00-18:00"}}
                agents: {agent-1: eu}
            responders:
              rules: {velocity: [block, revoke, soar]}
              rateLimits: {revoke: {max: 5, perSeconds: 60}}
              soar: {url: "https://soar.example.com/hook", secret: {env: SOAR_SECRET}}
            """, environment: ["SOAR_SECRET": "s"])
        #expect(configuration.detection.velocity.threshold == 150)
        #expect(configuration.detection.velocity.windowSeconds == 300)
        #expect(configuration.detection.watchList.customers == ["vip-1", "vip-2"])
        #expect(configuration.detection.afterHours.teams["eu"]?.hours[0] == [480..<720, 780..<1080])
        #expect(configuration.detection.afterHours.agents["agent-1"] == "eu")
        #expect(configuration.responders.rules["velocity"] == ["block", "revoke", "soar"])
        #expect(configuration.responders.rateLimit("revoke") == .init(max: 5, perSeconds: 60))
        #expect(configuration.responders.soar?.secret.value == "s")
    }

    @Test func unknownKeysUnknownRespondersAndBadTimeZonesAreErrors() {
        #expect(throws: ConfigurationError.self) { try load("detection: {velocity: {treshold: 5}}") }
        #expect(throws: ConfigurationError.self) { try load("responders: {rules: {velocity: [email]}}") }
        #expect(throws: ConfigurationError.self) { try load("detection: {afterHours: {teams: {x: {timeZone: Mars/Base}}}}") }
        #expect(throws: ConfigurationError.self) { try load("detection: {afterHours: {agents: {a: nobody}}}") }
    }
}
