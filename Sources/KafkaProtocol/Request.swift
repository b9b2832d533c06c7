/// A decoded request: its header, API and body.
public struct Request: Sendable, Equatable {
    public var header: RequestHeader
    public var api: ApiKey
    public var body: ProtocolStruct

    public init(header: RequestHeader, api: ApiKey, body: ProtocolStruct) {
        self.header = header
        self.api = api
        self.body = body
    }

    public var version: Int16 { header.apiVersion }

    /// Decodes one frame (the bytes after its 4-byte size prefix).
    ///
    /// Throws `.unknownApiKey` or `.unsupportedVersion` before reading the
    /// body, so a server can answer those with `RequestHeader.peek`'s
    /// correlation id; anything else malformed throws `.malformed` naming
    /// the field.
    public static func decode(frame: [UInt8]) throws(ProtocolError) -> Request {
        guard let prefix = RequestHeader.peek(frame) else {
            throw .malformed(
                message: "RequestHeader", version: 0, field: "",
                reason: "a request frame holds at least 8 bytes (key, version, correlation id); this one has \(frame.count)")
        }
        guard let api = ApiKey(rawValue: prefix.apiKey) else { throw .unknownApiKey(prefix.apiKey) }
        guard api.supportedVersions.contains(prefix.apiVersion) else {
            throw .unsupportedVersion(api: api, version: prefix.apiVersion)
        }
        var reader = ProtocolReader(frame)
        let header = try RequestHeader.decode(version: api.requestHeaderVersion(prefix.apiVersion), from: &reader)
        let body = try MessageCodec.decode(api.requestSchema, version: prefix.apiVersion, from: &reader)
        return Request(header: header, api: api, body: body)
    }

    /// Encodes the request as a frame with its size prefix (what a client
    /// sends).
    public func encodeFrame() -> [UInt8] {
        var writer = ProtocolWriter()
        writer.writeInt32(0)
        header.encode(version: api.requestHeaderVersion(version), into: &writer)
        MessageCodec.encode(body, schema: api.requestSchema, version: version, into: &writer)
        writer.patchInt32(Int32(writer.count - 4), at: 0)
        return writer.bytes
    }
}

/// A response: the correlation id it answers and its body.
public struct Response: Sendable, Equatable {
    public var correlationId: Int32
    public var api: ApiKey
    public var version: Int16
    public var body: ProtocolStruct

    public init(correlationId: Int32, api: ApiKey, version: Int16, body: ProtocolStruct) {
        self.correlationId = correlationId
        self.api = api
        self.version = version
        self.body = body
    }

    /// Encodes the response as a frame with its size prefix.
    public func encodeFrame() -> [UInt8] {
        // Sized for the byte fields up front: a Fetch response carries up
        // to fetch.max.bytes of records, and growing the array to fit
        // copied them about twice more.
        var writer = ProtocolWriter(capacity: Self.encodedFieldsBytesMin + body.payloadBytes)
        encodeFrame(into: &writer)
        return writer.bytes
    }

    /// What a frame takes beyond its byte fields, for most responses
    /// (a larger one grows its buffer once or twice).
    static let encodedFieldsBytesMin = 1024

    public func encodeFrame(into writer: inout ProtocolWriter) {
        let start = writer.count
        writer.writeInt32(0)
        ResponseHeader(correlationId: correlationId).encode(version: api.responseHeaderVersion(version), into: &writer)
        MessageCodec.encode(body, schema: api.responseSchema, version: version, into: &writer)
        writer.patchInt32(Int32(writer.count - start - 4), at: start)
    }

    /// Decodes a response frame (after its size prefix) for a request of
    /// `api` at `version`: what a client does, and what tests use.
    public static func decode(frame: [UInt8], api: ApiKey, version: Int16) throws(ProtocolError) -> Response {
        guard api.supportedVersions.contains(version) else { throw .unsupportedVersion(api: api, version: version) }
        var reader = ProtocolReader(frame)
        let header = try ResponseHeader.decode(version: api.responseHeaderVersion(version), from: &reader)
        let body = try MessageCodec.decode(api.responseSchema, version: version, from: &reader)
        return Response(correlationId: header.correlationId, api: api, version: version, body: body)
    }
}
