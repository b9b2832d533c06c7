import KafkaProtocol

/// Builds a value for a schema at a version with every field present and
/// away from its default (so tagged fields are written too), to exercise
/// every field of every supported version.
public enum KafkaSampleValues {
    public static func body(_ schema: MessageSchema, version: Int16, seed: Int64 = 1) -> ProtocolStruct {
        structure(schema.fields, version: version, seed: seed)
    }

    static func structure(_ fields: [Field], version: Int16, seed: Int64) -> ProtocolStruct {
        var result = ProtocolStruct()
        for (index, field) in fields.enumerated() where field.versions.contains(version) {
            let fieldSeed = seed &* 31 &+ Int64(index) &+ 1
            // Every third nullable field is null, to cover null encodings.
            if field.nullableVersions.contains(version) && fieldSeed % 3 == 0 {
                result[field.name] = .null
            } else {
                result[field.name] = value(field.type, version: version, seed: fieldSeed)
            }
        }
        return result
    }

    static func value(_ type: FieldType, version: Int16, seed: Int64) -> ProtocolValue {
        let small = 2 + seed % 90
        switch type {
        case .bool: return .bool(true)
        case .int8, .int16, .uint16, .int32: return .int(small)
        case .int64: return .int(1_000_000_007 &* small)
        case .float64: return .float(Double(small) / 4)
        case .uuid: return .uuid(KafkaUUID(high: UInt64(small), low: 99))
        case .string: return .string("s\(small)")
        case .bytes, .records: return .bytes(ArraySlice((0..<UInt8(small % 7 + 1)).map { $0 }))
        case .array(let element):
            return .array((0..<2).map { value(element, version: version, seed: seed &* 7 &+ Int64($0)) })
        case .struct(let fields): return .structure(structure(fields, version: version, seed: seed))
        }
    }

    /// A request frame (with size prefix) for every API and version, or
    /// for the versions `versions` gives (nil: skip the API).
    public static func requestFrames(
        versions: (ApiKey) -> ClosedRange<Int16>? = { $0.supportedVersions }
    ) -> [(api: ApiKey, version: Int16, frame: [UInt8])] {
        ApiKey.allCases.flatMap { api in
            (versions(api).map { Array($0) } ?? []).map { version in
                let request = Request(
                    header: RequestHeader(apiKey: api.rawValue, apiVersion: version, correlationId: 5, clientId: "fuzz"),
                    api: api, body: body(api.requestSchema, version: version))
                return (api, version, request.encodeFrame())
            }
        }
    }
}
