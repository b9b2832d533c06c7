import Foundation
import Testing
import TestKit
@testable import Server

/// SCRAM-SHA-256 against RFC 7677's test vector (§3) and PBKDF2-HMAC-SHA-256
/// against published vectors.
@Suite struct ScramTests {
    // RFC 7677 §3: user "user", password "pencil".
    static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let clientFinal =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    static let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)
    static let pencil = ScramCredential(password: "pencil", salt: salt, iterations: 4096)

    func exchange() -> ScramServerExchange {
        ScramServerExchange(lookup: { $0 == "user" ? Self.pencil : nil }, serverNonce: Self.serverNonce)
    }

    @Test func rfc7677ExchangeGivesTheRFCsMessages() {
        var server = exchange()
        #expect(server.receive(Array(Self.clientFirst.utf8)) == .challenge(Array(Self.serverFirst.utf8)))
        #expect(server.receive(Array(Self.clientFinal.utf8)) == .success(Array(Self.serverFinal.utf8), user: "user"))
    }

    @Test func aWrongProofFails() {
        var server = exchange()
        _ = server.receive(Array(Self.clientFirst.utf8))
        // The same message with another proof (a wrong password's).
        let forged = Self.clientFinal.replacingOccurrences(of: "p=dHzb", with: "p=dHzc")
        guard case .failure(let reason) = server.receive(Array(forged.utf8)) else {
            Issue.record("a wrong proof was accepted")
            return
        }
        #expect(reason == ScramServerExchange.invalidCredentials)
    }

    @Test func aChangedNonceOrChannelBindingFails() {
        var server = exchange()
        _ = server.receive(Array(Self.clientFirst.utf8))
        let otherNonce = Self.clientFinal.replacingOccurrences(of: "hNlF$k0", with: "hNlF$k1")
        guard case .failure(let reason) = server.receive(Array(otherNonce.utf8)) else {
            Issue.record("a foreign nonce was accepted")
            return
        }
        #expect(reason.contains("nonce"))

        var second = exchange()
        _ = second.receive(Array(Self.clientFirst.utf8))
        let otherBinding = Self.clientFinal.replacingOccurrences(of: "c=biws", with: "c=eSws")
        guard case .failure(let binding) = second.receive(Array(otherBinding.utf8)) else {
            Issue.record("a channel binding that does not repeat the gs2 header was accepted")
            return
        }
        #expect(binding.contains("channel binding"))
    }

    @Test func unknownUsersAndMalformedMessagesFail() {
        var unknown = exchange()
        #expect(unknown.receive(Array("n,,n=mallory,r=abc".utf8)) == .failure(ScramServerExchange.invalidCredentials))
        for message in ["", "n,,", "p=tls-unique,,n=user,r=abc", "n,,r=abc,n=user", "n,,n=us=er,r=abc", "n,,n=user,r="] {
            var server = exchange()
            guard case .failure = server.receive(Array(message.utf8)) else {
                Issue.record("\(message) was accepted")
                continue
            }
        }
        // Nothing is accepted after the exchange ended.
        var finished = exchange()
        _ = finished.receive(Array(Self.clientFirst.utf8))
        _ = finished.receive(Array(Self.clientFinal.utf8))
        guard case .failure = finished.receive(Array(Self.clientFinal.utf8)) else {
            Issue.record("a replayed client-final was accepted")
            return
        }
    }

    @Test func saslNamesUnescape() {
        #expect(ScramServerExchange.decodeSaslName("a=2Cb=3Dc") == "a,b=c")
        #expect(ScramServerExchange.decodeSaslName("a=41") == nil)
        #expect(ScramServerExchange.decodeSaslName("a=") == nil)
    }

    /// PBKDF2-HMAC-SHA-256 vectors (RFC 7914 §11 and the widely published
    /// RFC 6070-style SHA-256 ones), first 32 bytes.
    @Test func pbkdf2MatchesPublishedVectors() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(
            hex(Scram.saltedPassword(Array("password".utf8), salt: Array("salt".utf8), iterations: 1))
                == "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
        #expect(
            hex(Scram.saltedPassword(Array("password".utf8), salt: Array("salt".utf8), iterations: 4096))
                == "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
        #expect(
            hex(Scram.saltedPassword(Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1))
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
    }

    @Test func plainPasswordsAreCheckedAgainstTheStoredKeys() {
        #expect(Self.pencil.matches(password: "pencil"))
        #expect(!Self.pencil.matches(password: "pencil "))
        #expect(!Self.pencil.matches(password: ""))
    }
}

@Suite struct CredentialsFileTests {
    @Test func theFileKeepsSaltedKeysNeverThePassword() throws {
        let directory = try TemporaryDirectory(prefix: "credentials")
        let path = directory.file("users.json")
        var file = try CredentialsFile.read(path: path, missingIsEmpty: true)
        let password = "correct-horse-battery-staple"
        try file.set("alice", ScramCredential.make(password: password))
        try file.set("bob", ScramCredential.make(password: "another-secret", iterations: 8192))
        try file.write(path: path)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains(password))
        #expect(!text.contains("another-secret"))
        #expect(!text.contains(Data(password.utf8).base64EncodedString()))
        #expect(text.contains("stored_key"))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let back = try CredentialsFile.read(path: path)
        #expect(back == file)
        #expect(back.users["alice"]?.matches(password: password) == true)
        #expect(back.users["bob"]?.iterations == 8192)
        // Two users with one password still get different salts and keys.
        var twins = CredentialsFile()
        try twins.set("x", ScramCredential.make(password: password))
        try twins.set("y", ScramCredential.make(password: password))
        #expect(twins.users["x"]?.storedKey != twins.users["y"]?.storedKey)
    }

    /// A file as Foundation's `JSONEncoder` wrote it before the host moved
    /// to Core's JSON (pretty, sorted keys, "/" escaped as "\/") still
    /// reads, and is written back in the same layout with "/" as it is.
    @Test func aFileWrittenBeforeTheMoveToCoresJSONStillReads() throws {
        let old = #"""
            {
              "format" : "streamhost-sasl-credentials",
              "users" : {
                "alice" : {
                  "iterations" : 4096,
                  "mechanism" : "SCRAM-SHA-256",
                  "salt" : "\/\/vvvv\/7777\/++++\/\/vvvgABAgMEBQYHCAkKCwwNDg8=",
                  "server_key" : "nQ1wx+fqc\/W9G2pkFoDmLrKc9oh835uYgd\/OuIYGycQ=",
                  "stored_key" : "sNDesDa6kgmi4mzPcsVVWTMdnMgzZ6sxi9wi9X4Ff1o="
                }
              },
              "version" : 1
            }
            """#
        let directory = try TemporaryDirectory(prefix: "credentials")
        let path = try directory.write("users.json", old)
        let file = try CredentialsFile.read(path: path)
        let salt: [UInt8] = Array(repeating: [0xFF, 0xFB, 0xEF, 0xBE], count: 4).flatMap { $0 } + Array(0...15)
        #expect(file.users == ["alice": ScramCredential(password: "pencil", salt: salt, iterations: 4096)])
        #expect(file.users["alice"]?.matches(password: "pencil") == true)

        try file.write(path: path)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == old.replacingOccurrences(of: "\\/", with: "/"))
    }

    @Test func badFilesAndNamesAreRefusedWithTheReason() throws {
        let directory = try TemporaryDirectory(prefix: "credentials")
        #expect(throws: ServerError.self) { try CredentialsFile.read(path: directory.file("missing.json")) }
        let garbage = try directory.write("garbage.json", "{\"users\": 3}")
        do {
            _ = try CredentialsFile.read(path: garbage)
            Issue.record("a malformed credentials file was read")
        } catch {
            #expect(error.description.contains(garbage))
        }
        let weak = try directory.write(
            "weak.json",
            """
            {"format":"streamhost-sasl-credentials","version":1,"users":{"a":{"mechanism":"SCRAM-SHA-256",
            "salt":"AAAA","iterations":10,"stored_key":"\(String(repeating: "A", count: 43))=",
            "server_key":"\(String(repeating: "A", count: 43))="}}}
            """)
        do {
            _ = try CredentialsFile.read(path: weak)
            Issue.record("10 iterations were accepted")
        } catch {
            #expect(error.description.contains("iterations 10"))
        }
        var file = CredentialsFile()
        #expect(throws: ServerError.self) { try file.set("", ScramCredential.make(password: "x")) }
        #expect(throws: ServerError.self) { try file.set("a\nb", ScramCredential.make(password: "x")) }
    }

    @Test func theServerSeesUsersAddedWhileItRuns() throws {
        let directory = try TemporaryDirectory(prefix: "credentials")
        let path = directory.file("users.json")
        var file = CredentialsFile()
        try file.set("alice", ScramCredential.make(password: "a"))
        try file.write(path: path)
        let store = try CredentialStore(path: path)
        #expect(store.credential(for: "alice") != nil)
        #expect(store.credential(for: "carol") == nil)
        try file.set("carol", ScramCredential.make(password: "c"))
        try file.write(path: path)
        #expect(store.credential(for: "carol") != nil)
        // A broken file keeps the users last read, and says why.
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(store.credential(for: "alice") != nil)
        #expect(store.lastError != nil)
    }
}
