import NIOSSL

/// The TLS side of SSL and SASL_SSL listeners, over swift-nio-ssl
/// (BoringSSL).
enum ServerTLS {
    /// Loads `ssl.keystore.location` (a PEM file with the certificate
    /// chain, leaf first, and the unencrypted private key) into a server
    /// context: TLS 1.2 and newer, no client certificates asked for.
    static func makeContext(keystore path: String) throws(ServerError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw .tls(path: path, reason: "no certificate could be read (\(error))")
        }
        guard !chain.isEmpty else { throw .tls(path: path, reason: "it holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: path, format: .pem)
        } catch {
            throw .tls(path: path, reason: "no private key could be read (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tls(path: path, reason: "the certificate and key do not make a TLS context (\(error))")
        }
    }
}
