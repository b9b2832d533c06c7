/// A column's or a cast's type, in Flink's type names.
public struct SQLDataType: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        case boolean
        case tinyint, smallint, int, bigint
        case float, double
        /// DECIMAL(p, s); a missing precision or scale is nil (Flink's
        /// defaults, 10 and 0, are the planner's business).
        case decimal(precision: Int?, scale: Int?)
        /// CHAR(n).
        case char(length: Int?)
        /// VARCHAR(n); STRING is VARCHAR without a length.
        case varchar(length: Int?)
        /// STRING, kept apart from VARCHAR so that printing says what was written.
        case string
        case binary(length: Int?)
        case varbinary(length: Int?)
        /// BYTES.
        case bytes
        case date
        case time(precision: Int?)
        /// TIMESTAMP(p) [WITHOUT TIME ZONE].
        case timestamp(precision: Int?)
        /// TIMESTAMP_LTZ(p), or TIMESTAMP(p) WITH LOCAL TIME ZONE.
        case timestampLocalTimeZone(precision: Int?)
        case array(SQLDataType)
        case multiset(SQLDataType)
        case map(key: SQLDataType, value: SQLDataType)
        /// ROW<name type, ...> (also written ROW(name type, ...)).
        case row([SQLRowField])
    }

    public var kind: Kind
    /// False when written with NOT NULL.
    public var nullable: Bool
    public var position: SQLPosition

    public init(_ kind: Kind, nullable: Bool = true, at position: SQLPosition) {
        self.kind = kind
        self.nullable = nullable
        self.position = position
    }
}

/// One field of a ROW type.
public struct SQLRowField: Sendable, Equatable {
    public var name: SQLIdentifier
    public var type: SQLDataType
    public var comment: SQLString?

    public init(name: SQLIdentifier, type: SQLDataType, comment: SQLString? = nil) {
        self.name = name
        self.type = type
        self.comment = comment
    }
}
