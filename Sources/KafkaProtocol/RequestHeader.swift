/// A request header (v1, or v2 with tagged fields in flexible versions).
/// The client id keeps its int16 length even in v2 so that any broker can
/// read the header of a request whose version it does not know.
public struct RequestHeader: Sendable, Equatable {
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationId: Int32
    public var clientId: String?
    public var unknownTaggedFields: [UnknownTaggedField]

    public init(
        apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String?,
        unknownTaggedFields: [UnknownTaggedField] = []
    ) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
        self.unknownTaggedFields = unknownTaggedFields
    }

    /// The fields every header version starts with, read without knowing
    /// the API: enough to answer a request that cannot be decoded (an
    /// unknown API or version) with the right correlation id.
    public struct Prefix: Sendable, Equatable {
        public let apiKey: Int16
        public let apiVersion: Int16
        public let correlationId: Int32
    }

    public static func peek(_ frame: [UInt8]) -> Prefix? {
        var reader = ProtocolReader(frame)
        guard let key = try? reader.readInt16(), let version = try? reader.readInt16(),
            let correlationId = try? reader.readInt32()
        else { return nil }
        return Prefix(apiKey: key, apiVersion: version, correlationId: correlationId)
    }

    /// The schema of header v0–v2 (Kafka's RequestHeader.json).
    static let schema = MessageSchema(
        name: "RequestHeader", versions: 0...2, flexible: "2+",
        fields: [
            Field("RequestApiKey", .int16, "0+"),
            Field("RequestApiVersion", .int16, "0+"),
            Field("CorrelationId", .int32, "0+"),
            Field("ClientId", .string, "1+", nullable: "1+", neverFlexible: true),
        ])

    static func decode(version: Int16, from reader: inout ProtocolReader) throws(ProtocolError) -> RequestHeader {
        let context = MessageCodec.Context(version: version, flexible: schema.isFlexible(version))
        do {
            let value = try MessageCodec.decodeStruct(schema.fields, context, &reader)
            return RequestHeader(
                apiKey: Int16(value.int("RequestApiKey")), apiVersion: Int16(value.int("RequestApiVersion")),
                correlationId: Int32(value.int("CorrelationId")), clientId: value.string("ClientId"),
                unknownTaggedFields: value.unknownTaggedFields)
        } catch {
            throw .malformed(
                message: schema.name, version: version, field: error.pathText, reason: error.reason)
        }
    }

    func encode(version: Int16, into writer: inout ProtocolWriter) {
        let value = ProtocolStruct(
            [
                "RequestApiKey": .int(Int64(apiKey)), "RequestApiVersion": .int(Int64(apiVersion)),
                "CorrelationId": .int(Int64(correlationId)), "ClientId": clientId.map(ProtocolValue.string) ?? .null,
            ], unknownTaggedFields: unknownTaggedFields)
        MessageCodec.encode(value, schema: Self.schema, version: version, into: &writer)
    }
}

/// A response header: the correlation id, then (v1) tagged fields.
public struct ResponseHeader: Sendable, Equatable {
    public var correlationId: Int32

    public init(correlationId: Int32) { self.correlationId = correlationId }

    static func decode(version: Int16, from reader: inout ProtocolReader) throws(ProtocolError) -> ResponseHeader {
        do {
            let correlationId = try reader.readInt32()
            if version >= 1 {
                // No tagged field is defined for the response header; any
                // present are skipped.
                var ignored = ProtocolStruct()
                try MessageCodec.decodeTaggedFields(
                    [], MessageCodec.Context(version: version, flexible: true), &reader, into: &ignored)
            }
            return ResponseHeader(correlationId: correlationId)
        } catch let shortfall as ProtocolReader.Shortfall {
            throw .malformed(message: "ResponseHeader", version: version, field: "CorrelationId", reason: shortfall.description)
        } catch let failure as MessageCodec.FieldFailure {
            throw .malformed(
                message: "ResponseHeader", version: version, field: failure.pathText, reason: failure.reason)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    func encode(version: Int16, into writer: inout ProtocolWriter) {
        writer.writeInt32(correlationId)
        if version >= 1 { writer.writeUnsignedVarint(0) }
    }
}
