import Testing
@testable import KafkaProtocol

/// SaslHandshake and SaslAuthenticate: golden frames from the protocol
/// guide's layouts, decoded, checked, re-encoded.
@Suite struct SaslApiGoldenTests {
    let plainToken = Array("\u{0}alice\u{0}secret".utf8)

    @Test func saslHandshake() throws {
        try roundTripRequest(request(.saslHandshake, 0).string("PLAIN")) { #expect($0.body.string("Mechanism") == "PLAIN") }
        try roundTripResponse(
            response(.saslHandshake, 0).i16(0).count(2).string("PLAIN").string("SCRAM-SHA-256"),
            api: .saslHandshake, version: 0
        ) { #expect($0.body["Mechanisms"] == .array([.string("PLAIN"), .string("SCRAM-SHA-256")])) }
        try roundTripRequest(request(.saslHandshake, 1).string("SCRAM-SHA-512")) {
            #expect($0.body.string("Mechanism") == "SCRAM-SHA-512")
        }
        // UNSUPPORTED_SASL_MECHANISM with the enabled list.
        try roundTripResponse(
            response(.saslHandshake, 1).i16(33).count(1).string("SCRAM-SHA-256"), api: .saslHandshake, version: 1
        ) { #expect($0.body.int("ErrorCode") == 33) }
    }

    @Test func saslAuthenticate() throws {
        try roundTripRequest(request(.saslAuthenticate, 0).bytes(plainToken)) {
            #expect($0.body["AuthBytes"]?.bytes.map(Array.init) == plainToken)
        }
        try roundTripResponse(
            response(.saslAuthenticate, 0).i16(0).string(nil).bytes([]), api: .saslAuthenticate, version: 0
        ) { #expect($0.body["ErrorMessage"] == .null) }
        // v1 adds SessionLifetimeMs; SASL_AUTHENTICATION_FAILED with its message.
        try roundTripResponse(
            response(.saslAuthenticate, 1).i16(58).string("Authentication failed").bytes([]).i64(0),
            api: .saslAuthenticate, version: 1
        ) { response in
            #expect(response.body.int("ErrorCode") == 58)
            #expect(response.body.int("SessionLifetimeMs", or: -1) == 0)
        }
        // v2 is flexible: compact bytes and strings, tagged fields.
        let clientFirst = Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8)
        try roundTripRequest(request(.saslAuthenticate, 2).compactBytes(clientFirst).noTags()) {
            #expect($0.body["AuthBytes"]?.bytes.map(Array.init) == clientFirst)
        }
        let serverFinal = Array("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8)
        try roundTripResponse(
            response(.saslAuthenticate, 2).i16(0).compactString(nil).compactBytes(serverFinal).i64(0).noTags(),
            api: .saslAuthenticate, version: 2
        ) { #expect($0.body["AuthBytes"]?.bytes.map(Array.init) == serverFinal) }
    }
}
