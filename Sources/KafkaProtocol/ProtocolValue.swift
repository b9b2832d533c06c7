/// A decoded field value. Integers of every width are `.int` (the schema
/// says the width); nullable strings, bytes, arrays and structs are
/// `.null` when null.
public enum ProtocolValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case uuid(KafkaUUID)
    case string(String)
    /// Bytes and record sets: a slice of the frame they were read from.
    case bytes(ArraySlice<UInt8>)
    case array([ProtocolValue])
    case structure(ProtocolStruct)

    public var int: Int64? { if case .int(let value) = self { value } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var bytes: ArraySlice<UInt8>? { if case .bytes(let value) = self { value } else { nil } }
    public var array: [ProtocolValue]? { if case .array(let value) = self { value } else { nil } }
    public var structure: ProtocolStruct? { if case .structure(let value) = self { value } else { nil } }
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The bytes held in byte fields (records included), nested ones too.
    public var payloadBytes: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .array(let elements): elements.reduce(0) { $0 + $1.payloadBytes }
        case .structure(let structure): structure.payloadBytes
        default: 0
        }
    }
}

/// A tagged field whose tag the schema does not know: kept as raw bytes so
/// that a frame re-encodes exactly.
public struct UnknownTaggedField: Sendable, Equatable {
    public let tag: UInt32
    public let data: ArraySlice<UInt8>
    public init(tag: UInt32, data: ArraySlice<UInt8>) {
        self.tag = tag
        self.data = data
    }
}

/// The fields of a message or of a struct inside it, by schema name. A
/// field the struct does not hold is encoded as its default.
public struct ProtocolStruct: Sendable, Equatable {
    public var fields: [String: ProtocolValue]
    public var unknownTaggedFields: [UnknownTaggedField]

    public init(_ fields: [String: ProtocolValue] = [:], unknownTaggedFields: [UnknownTaggedField] = []) {
        self.fields = fields
        self.unknownTaggedFields = unknownTaggedFields
    }

    public subscript(name: String) -> ProtocolValue? {
        get { fields[name] }
        set { fields[name] = newValue }
    }

    /// The bytes held in the struct's byte fields, nested ones too.
    public var payloadBytes: Int { fields.values.reduce(0) { $0 + $1.payloadBytes } }

    /// The named integer field, or `fallback` when absent.
    public func int(_ name: String, or fallback: Int64 = 0) -> Int64 { fields[name]?.int ?? fallback }
    public func string(_ name: String) -> String? { fields[name]?.string }
    /// The elements of an array of structs (empty when absent or null).
    public func structs(_ name: String) -> [ProtocolStruct] {
        (fields[name]?.array ?? []).compactMap(\.structure)
    }
}
