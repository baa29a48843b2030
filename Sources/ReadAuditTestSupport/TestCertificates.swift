import Foundation

/// A throw-away PKI made with the `openssl` command: a CA, a server certificate for the name `localhost`
/// (and no IP address, so a client must check the name), a client certificate, and an unrelated CA that
/// signed none of them. EC P-256 keys, valid two days.
public struct TestCertificates: Sendable {
    /// The CA that signed the server and client certificates.
    public let caFile: String
    /// The server's certificate (DNS name `localhost`) and key.
    public let serverCertificateFile: String
    public let serverKeyFile: String
    /// A client certificate (for mutual TLS) and its key.
    public let clientCertificateFile: String
    public let clientKeyFile: String
    /// A CA that signed nothing here: trusting only it makes every certificate above untrusted.
    public let otherCAFile: String

    /// Writes the PKI into `directory`.
    public init(in directory: String) async throws {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        caFile = path("ca.pem")
        serverCertificateFile = path("server.pem")
        serverKeyFile = path("server-key.pem")
        clientCertificateFile = path("client.pem")
        clientKeyFile = path("client-key.pem")
        otherCAFile = path("other-ca.pem")
        let caKey = path("ca-key.pem")
        let caExtensions = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        try await Self.openssl(["req", "-x509"] + Self.newKey(caKey) + ["-out", caFile, "-days", "2", "-subj", "/CN=ReadAudit Test CA"] + caExtensions)
        try await Self.openssl(["req", "-x509"] + Self.newKey(path("other-ca-key.pem")) + ["-out", otherCAFile, "-days", "2", "-subj", "/CN=Unrelated Test CA"] + caExtensions)
        try await Self.issue(
            name: "localhost", key: serverKeyFile, certificate: serverCertificateFile, caFile: caFile, caKey: caKey,
            extensions: "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n", directory: directory)
        try await Self.issue(
            name: "readaudit-client", key: clientKeyFile, certificate: clientCertificateFile, caFile: caFile, caKey: caKey,
            extensions: "subjectAltName=DNS:readaudit-client\nextendedKeyUsage=clientAuth\n", directory: directory)
    }

    /// One PKI for the whole test process, made on first use: openssl runs seven times instead of seven
    /// times per daemon. It lives in a temporary directory (under `READAUDIT_TEST_TMP` with scripts/test.sh,
    /// which removes it).
    public static func shared() async throws -> TestCertificates {
        try await SharedTestCertificates.instance.certificates()
    }

    private static func newKey(_ keyFile: String) -> [String] {
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyFile]
    }

    private static func issue(
        name: String, key: String, certificate: String, caFile: String, caKey: String, extensions: String, directory: String
    ) async throws {
        let request = certificate + ".csr"
        let extensionFile = certificate + ".ext"
        try await Self.openssl(["req"] + newKey(key) + ["-out", request, "-subj", "/CN=\(name)"])
        try ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" + extensions)
            .write(toFile: extensionFile, atomically: true, encoding: .utf8)
        try await Self.openssl([
            "x509", "-req", "-in", request, "-CA", caFile, "-CAkey", caKey, "-CAcreateserial", "-out", certificate, "-days", "2",
            "-extfile", extensionFile,
        ])
    }

    /// Runs `openssl` and fails with its output when it does.
    static func openssl(_ arguments: [String]) async throws {
        guard let executable = findExecutable("openssl", in: ["/usr/bin", "/bin", "/usr/local/bin"]) else {
            throw TestSupportError("openssl is not installed: the TLS tests need Debian's openssl package (scripts/test.sh installs it)")
        }
        let result = try await ChildProcess.run(executable, arguments)
        guard result.status == 0 else {
            throw TestSupportError("openssl \(arguments.prefix(2).joined(separator: " ")) failed (\(result.status)): \(result.output)")
        }
    }
}

/// Makes the shared PKI once, even when many tests ask for it at the same time.
private actor SharedTestCertificates {
    static let instance = SharedTestCertificates()
    private var making: Task<TestCertificates, any Error>?

    func certificates() async throws -> TestCertificates {
        if let making { return try await making.value }
        let task = Task { try await TestCertificates(in: try TemporaryDirectory().path) }
        making = task
        return try await task.value
    }
}

/// The first executable named `name` in `directories`, then in `PATH`.
func findExecutable(_ name: String, in directories: [String]) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
    return (directories + path).map { ($0 as NSString).appendingPathComponent(name) }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
}
