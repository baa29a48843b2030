import NIOSSL

extension TLSSettings {
    /// The listener's NIOSSL configuration: TLS 1.2 or later, the chain and key from their PEM files, and, with
    /// `clientCAFile`, client certificates checked against that CA only (required or optional).
    public func serverConfiguration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ConfigurationError("tls.certificate: cannot read a PEM certificate chain from \(certificateFile) (\(error))")
        }
        guard !chain.isEmpty else { throw ConfigurationError("tls.certificate: \(certificateFile) holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            // The key's bytes never reach the log, only its path.
            throw ConfigurationError("tls.key: cannot read a PEM private key from \(keyFile)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAFile {
            configuration.trustRoots = .file(clientCAFile)
            configuration.certificateVerification = requireClientCertificate ? .noHostnameVerification : .optionalVerification
            configuration.sendCANameList = true
        }
        return configuration
    }
}
