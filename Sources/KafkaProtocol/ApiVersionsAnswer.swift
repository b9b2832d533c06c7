/// Builds ApiVersions response bodies, including the KIP-511 fallback.
public enum ApiVersionsAnswer {
    /// One advertised API: its key and the versions served.
    public struct Entry: Sendable, Equatable {
        public let apiKey: Int16
        public let versions: ClosedRange<Int16>
        public init(apiKey: Int16, versions: ClosedRange<Int16>) {
            self.apiKey = apiKey
            self.versions = versions
        }
    }

    /// The body listing `entries`, with `errorCode`.
    public static func body(errorCode: ErrorCode = .none, entries: [Entry]) -> ProtocolStruct {
        ProtocolStruct([
            "ErrorCode": .int(Int64(errorCode.rawValue)),
            "ApiKeys": .array(
                entries.map { entry in
                    .structure(
                        ProtocolStruct([
                            "ApiKey": .int(Int64(entry.apiKey)),
                            "MinVersion": .int(Int64(entry.versions.lowerBound)),
                            "MaxVersion": .int(Int64(entry.versions.upperBound)),
                        ]))
                }),
        ])
    }

    /// The answer to an ApiVersions request of a version this server does
    /// not know (KIP-511): error 35 UNSUPPORTED_VERSION with a v0 body that
    /// still lists what is served, so the client can retry at a version
    /// both sides support. The frame includes its size prefix.
    public static func unsupportedVersionFrame(correlationId: Int32, entries: [Entry]) -> [UInt8] {
        Response(
            correlationId: correlationId, api: .apiVersions, version: 0,
            body: body(errorCode: .unsupportedVersion, entries: entries)
        ).encodeFrame()
    }
}
