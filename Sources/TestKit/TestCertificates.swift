import Foundation

/// A throwaway certificate authority and a server certificate for
/// 127.0.0.1 and localhost, made with Debian's `openssl` in a test's
/// directory (scripts/bootstrap.sh installs it): what TLS listeners are
/// tested with. Nothing is committed; every run makes new keys.
public struct TestCertificates: Sendable {
    /// The CA certificate clients trust (`ssl.ca.location`).
    public let authority: String
    /// The server's certificate chain and private key in one PEM file
    /// (`ssl.keystore.location`).
    public let keystore: String

    public init(in directory: TemporaryDirectory) throws {
        let openssl = "/usr/bin/openssl"
        guard FileManager.default.isExecutableFile(atPath: openssl) else {
            throw Failure(description: "openssl is not installed; run scripts/bootstrap.sh (it installs Debian's openssl)")
        }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let extensions = try directory.write(
            "server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        let steps: [[String]] = [
            ["req", "-x509"] + key + [
                "-keyout", directory.file("ca.key"), "-out", directory.file("ca.pem"), "-days", "2",
                "-subj", "/CN=streamhost test CA",
            ],
            ["req"] + key + ["-keyout", directory.file("server.key"), "-out", directory.file("server.csr"), "-subj", "/CN=localhost"],
            [
                "x509", "-req", "-in", directory.file("server.csr"), "-CA", directory.file("ca.pem"), "-CAkey",
                directory.file("ca.key"), "-CAcreateserial", "-out", directory.file("server.pem"), "-days", "2",
                "-extfile", extensions,
            ],
        ]
        for arguments in steps {
            let outcome = try ProcessRunner.run(openssl, arguments, timeoutSeconds: 60)
            guard outcome.status == 0 else {
                throw Failure(description: "openssl \(arguments.joined(separator: " ")) failed: \(outcome.standardError)")
            }
        }
        let chain = try String(contentsOfFile: directory.file("server.pem"), encoding: .utf8)
        let privateKey = try String(contentsOfFile: directory.file("server.key"), encoding: .utf8)
        authority = directory.file("ca.pem")
        keystore = try directory.write("keystore.pem", chain + privateKey)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }
}
