/// One field of a message schema: its name, type and the versions it is
/// present, nullable and tagged in, as Kafka's message definitions state
/// them (clients/src/main/resources/common/message/*.json).
public struct Field: Sendable {
    public let name: String
    public let type: FieldType
    public let versions: VersionRange
    public let nullableVersions: VersionRange
    /// A tagged field's tag: present only in flexible versions, written in
    /// the struct's tagged-field section when the value holds it.
    public let tag: UInt32?
    /// True for the request header's ClientId, which keeps its int16
    /// length in flexible versions so that any broker can read it.
    public let neverFlexible: Bool
    /// The value a missing (untagged) field is encoded as; nil means the
    /// type's zero value.
    public let defaultValue: ProtocolValue?

    public init(
        _ name: String, _ type: FieldType, _ versions: String, nullable: String = "none", tag: UInt32? = nil,
        neverFlexible: Bool = false, default defaultValue: ProtocolValue? = nil
    ) {
        self.name = name
        self.type = type
        self.versions = VersionRange(versions)
        self.nullableVersions = VersionRange(nullable)
        self.tag = tag
        self.neverFlexible = neverFlexible
        self.defaultValue = defaultValue
    }

    /// The value written when the caller's struct has no entry for this
    /// field.
    public func defaultFor(version: Int16) -> ProtocolValue {
        if let defaultValue { return defaultValue }
        return type.zeroValue
    }
}

/// The wire types of Kafka's message definitions.
public indirect enum FieldType: Sendable {
    case bool, int8, int16, uint16, int32, int64, float64, uuid
    case string
    case bytes
    /// A record set: bytes on the wire, carried as a slice of the frame.
    case records
    case array(FieldType)
    case `struct`([Field])

    var zeroValue: ProtocolValue {
        switch self {
        case .bool: .bool(false)
        case .int8, .int16, .uint16, .int32, .int64: .int(0)
        case .float64: .float(0)
        case .uuid: .uuid(.zero)
        case .string: .string("")
        case .bytes, .records: .bytes([])
        case .array: .array([])
        case .struct: .structure(ProtocolStruct())
        }
    }

    var name: String {
        switch self {
        case .bool: "bool"
        case .int8: "int8"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .int64: "int64"
        case .float64: "float64"
        case .uuid: "uuid"
        case .string: "string"
        case .bytes: "bytes"
        case .records: "records"
        case .array(let element): "[]\(element.name)"
        case .struct: "struct"
        }
    }
}
