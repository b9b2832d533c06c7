// Field facts transcribed from Apache Kafka's message definitions
// (SaslHandshakeRequest.json, SaslHandshakeResponse.json).
extension MessageSchema {
    /// SaslHandshakeRequest, versions 0–1 (Kafka's 0-1).
    static let saslHandshakeRequest = MessageSchema(
        name: "SaslHandshakeRequest", versions: 0...1, flexible: "none", fields: [
            Field("Mechanism", .string, "0+"),
        ])

    /// SaslHandshakeResponse, versions 0–1 (Kafka's 0-1).
    static let saslHandshakeResponse = MessageSchema(
        name: "SaslHandshakeResponse", versions: 0...1, flexible: "none", fields: [
            Field("ErrorCode", .int16, "0+"),
            Field("Mechanisms", .array(.string), "0+"),
        ])
}
