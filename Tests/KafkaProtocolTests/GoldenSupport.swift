import Testing
@testable import KafkaProtocol

/// Decodes a golden frame, lets the test check fields, and checks that
/// encoding the decoded value gives the golden bytes back.
func roundTripRequest(_ frame: GoldenFrame, sourceLocation: SourceLocation = #_sourceLocation, _ check: (Request) -> Void)
    throws
{
    let bytes = frame.framed
    let request = try Request.decode(frame: Array(bytes.dropFirst(4)))
    check(request)
    #expect(request.encodeFrame() == bytes, "\(request.api) v\(request.version) request", sourceLocation: sourceLocation)
}

func roundTripResponse(
    _ frame: GoldenFrame, api: ApiKey, version: Int16, sourceLocation: SourceLocation = #_sourceLocation,
    _ check: (Response) -> Void
) throws {
    let bytes = frame.framed
    let response = try Response.decode(frame: Array(bytes.dropFirst(4)), api: api, version: version)
    check(response)
    #expect(response.encodeFrame() == bytes, "\(api) v\(version) response", sourceLocation: sourceLocation)
}

/// A request frame's header, flexible or not, for `api` at `version`.
func request(_ api: ApiKey, _ version: Int16, correlationId: Int32 = 7, clientId: String? = "c") -> GoldenFrame {
    GoldenFrame().requestHeader(
        key: api.rawValue, version: version, correlationId: correlationId, clientId: clientId,
        flexible: api.requestSchema.isFlexible(version))
}

/// A response frame's header: v1 in flexible versions (the schema's
/// flexibleVersions), stated by hand for ApiVersions, whose header is v0.
func response(_ api: ApiKey, _ version: Int16, correlationId: Int32 = 7, flexibleHeader: Bool? = nil) -> GoldenFrame {
    GoldenFrame().responseHeader(
        correlationId: correlationId, flexible: flexibleHeader ?? api.responseSchema.isFlexible(version))
}

extension ProtocolStruct {
    /// The first element of an array-of-structs field (tests only).
    func first(_ name: String) -> ProtocolStruct? { structs(name).first }
}

/// Opaque stand-in for a record batch: the codec never looks inside.
let sampleRecords: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF]
