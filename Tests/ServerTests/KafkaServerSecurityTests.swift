import Foundation
import KafkaProtocol
import Logging
import Testing
import TestKit
@testable import Server

/// A server with a PLAINTEXT, a SASL_PLAINTEXT and (with certificates) an
/// SSL listener, and user "user" with password "pencil".
final class SecureServer {
    let scratch: TemporaryDirectory
    let running: RunningServer

    init(tls: Bool = false, configure: (inout ServerConfig) -> Void = { _ in }) async throws {
        let scratch = try TemporaryDirectory(prefix: "secure-server")
        var users = CredentialsFile()
        try users.set("user", ScramCredential.make(password: "pencil"))
        try users.write(path: scratch.file("users.json"))
        let certificates = tls ? try TestCertificates(in: scratch) : nil
        running = try await RunningServer { config in
            config.listeners = [
                Listener(.plaintext, host: "127.0.0.1", port: 0), Listener(.saslPlaintext, host: "127.0.0.1", port: 0),
            ]
            if let certificates {
                config.listeners.append(Listener(.ssl, host: "127.0.0.1", port: 0))
                config.security.keystoreLocation = certificates.keystore
            }
            config.security.credentialsFile = scratch.file("users.json")
            config.security.saslMechanisms = [.plain, .scramSHA256]
            configure(&config)
        }
        self.scratch = scratch
    }

    func port(_ securityProtocol: SecurityProtocol) -> Int {
        running.server.boundListeners.first { $0.securityProtocol == securityProtocol }!.port
    }
}

func requestFrame(_ api: ApiKey, _ version: Int16, _ body: [String: ProtocolValue], correlationId: Int32 = 1) -> [UInt8] {
    Request(
        header: RequestHeader(apiKey: api.rawValue, apiVersion: version, correlationId: correlationId, clientId: "t"), api: api,
        body: ProtocolStruct(body)
    ).encodeFrame()
}

func responseBody(_ frame: [UInt8], _ api: ApiKey, _ version: Int16) throws -> ProtocolStruct {
    try Response.decode(frame: frame, api: api, version: version).body
}

@Suite(.serialized, .timeLimit(.minutes(2))) struct KafkaServerSecurityTests {
    let metadataV1 = requestFrame(.metadata, 1, ["Topics": .null])
    let produceV3 = requestFrame(
        .produce, 3,
        ["TransactionalId": .null, "Acks": .int(1), "TimeoutMs": .int(1000), "TopicData": .array([])])

    @Test func requestsBeforeTheLoginCloseTheConnection() async throws {
        let secure = try await SecureServer()
        for frame in [metadataV1, produceV3] {
            let client = try TestSocket(port: secure.port(.saslPlaintext))
            try client.send(frame)
            #expect(try await offPool { try client.receiveFrame() } == nil)
        }
        // The same requests are answered on the PLAINTEXT listener.
        let plain = try TestSocket(port: secure.port(.plaintext))
        try plain.send(metadataV1)
        #expect(try await offPool { try plain.receiveFrame() } != nil)
        #expect(try secure.running.fixture.data.topics.filter { !$0.hasPrefix("__") }.isEmpty)
        try await secure.running.stop()
    }

    /// A size prefix above `sasl.server.max.receive.size` (though below
    /// `socket.request.max.bytes`) or a huge one closes the connection
    /// before the handshake, without the server buffering it.
    @Test func aHugeSizePrefixBeforeTheLoginCloses() async throws {
        let secure = try await SecureServer()
        for size in [Int32.max, Int32(1 << 20)] {
            let client = try TestSocket(port: secure.port(.saslPlaintext))
            // The prefix and a little of the promised body: nothing more comes.
            try client.send(withUnsafeBytes(of: size.bigEndian, Array.init) + [0, 18, 0, 0])
            #expect(try await offPool { try client.receiveFrame() } == nil)
        }
        // The server still serves.
        let again = try TestSocket(port: secure.port(.saslPlaintext))
        try again.send(apiVersionsFrame(correlationId: 4))
        #expect(try await offPool { try again.receiveFrame() } != nil)
        try await secure.running.stop()
    }

    @Test func theSaslApisAreAdvertisedOnSaslListenersOnly() async throws {
        let secure = try await SecureServer()
        func advertised(_ port: Int) async throws -> Set<Int16> {
            let client = try TestSocket(port: port)
            try client.send(apiVersionsFrame(correlationId: 1))
            let frame = try #require(try await offPool { try client.receiveFrame() })
            return Set(try responseBody(frame, .apiVersions, 0).structs("ApiKeys").map { Int16($0.int("ApiKey")) })
        }
        let sasl: Set<Int16> = [ApiKey.saslHandshake.rawValue, ApiKey.saslAuthenticate.rawValue]
        #expect(try await advertised(secure.port(.saslPlaintext)).isSuperset(of: sasl))
        #expect(try await advertised(secure.port(.plaintext)).isDisjoint(with: sasl))
        try await secure.running.stop()
    }

    /// After a PLAIN login, Metadata on the SASL listener advertises that
    /// listener's port, not the PLAINTEXT one.
    @Test func metadataAdvertisesTheListenerTheClientCameIn() async throws {
        let secure = try await SecureServer()
        let client = try TestSocket(port: secure.port(.saslPlaintext))
        try client.send(requestFrame(.saslHandshake, 1, ["Mechanism": .string("PLAIN")]))
        let handshake = try #require(try await offPool { try client.receiveFrame() })
        #expect(try responseBody(handshake, .saslHandshake, 1).int("ErrorCode") == 0)
        try client.send(requestFrame(.saslAuthenticate, 1, ["AuthBytes": .bytes(Array("\u{0}user\u{0}pencil".utf8)[...])]))
        let login = try #require(try await offPool { try client.receiveFrame() })
        #expect(try responseBody(login, .saslAuthenticate, 1).int("ErrorCode") == 0)
        try client.send(metadataV1)
        let metadata = try #require(try await offPool { try client.receiveFrame() })
        let broker = try #require(try responseBody(metadata, .metadata, 1).structs("Brokers").first)
        #expect(broker.int("Port") == Int64(secure.port(.saslPlaintext)))
        try await secure.running.stop()
    }

    @Test func aWrongPasswordGetsError58AndTheConnectionCloses() async throws {
        let secure = try await SecureServer()
        let client = try TestSocket(port: secure.port(.saslPlaintext))
        try client.send(requestFrame(.saslHandshake, 1, ["Mechanism": .string("PLAIN")]))
        _ = try await offPool { try client.receiveFrame() }
        try client.send(requestFrame(.saslAuthenticate, 1, ["AuthBytes": .bytes(Array("\u{0}user\u{0}pen".utf8)[...])]))
        let answer = try #require(try await offPool { try client.receiveFrame() })
        #expect(try responseBody(answer, .saslAuthenticate, 1).int("ErrorCode") == Int64(ErrorCode.saslAuthenticationFailed.rawValue))
        #expect(try await offPool { try client.receiveFrame() } == nil)
        try await secure.running.stop()
    }

    /// `max.connections.per.ip` holds on a SASL listener too, counting
    /// connections that have not logged in.
    @Test func theConnectionLimitHoldsBeforeTheLogin() async throws {
        let secure = try await SecureServer { $0.connectionsPerAddressMax = 1 }
        let first = try TestSocket(port: secure.port(.saslPlaintext))
        try first.send(apiVersionsFrame(correlationId: 1))
        #expect(try await offPool { try first.receiveFrame() } != nil)
        let second = try TestSocket(port: secure.port(.saslPlaintext))
        try second.send(apiVersionsFrame(correlationId: 2))
        #expect(try await offPool { try second.receiveFrame() } == nil)
        try await secure.running.stop()
    }

    /// A client that speaks plain Kafka to a TLS port is disconnected (its
    /// bytes are not a TLS handshake); the server goes on serving.
    @Test func aPlaintextClientOnTheTLSPortIsDisconnected() async throws {
        let secure = try await SecureServer(tls: true)
        let client = try TestSocket(port: secure.port(.ssl))
        try client.send(apiVersionsFrame(correlationId: 1))
        // Whatever TLS answers (an alert, or nothing), no Kafka response
        // comes and the connection ends.
        let received = try await offPool { () -> [UInt8] in
            var bytes: [UInt8] = []
            while let byte = try client.receive(1) { bytes += byte }
            return bytes
        }
        #expect(received.count < 64)
        #expect(received.first != 0)  // not a Kafka size prefix of a small response
        let plain = try TestSocket(port: secure.port(.plaintext))
        try plain.send(apiVersionsFrame(correlationId: 2))
        #expect(try await offPool { try plain.receiveFrame() } != nil)
        try await secure.running.stop()
    }
}
