/// What makes a timestamp column a time attribute: event time (a
/// watermark is declared on it) or processing time (`PROCTIME()`).
/// Windows and interval joins need one.
public enum SQLTimeAttribute: String, Sendable, Equatable {
    case rowtime
    case proctime
}

/// One column of a table, a view or a query's result.
public struct SQLColumn: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        /// Read from and written to the connector.
        case physical
        /// `AS expression`: computed, never written.
        case computed
        /// `METADATA`: written too unless `virtual`.
        case metadata(virtual: Bool)
        /// A query's output column.
        case derived
    }

    public var name: String
    public var type: SQLType
    public var timeAttribute: SQLTimeAttribute?
    public var origin: Origin
    /// Where the column was defined (a column definition, a select item).
    public var position: SQLPosition

    public init(name: String, type: SQLType, timeAttribute: SQLTimeAttribute? = nil, origin: Origin = .derived, at position: SQLPosition) {
        self.name = name
        self.type = type
        self.timeAttribute = timeAttribute
        self.origin = origin
        self.position = position
    }

    /// The column as a query's output, defined where `position` is (a
    /// `*` gives the columns of another table, maybe of another file).
    func placed(at position: SQLPosition) -> SQLColumn {
        SQLColumn(name: name, type: type, timeAttribute: timeAttribute, origin: .derived, at: position)
    }

    /// Whether INSERT writes this column.
    public var isWritten: Bool {
        switch origin {
        case .physical, .derived: return true
        case .computed: return false
        case .metadata(let virtual): return !virtual
        }
    }
}

/// A table or view of the catalog.
public struct SQLRelation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// From CREATE TABLE, with its connector options in written order.
        case table(options: [SQLOption], primaryKey: [String], watermark: SQLWatermark?)
        /// From CREATE VIEW, with its query.
        case view(SQLQuery)
    }

    public var name: String
    public var columns: [SQLColumn]
    public var kind: Kind
    /// Where it was created.
    public var position: SQLPosition

    public init(name: String, columns: [SQLColumn], kind: Kind, at position: SQLPosition) {
        self.name = name
        self.columns = columns
        self.kind = kind
        self.position = position
    }

    /// A connector option's value, if the table has it.
    public func option(_ key: String) -> String? {
        guard case .table(let options, _, _) = kind else { return nil }
        return options.first { $0.key.value == key }?.value.value
    }
}
