// Field facts transcribed from Apache Kafka's message definitions
// (SaslAuthenticateRequest.json, SaslAuthenticateResponse.json).
extension MessageSchema {
    /// SaslAuthenticateRequest, versions 0–2 (Kafka's 0-2).
    static let saslAuthenticateRequest = MessageSchema(
        name: "SaslAuthenticateRequest", versions: 0...2, flexible: "2+", fields: [
            Field("AuthBytes", .bytes, "0+"),
        ])

    /// SaslAuthenticateResponse, versions 0–2 (Kafka's 0-2).
    static let saslAuthenticateResponse = MessageSchema(
        name: "SaslAuthenticateResponse", versions: 0...2, flexible: "2+", fields: [
            Field("ErrorCode", .int16, "0+"),
            Field("ErrorMessage", .string, "0+", nullable: "0+"),
            Field("AuthBytes", .bytes, "0+"),
            Field("SessionLifetimeMs", .int64, "1+"),
        ])
}
