import Hummingbird
import Logging

/// The demo's built-in CRM: `GET /customers/{id}` over the sample customers, on its own port, so the
/// demo gateway reaches it through the same HTTP client a real deployment uses.
public enum SampleCRM {
    /// The sample records by customer id, as raw JSON bytes.
    static let records: [String: [UInt8]] = {
        guard case .array(let items) = try! JSONParser.parse(Array(SampleCustomers.json.utf8)) else { return [:] }
        var out: [String: [UInt8]] = [:]
        for item in items {
            guard case .object(let members) = item, case .string(let id)? = members.first(where: { $0.0 == "customerId" })?.1 else { continue }
            var json = JSONText()
            item.write(to: &json)
            out[id] = json.bytes
        }
        return out
    }()

    /// The sample customer ids, sorted.
    public static var customerIds: [String] { records.keys.sorted() }

    /// The CRM as an application to run beside the gateway.
    public static func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/customers/:id") { _, context -> Response in
            guard let id = context.parameters.get("id"), let record = records[id] else {
                return Response(status: .notFound, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"error":"not found"}"#)))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: record)))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sample-crm"), logger: logger)
    }
}
