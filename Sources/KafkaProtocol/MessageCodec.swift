/// The one generic encoder and decoder: walks a `MessageSchema` for a
/// version and reads or writes each field present in it, with compact
/// lengths and tagged fields in flexible versions.
public enum MessageCodec {
    /// Decodes a message body, which must fill the reader exactly.
    public static func decode(
        _ schema: MessageSchema, version: Int16, from reader: inout ProtocolReader
    ) throws(ProtocolError) -> ProtocolStruct {
        precondition(schema.versions.contains(version), "\(schema.name) v\(version) is outside the schema")
        let context = Context(version: version, flexible: schema.isFlexible(version))
        do throws(FieldFailure) {
            let body = try decodeStruct(schema.fields, context, &reader)
            guard reader.isAtEnd else {
                throw FieldFailure(path: [], reason: "\(reader.remaining) bytes left after the last field")
            }
            return body
        } catch {
            throw .malformed(
                message: schema.name, version: version, field: error.pathText, reason: error.reason)
        }
    }

    /// Encodes a message body. A field the value lacks is written as its
    /// default; a value of the wrong type is a programmer error.
    public static func encode(
        _ value: ProtocolStruct, schema: MessageSchema, version: Int16, into writer: inout ProtocolWriter
    ) {
        precondition(schema.versions.contains(version), "\(schema.name) v\(version) is outside the schema")
        encodeStruct(value, schema.fields, Context(version: version, flexible: schema.isFlexible(version)), &writer)
    }

    public static func encode(_ value: ProtocolStruct, schema: MessageSchema, version: Int16) -> [UInt8] {
        var writer = ProtocolWriter()
        encode(value, schema: schema, version: version, into: &writer)
        return writer.bytes
    }

    struct Context {
        let version: Int16
        let flexible: Bool
    }

    /// A decoding failure on its way up: each struct level prepends the
    /// field name.
    struct FieldFailure: Error {
        var path: [String]
        let reason: String

        /// `Topics[0].Partitions[2].FetchOffset`.
        var pathText: String {
            path.reduce(into: "") { text, component in
                if !text.isEmpty && !component.hasPrefix("[") { text += "." }
                text += component
            }
        }
    }

    // MARK: Decoding

    static func decodeStruct(
        _ fields: [Field], _ context: Context, _ reader: inout ProtocolReader
    ) throws(FieldFailure) -> ProtocolStruct {
        var result = ProtocolStruct()
        for field in fields where field.versions.contains(context.version) && field.tag == nil {
            do {
                result.fields[field.name] = try decodeValue(field, field.type, context, &reader)
            } catch {
                throw FieldFailure(path: [field.name] + error.path, reason: error.reason)
            }
        }
        if context.flexible {
            try decodeTaggedFields(fields, context, &reader, into: &result)
        }
        return result
    }

    static func decodeTaggedFields(
        _ fields: [Field], _ context: Context, _ reader: inout ProtocolReader, into result: inout ProtocolStruct
    ) throws(FieldFailure) {
        let count: UInt32
        do { count = try reader.readUnsignedVarint() } catch {
            throw FieldFailure(path: ["<tagged fields>"], reason: error.description)
        }
        // Each tagged field takes at least two bytes (tag and size).
        guard Int(count) <= reader.remaining / 2 else {
            throw FieldFailure(path: ["<tagged fields>"], reason: "\(count) tagged fields cannot fit in \(reader.remaining) bytes")
        }
        var previousTag: UInt32?
        for _ in 0..<count {
            let tag: UInt32
            let size: Int
            do {
                tag = try reader.readUnsignedVarint()
                size = Int(try reader.readUnsignedVarint())
            } catch {
                throw FieldFailure(path: ["<tagged fields>"], reason: error.description)
            }
            if let previousTag, tag <= previousTag {
                throw FieldFailure(path: ["<tag \(tag)>"], reason: "tags must be strictly increasing (after tag \(previousTag))")
            }
            previousTag = tag
            guard size <= reader.remaining else {
                throw FieldFailure(path: ["<tag \(tag)>"], reason: "size \(size) exceeds the \(reader.remaining) bytes left")
            }
            let start = reader.position
            if let field = fields.first(where: { $0.tag == tag && $0.versions.contains(context.version) }) {
                do {
                    result.fields[field.name] = try decodeValue(field, field.type, context, &reader)
                } catch {
                    throw FieldFailure(path: [field.name] + error.path, reason: error.reason)
                }
                guard reader.position - start == size else {
                    throw FieldFailure(
                        path: [field.name], reason: "tagged field took \(reader.position - start) bytes, its size says \(size)")
                }
            } else {
                do {
                    result.unknownTaggedFields.append(UnknownTaggedField(tag: tag, data: try reader.readRaw(size)))
                } catch {
                    throw FieldFailure(path: ["<tag \(tag)>"], reason: error.description)
                }
            }
        }
    }

    static func decodeValue(
        _ field: Field, _ type: FieldType, _ context: Context, _ reader: inout ProtocolReader,
        element: Bool = false
    ) throws(FieldFailure) -> ProtocolValue {
        // Array elements are never null; the field's nullability is the array's.
        let nullable = !element && field.nullableVersions.contains(context.version)
        let compact = context.flexible && !field.neverFlexible
        do {
            switch type {
            case .bool: return .bool(try reader.readBool())
            case .int8: return .int(Int64(try reader.readInt8()))
            case .int16: return .int(Int64(try reader.readInt16()))
            case .uint16: return .int(Int64(try reader.readUInt16()))
            case .int32: return .int(Int64(try reader.readInt32()))
            case .int64: return .int(try reader.readInt64())
            case .float64: return .float(try reader.readFloat64())
            case .uuid: return .uuid(try reader.readUUID())
            case .string:
                return try reader.readString(compact: compact, nullable: nullable).map(ProtocolValue.string) ?? .null
            case .bytes, .records:
                return try reader.readBytes(compact: compact, nullable: nullable).map(ProtocolValue.bytes) ?? .null
            case .struct(let fields):
                return .structure(try decodeStruct(fields, context, &reader))
            case .array(let element):
                guard let count = try reader.readLength(compact: compact, wide: true, nullable: nullable) else {
                    return .null
                }
                // Bound the allocation by what the remaining bytes can hold.
                let elementSizeMin = max(1, minimumSize(element, context))
                guard count <= reader.remaining / elementSizeMin else {
                    throw FieldFailure(
                        path: [],
                        reason: "array of \(count) elements of at least \(elementSizeMin) bytes cannot fit in \(reader.remaining) bytes")
                }
                var elements: [ProtocolValue] = []
                elements.reserveCapacity(count)
                for index in 0..<count {
                    do {
                        elements.append(try decodeValue(field, element, context, &reader, element: true))
                    } catch {
                        throw FieldFailure(path: ["[\(index)]"] + error.path, reason: error.reason)
                    }
                }
                return .array(elements)
            }
        } catch let failure as FieldFailure {
            throw failure
        } catch let shortfall as ProtocolReader.Shortfall {
            throw FieldFailure(path: [], reason: shortfall.description)
        } catch {
            preconditionFailure("unexpected error \(error)")
        }
    }

    /// The fewest bytes a value of this type takes in this version, to
    /// bound an array's element count before allocating it.
    static func minimumSize(_ type: FieldType, _ context: Context) -> Int {
        switch type {
        case .bool, .int8: 1
        case .int16, .uint16: 2
        case .int32: 4
        case .int64, .float64: 8
        case .uuid: 16
        case .string: context.flexible ? 1 : 2
        case .bytes, .records, .array: context.flexible ? 1 : 4
        case .struct(let fields):
            fields.reduce(context.flexible ? 1 : 0) { total, field in
                field.versions.contains(context.version) && field.tag == nil
                    ? total + minimumSize(field.type, context) : total
            }
        }
    }

    // MARK: Encoding

    static func encodeStruct(_ value: ProtocolStruct, _ fields: [Field], _ context: Context, _ writer: inout ProtocolWriter) {
        var tagged: [(tag: UInt32, data: [UInt8])] = []
        for field in fields where field.versions.contains(context.version) {
            if let tag = field.tag {
                // A tagged field is written when the struct holds it (a
                // decoded one always re-encodes); leave it out to omit it.
                guard context.flexible, let fieldValue = value.fields[field.name] else { continue }
                var buffer = ProtocolWriter(capacity: 16)
                encodeValue(fieldValue, field, field.type, context, &buffer)
                tagged.append((tag, buffer.bytes))
            } else {
                encodeValue(value.fields[field.name] ?? field.defaultFor(version: context.version), field, field.type, context, &writer)
            }
        }
        guard context.flexible else { return }
        for unknown in value.unknownTaggedFields {
            tagged.append((unknown.tag, Array(unknown.data)))
        }
        tagged.sort { $0.tag < $1.tag }
        writer.writeUnsignedVarint(UInt32(tagged.count))
        for (tag, data) in tagged {
            writer.writeUnsignedVarint(tag)
            writer.writeUnsignedVarint(UInt32(data.count))
            writer.writeRaw(data)
        }
    }

    static func encodeValue(
        _ value: ProtocolValue, _ field: Field, _ type: FieldType, _ context: Context, _ writer: inout ProtocolWriter,
        element: Bool = false
    ) {
        let compact = context.flexible && !field.neverFlexible
        if case .null = value {
            precondition(
                !element && field.nullableVersions.contains(context.version),
                "\(field.name) is not nullable in v\(context.version)")
            switch type {
            case .string: writer.writeString(nil, compact: compact)
            case .bytes, .records, .array: writer.writeLength(nil, compact: compact, wide: true)
            default: preconditionFailure("\(field.name): a \(type.name) cannot be null")
            }
            return
        }
        switch (type, value) {
        case (.bool, .bool(let bool)): writer.writeBool(bool)
        case (.int8, .int(let int)): writer.writeInt8(Int8(int))
        case (.int16, .int(let int)): writer.writeInt16(Int16(int))
        case (.uint16, .int(let int)): writer.writeUInt16(UInt16(int))
        case (.int32, .int(let int)): writer.writeInt32(Int32(int))
        case (.int64, .int(let int)): writer.writeInt64(int)
        case (.float64, .float(let float)): writer.writeFloat64(float)
        case (.uuid, .uuid(let uuid)): writer.writeUUID(uuid)
        case (.string, .string(let string)): writer.writeString(string, compact: compact)
        case (.bytes, .bytes(let bytes)), (.records, .bytes(let bytes)): writer.writeBytes(bytes, compact: compact)
        case (.struct(let fields), .structure(let structure)): encodeStruct(structure, fields, context, &writer)
        case (.array(let elementType), .array(let elements)):
            writer.writeLength(elements.count, compact: compact, wide: true)
            for element in elements {
                encodeValue(element, field, elementType, context, &writer, element: true)
            }
        default:
            preconditionFailure("\(field.name): value \(value) does not fit type \(type.name)")
        }
    }
}
