import Foundation
import Logging

/// `readaudit demo`: the gateway on its embedded defaults, with the sample CRM, ready to curl.
public enum Demo {
    /// The demo credential's name.
    public static let credentialName = "genesys-demo"

    /// A demo configuration and the fresh key of its one credential (printed, never stored).
    public static func configuration(dataDirectory: String, gatewayPort: Int, crmPort: Int) -> (ReadAuditConfiguration, key: String) {
        var configuration = ReadAuditConfiguration(dataDirectory: dataDirectory)
        configuration.node = "demo"
        configuration.port = gatewayPort
        configuration.crm = CRMConfiguration(urlTemplate: "http://127.0.0.1:\(crmPort)/customers/{customerId}")
        let key = CallerCredential.generateKey()
        configuration.credentials = [
            CallerCredential(name: credentialName, keyHash: CallerCredential.parseHash(CallerCredential.hashText(ofKey: key))!)
        ]
        return (configuration, key)
    }

    /// The banner with ready-to-paste commands.
    public static func banner(configuration: ReadAuditConfiguration, key: String) -> String {
        let base = "http://\(configuration.host):\(configuration.port)"
        let customer = SampleCRM.customerIds.first ?? "C-100001"
        let body = #"{"customerId":"\#(customer)","agentId":"6f1c2a9e-3b4d-4c5e-8f70-1a2b3c4d5e6f","interactionId":"0b7e5a1c-2d3f-4a5b-9c6d-7e8f9a0b1c2d"}"#
        return """

            ReadAudit demo is running.
              gateway:     \(base)   (journal: \(configuration.journalPath))
              sample CRM:  \(configuration.crm.urlTemplate.replacingOccurrences(of: "/{customerId}", with: "/"))  (\(SampleCRM.customerIds.count) fictitious customers, \(SampleCRM.customerIds.first ?? "")…\(SampleCRM.customerIds.last ?? ""))
              audit copy:  \(configuration.resolve("audit.jsonl"))

            Read a customer through the gateway (a masked record and an Audit-Event-Id header):

              curl -i -X POST \(base)/v1/customer-data \\
                -H 'Authorization: Bearer \(key)' \\
                -H 'Content-Type: application/json' \\
                -d '\(body)'

            Then: swift run readaudit verify --data-dir \(configuration.dataDirectory)
                  swift run readaudit report --data-dir \(configuration.dataDirectory) --customer \(customer)

            The demo key above is new each run and lives only in this process. Ctrl-C stops the demo.

            """
    }
}
