/// One statement of a SQL script, with where it starts.
public struct SQLStatement: Sendable, Equatable {
    public indirect enum Kind: Sendable, Equatable {
        case createTable(SQLCreateTable)
        case createView(SQLCreateView)
        case createFunction(SQLCreateFunction)
        case insert(SQLInsert)
        /// `EXECUTE STATEMENT SET BEGIN insert; ... END`.
        case statementSet([SQLInsert])
        case query(SQLQuery)
        /// `EXPLAIN [PLAN FOR] statement`.
        case explain(SQLStatement)
        /// `SET 'key' = 'value'`.
        case set(key: SQLString, value: SQLString)
    }

    public var kind: Kind
    public var position: SQLPosition

    public init(_ kind: Kind, at position: SQLPosition) {
        self.kind = kind
        self.position = position
    }
}

/// A parsed SQL text: its statements in order, and the file they came from.
public struct SQLScript: Sendable, Equatable {
    public var file: String
    public var statements: [SQLStatement]

    public init(file: String, statements: [SQLStatement]) {
        self.file = file
        self.statements = statements
    }
}

/// `CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (...) [PARTITIONED BY (...)] WITH (...)`.
public struct SQLCreateTable: Sendable, Equatable {
    public var name: SQLName
    public var temporary: Bool
    public var ifNotExists: Bool
    public var columns: [SQLColumnDefinition]
    public var watermark: SQLWatermark?
    public var primaryKey: SQLPrimaryKey?
    public var comment: SQLString?
    public var partitionedBy: [SQLIdentifier]
    /// The connector options of `WITH (...)`, in written order.
    public var options: [SQLOption]

    public init(name: SQLName, temporary: Bool = false, ifNotExists: Bool = false, columns: [SQLColumnDefinition],
                watermark: SQLWatermark? = nil, primaryKey: SQLPrimaryKey? = nil, comment: SQLString? = nil,
                partitionedBy: [SQLIdentifier] = [], options: [SQLOption]) {
        self.name = name
        self.temporary = temporary
        self.ifNotExists = ifNotExists
        self.columns = columns
        self.watermark = watermark
        self.primaryKey = primaryKey
        self.comment = comment
        self.partitionedBy = partitionedBy
        self.options = options
    }
}

/// One column of CREATE TABLE.
public struct SQLColumnDefinition: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `name type`: stored in and read from the connector.
        case physical(SQLDataType)
        /// `name AS expression`: computed from the other columns.
        case computed(SQLExpression)
        /// `name type METADATA [FROM 'key'] [VIRTUAL]`: read from the
        /// connector's metadata (a Kafka record's timestamp, say).
        case metadata(SQLDataType, key: SQLString?, virtual: Bool)
    }

    public var name: SQLIdentifier
    public var kind: Kind
    public var comment: SQLString?

    public init(name: SQLIdentifier, kind: Kind, comment: SQLString? = nil) {
        self.name = name
        self.kind = kind
        self.comment = comment
    }
}

/// `WATERMARK FOR column AS expression`.
public struct SQLWatermark: Sendable, Equatable {
    public var column: SQLName
    public var expression: SQLExpression
    public var position: SQLPosition

    public init(column: SQLName, expression: SQLExpression, at position: SQLPosition) {
        self.column = column
        self.expression = expression
        self.position = position
    }
}

/// `[CONSTRAINT name] PRIMARY KEY (columns) NOT ENFORCED`.
public struct SQLPrimaryKey: Sendable, Equatable {
    public var constraintName: SQLIdentifier?
    public var columns: [SQLIdentifier]
    public var position: SQLPosition

    public init(constraintName: SQLIdentifier? = nil, columns: [SQLIdentifier], at position: SQLPosition) {
        self.constraintName = constraintName
        self.columns = columns
        self.position = position
    }
}

/// `'key' = 'value'` in a WITH clause.
public struct SQLOption: Sendable, Equatable {
    public var key: SQLString
    public var value: SQLString

    public init(key: SQLString, value: SQLString) {
        self.key = key
        self.value = value
    }
}

/// `CREATE [TEMPORARY] VIEW [IF NOT EXISTS] name [(columns)] AS query`.
public struct SQLCreateView: Sendable, Equatable {
    public var name: SQLName
    public var temporary: Bool
    public var ifNotExists: Bool
    public var columns: [SQLIdentifier]
    public var query: SQLQuery

    public init(name: SQLName, temporary: Bool = false, ifNotExists: Bool = false, columns: [SQLIdentifier] = [],
                query: SQLQuery) {
        self.name = name
        self.temporary = temporary
        self.ifNotExists = ifNotExists
        self.columns = columns
        self.query = query
    }
}

/// `CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS] name AS 'symbol'
/// [LANGUAGE lang] [USING LIBRARY|JAR 'path']`.
public struct SQLCreateFunction: Sendable, Equatable {
    /// `USING LIBRARY 'path'` or `USING JAR 'path'`.
    public struct Resource: Sendable, Equatable {
        public enum Kind: String, Sendable, Equatable {
            /// A shared library with C functions (streamhost's native functions).
            case library = "LIBRARY"
            /// A Java archive (Flink's form; streamhost cannot run it).
            case jar = "JAR"
        }

        public var kind: Kind
        public var path: SQLString

        public init(kind: Kind, path: SQLString) {
            self.kind = kind
            self.path = path
        }
    }

    public var name: SQLName
    public var temporary: Bool
    public var system: Bool
    public var ifNotExists: Bool
    /// The symbol (C) or class name (Java) the function is.
    public var symbol: SQLString
    /// `LANGUAGE C`, `LANGUAGE JAVA`, ...; nil when not written.
    public var language: SQLIdentifier?
    public var resource: Resource?

    public init(name: SQLName, temporary: Bool = false, system: Bool = false, ifNotExists: Bool = false,
                symbol: SQLString, language: SQLIdentifier? = nil, resource: Resource? = nil) {
        self.name = name
        self.temporary = temporary
        self.system = system
        self.ifNotExists = ifNotExists
        self.symbol = symbol
        self.language = language
        self.resource = resource
    }
}

/// `INSERT INTO|OVERWRITE name [(columns)] query`.
public struct SQLInsert: Sendable, Equatable {
    public var target: SQLName
    public var overwrite: Bool
    public var columns: [SQLIdentifier]
    public var query: SQLQuery
    public var position: SQLPosition

    public init(target: SQLName, overwrite: Bool = false, columns: [SQLIdentifier] = [], query: SQLQuery,
                at position: SQLPosition) {
        self.target = target
        self.overwrite = overwrite
        self.columns = columns
        self.query = query
        self.position = position
    }
}
