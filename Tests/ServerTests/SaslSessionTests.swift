import Foundation
import KafkaProtocol
import Testing
import TestKit
@testable import Server

/// The request gate of SASL listeners, frame by frame without sockets.
@Suite struct SaslSessionTests {
    let directory: TemporaryDirectory
    let credentials: CredentialStore

    init() throws {
        directory = try TemporaryDirectory(prefix: "sasl-session")
        var file = CredentialsFile()
        try file.set("user", ScramTests.pencil)
        try file.write(path: directory.file("users.json"))
        credentials = try CredentialStore(path: directory.file("users.json"))
    }

    func session(_ mechanisms: [SaslMechanism] = [.plain, .scramSHA256]) -> SaslSession {
        SaslSession(
            listener: Listener(.saslPlaintext, host: "127.0.0.1", port: 9093), mechanisms: mechanisms,
            credentials: credentials, serverNonce: { ScramTests.serverNonce })
    }

    static func frame(_ api: ApiKey, _ version: Int16, _ body: [String: ProtocolValue], correlationId: Int32 = 5) -> [UInt8] {
        Array(
            Request(
                header: RequestHeader(apiKey: api.rawValue, apiVersion: version, correlationId: correlationId, clientId: "t"),
                api: api, body: ProtocolStruct(body)
            ).encodeFrame().dropFirst(4))
    }

    static func derive(_ work: @escaping @Sendable () -> SaslSession.Authentication) async -> SaslSession.Authentication {
        work()
    }

    static func body(_ bytes: [UInt8], _ api: ApiKey, _ version: Int16) throws -> ProtocolStruct {
        try Response.decode(frame: Array(bytes.dropFirst(4)), api: api, version: version).body
    }

    func handshake(_ session: inout SaslSession, _ mechanism: String, version: Int16 = 1) async throws -> ProtocolStruct? {
        guard case .respond(let bytes) = await session.handle(
            frame: Self.frame(.saslHandshake, version, ["Mechanism": .string(mechanism)]), derive: Self.derive)
        else { return nil }
        return try Self.body(bytes, .saslHandshake, version)
    }

    func authenticate(_ session: inout SaslSession, _ token: String, version: Int16 = 2) async -> SaslSession.Decision {
        await session.handle(
            frame: Self.frame(.saslAuthenticate, version, ["AuthBytes": .bytes(Array(token.utf8)[...])]), derive: Self.derive)
    }

    @Test func scramOverSaslAuthenticateLogsIn() async throws {
        var session = session()
        #expect(await session.handle(frame: Self.frame(.apiVersions, 3, [:]), derive: Self.derive) == .forward)
        let handshake = try #require(try await handshake(&session, "SCRAM-SHA-256"))
        #expect(handshake.int("ErrorCode") == 0)
        #expect(handshake["Mechanisms"] == .array([.string("PLAIN"), .string("SCRAM-SHA-256")]))
        guard case .respond(let first) = await authenticate(&session, ScramTests.clientFirst) else {
            Issue.record("client-first refused")
            return
        }
        #expect(try Self.body(first, .saslAuthenticate, 2)["AuthBytes"] == .bytes(Array(ScramTests.serverFirst.utf8)[...]))
        #expect(session.user == nil)
        guard case .respond(let final) = await authenticate(&session, ScramTests.clientFinal) else {
            Issue.record("client-final refused")
            return
        }
        #expect(try Self.body(final, .saslAuthenticate, 2)["AuthBytes"] == .bytes(Array(ScramTests.serverFinal.utf8)[...]))
        #expect(session.user == "user")
        // Logged in: every request goes to the broker.
        #expect(await session.handle(frame: Self.frame(.metadata, 1, ["Topics": .null]), derive: Self.derive) == .forward)
    }

    @Test func plainLogsInAndAWrongPasswordGetsError58ThenClose() async throws {
        var good = session()
        _ = try await handshake(&good, "PLAIN")
        guard case .respond(let ok) = await authenticate(&good, "\u{0}user\u{0}pencil", version: 1) else {
            Issue.record("PLAIN with the right password refused")
            return
        }
        #expect(try Self.body(ok, .saslAuthenticate, 1).int("ErrorCode") == 0)
        #expect(good.user == "user")

        for token in ["\u{0}user\u{0}pencils", "\u{0}nobody\u{0}pencil", "user\u{0}user", "other\u{0}user\u{0}pencil"] {
            var bad = session()
            _ = try await handshake(&bad, "PLAIN")
            guard case .respondAndClose(let answer, let reason) = await authenticate(&bad, token, version: 1) else {
                Issue.record("\(token.debugDescription) was not refused")
                continue
            }
            let body = try Self.body(answer, .saslAuthenticate, 1)
            #expect(body.int("ErrorCode") == Int64(ErrorCode.saslAuthenticationFailed.rawValue))
            #expect(body.string("ErrorMessage")?.contains("Authentication failed") == true)
            #expect(reason.contains("PLAIN"))
            #expect(bad.user == nil)
        }
    }

    @Test func anUnsupportedMechanismGetsError33WithTheEnabledList() async throws {
        var session = session([.scramSHA256])
        guard case .respondAndClose(let answer, _) = await session.handle(
            frame: Self.frame(.saslHandshake, 1, ["Mechanism": .string("PLAIN")]), derive: Self.derive)
        else {
            Issue.record("a disabled mechanism was accepted")
            return
        }
        let body = try Self.body(answer, .saslHandshake, 1)
        #expect(body.int("ErrorCode") == Int64(ErrorCode.unsupportedSaslMechanism.rawValue))
        #expect(body["Mechanisms"] == .array([.string("SCRAM-SHA-256")]))
    }

    @Test func requestsBeforeTheLoginClose() async throws {
        for (api, version, body) in [
            (ApiKey.metadata, Int16(1), ["Topics": ProtocolValue.null]),
            (.produce, 3, ["TransactionalId": .null, "Acks": .int(1), "TimeoutMs": .int(1000), "TopicData": .array([])]),
        ] {
            var session = session()
            guard case .close(let reason) = await session.handle(frame: Self.frame(api, version, body), derive: Self.derive) else {
                Issue.record("\(api) before the login was not refused")
                continue
            }
            #expect(reason.contains("before SASL authentication"))
            // Also between the handshake and the login.
            var halfway = self.session()
            _ = try await handshake(&halfway, "PLAIN")
            guard case .close = await halfway.handle(frame: Self.frame(api, version, body), derive: Self.derive) else {
                Issue.record("\(api) between handshake and login was not refused")
                continue
            }
        }
        var early = session()
        guard case .close = await authenticate(&early, "\u{0}user\u{0}pencil") else {
            Issue.record("SaslAuthenticate before SaslHandshake was answered")
            return
        }
    }

    /// SaslHandshake v0 (kafka-python 2.0): the tokens come raw, each with
    /// a size prefix and no request header.
    @Test func handshakeV0TakesRawTokens() async throws {
        var session = session()
        _ = try await handshake(&session, "SCRAM-SHA-256", version: 0)
        guard case .respond(let first) = await session.handle(frame: Array(ScramTests.clientFirst.utf8), derive: Self.derive)
        else {
            Issue.record("raw client-first refused")
            return
        }
        #expect(first == SaslSession.rawFrame(Array(ScramTests.serverFirst.utf8)))
        guard case .respond(let final) = await session.handle(frame: Array(ScramTests.clientFinal.utf8), derive: Self.derive)
        else {
            Issue.record("raw client-final refused")
            return
        }
        #expect(final == SaslSession.rawFrame(Array(ScramTests.serverFinal.utf8)))
        #expect(session.user == "user")
    }
}
