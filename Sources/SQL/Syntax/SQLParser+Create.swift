/// CREATE TABLE, CREATE VIEW, CREATE FUNCTION and the data types.
extension SQLParser {
    mutating func create() throws(SQLError) -> SQLStatement {
        let start = advance()
        if current.isKeyword("OR") {
            throw fail("CREATE OR REPLACE is not supported; drop the OR REPLACE")
        }
        let temporary = accept("TEMPORARY")
        let system = temporary && accept("SYSTEM")
        switch current.keyword {
        case "TABLE" where !system:
            advance()
            return SQLStatement(.createTable(try createTable(temporary: temporary)), at: start.position)
        case "VIEW" where !system:
            advance()
            let ifNotExists = try ifNotExists()
            let name = try name("the view's name")
            var columns: [SQLIdentifier] = []
            if current.isSymbol("(") { columns = try identifierList("column list of view \(name.dotted)") }
            try expect("AS", "after CREATE VIEW \(name.dotted)")
            guard startsQuery else {
                throw fail("expected a query (SELECT ...) after CREATE VIEW \(name.dotted) AS, found \(describe(current))")
            }
            let view = SQLCreateView(name: name, temporary: temporary, ifNotExists: ifNotExists, columns: columns, query: try query())
            return SQLStatement(.createView(view), at: start.position)
        case "FUNCTION":
            advance()
            return SQLStatement(.createFunction(try createFunction(temporary: temporary, system: system)), at: start.position)
        default:
            throw fail("expected TABLE, VIEW or FUNCTION after CREATE\(temporary ? " TEMPORARY" : "")\(system ? " SYSTEM" : ""), found \(describe(current))")
        }
    }

    mutating func ifNotExists() throws(SQLError) -> Bool {
        guard current.isKeyword("IF") else { return false }
        advance()
        try expect("NOT", "after IF (IF NOT EXISTS)")
        try expect("EXISTS", "after IF NOT")
        return true
    }

    /// `name AS 'symbol' [LANGUAGE lang] [USING LIBRARY|JAR 'path']`.
    mutating func createFunction(temporary: Bool, system: Bool) throws(SQLError) -> SQLCreateFunction {
        let ifNotExists = try ifNotExists()
        let name = try name("the function's name")
        try expect("AS", "after CREATE FUNCTION \(name.dotted) (AS 'symbol')")
        let symbol = try string("after CREATE FUNCTION \(name.dotted) AS (the function's symbol)")
        var language: SQLIdentifier?
        if accept("LANGUAGE") {
            language = try identifier("a language after LANGUAGE (C, JAVA, SCALA or PYTHON)")
        }
        var resource: SQLCreateFunction.Resource?
        if accept("USING") {
            let kind: SQLCreateFunction.Resource.Kind
            if accept("LIBRARY") {
                kind = .library
            } else if accept("JAR") {
                kind = .jar
            } else {
                throw fail("expected LIBRARY or JAR after USING, found \(describe(current))")
            }
            resource = .init(kind: kind, path: try string("after USING \(kind.rawValue) (the file's path)"))
        }
        return SQLCreateFunction(name: name, temporary: temporary, system: system, ifNotExists: ifNotExists,
                                 symbol: symbol, language: language, resource: resource)
    }

    /// `[IF NOT EXISTS] name (elements) [COMMENT '...'] [PARTITIONED BY (...)] [WITH (options)]`.
    mutating func createTable(temporary: Bool) throws(SQLError) -> SQLCreateTable {
        let ifNotExists = try ifNotExists()
        let name = try name("the table's name")
        var table = SQLCreateTable(name: name, temporary: temporary, ifNotExists: ifNotExists, columns: [], options: [])
        try expect(symbol: "(", "after CREATE TABLE \(name.dotted) (the column list)")
        var context = "after '('"
        repeat {
            // A reserved word goes on to `identifier`, which says how to quote it.
            guard atIdentifier || isReserved(current) || current.isKeyword("PRIMARY") || current.isKeyword("CONSTRAINT") else {
                throw fail("expected a column, WATERMARK or PRIMARY KEY \(context), found \(describe(current))")
            }
            try tableElement(&table)
            context = "after ','"
        } while accept(symbol: ",")
        try expect(symbol: ")", "after the columns of table \(name.dotted)")
        if accept("COMMENT") { table.comment = try string("after COMMENT") }
        if accept("PARTITIONED") {
            try expect("BY", "after PARTITIONED")
            table.partitionedBy = try identifierList("PARTITIONED BY list")
        }
        if accept("WITH") {
            table.options = try options(of: name)
        }
        return table
    }

    /// One column, the watermark or the primary key.
    mutating func tableElement(_ table: inout SQLCreateTable) throws(SQLError) {
        let start = current
        if current.isKeyword("WATERMARK"), peek(1).isKeyword("FOR") {
            guard table.watermark == nil else { throw fail("table \(table.name.dotted) has a second WATERMARK; one is allowed") }
            advance()
            advance()
            let column = try name("the watermark's time column after WATERMARK FOR")
            try expect("AS", "after WATERMARK FOR \(column.dotted) (AS expression)")
            table.watermark = SQLWatermark(column: column, expression: try expression(), at: start.position)
            return
        }
        if current.isKeyword("CONSTRAINT") || (current.isKeyword("PRIMARY") && peek(1).isKeyword("KEY")) {
            var constraintName: SQLIdentifier?
            if accept("CONSTRAINT") { constraintName = try identifier("the constraint's name after CONSTRAINT") }
            try expect("PRIMARY", "after CONSTRAINT \(constraintName?.name ?? "")")
            try expect("KEY", "after PRIMARY")
            let columns = try identifierList("PRIMARY KEY column list")
            try notEnforced()
            try setPrimaryKey(&table, SQLPrimaryKey(constraintName: constraintName, columns: columns, at: start.position))
            return
        }
        let column = try identifier("a column name")
        if accept("AS") {
            let computed = try expression()
            let comment = accept("COMMENT") ? try string("after COMMENT") : nil
            table.columns.append(SQLColumnDefinition(name: column, kind: .computed(computed), comment: comment))
            return
        }
        guard atIdentifier || isReserved(current) else {
            throw fail("expected a type or AS after column \(column.name), found \(describe(current))")
        }
        let type = try dataType()
        var kind = SQLColumnDefinition.Kind.physical(type)
        if accept("METADATA") {
            let key = accept("FROM") ? try string("after METADATA FROM (the metadata key)") : nil
            kind = .metadata(type, key: key, virtual: accept("VIRTUAL"))
        }
        if current.isKeyword("PRIMARY") {
            let keyStart = advance()
            try expect("KEY", "after PRIMARY")
            try notEnforced()
            try setPrimaryKey(&table, SQLPrimaryKey(columns: [column], at: keyStart.position))
        }
        let comment = accept("COMMENT") ? try string("after COMMENT") : nil
        table.columns.append(SQLColumnDefinition(name: column, kind: kind, comment: comment))
    }

    mutating func notEnforced() throws(SQLError) {
        guard current.isKeyword("NOT"), peek(1).isKeyword("ENFORCED") else {
            throw fail("expected NOT ENFORCED after the primary key, found \(describe(current)) (Flink does not check primary keys, so it requires NOT ENFORCED)")
        }
        advance()
        advance()
    }

    func setPrimaryKey(_ table: inout SQLCreateTable, _ key: SQLPrimaryKey) throws(SQLError) {
        guard table.primaryKey == nil else {
            throw SQLError(.syntax, file: file, at: key.position, "table \(table.name.dotted) has a second PRIMARY KEY; one is allowed")
        }
        table.primaryKey = key
    }

    /// `('key' = 'value', ...)`.
    mutating func options(of table: SQLName) throws(SQLError) -> [SQLOption] {
        try expect(symbol: "(", "after WITH (the connector options)")
        var options: [SQLOption] = []
        var seen: Set<String> = []
        repeat {
            let key = try string("as an option's key in WITH of table \(table.dotted)")
            guard seen.insert(key.value).inserted else {
                throw SQLError(.syntax, file: file, at: key.position, "option '\(key.value)' appears twice in WITH of table \(table.dotted)")
            }
            try expect(symbol: "=", "after option '\(key.value)'")
            if case .number(let number) = current.kind {
                throw fail("expected a string value for option '\(key.value)', found number \(number) (write '\(number)')")
            }
            let value = try string("as the value of option '\(key.value)'")
            options.append(SQLOption(key: key, value: value))
        } while accept(symbol: ",")
        try expect(symbol: ")", "after the options of table \(table.dotted)")
        return options
    }

    // MARK: Types

    static let typeNames = [
        "BOOLEAN", "TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "FLOAT", "REAL", "DOUBLE", "DECIMAL", "DEC",
        "NUMERIC", "CHAR", "CHARACTER", "VARCHAR", "STRING", "BINARY", "VARBINARY", "BYTES", "DATE", "TIME",
        "TIMESTAMP", "TIMESTAMP_LTZ", "ARRAY", "MULTISET", "MAP", "ROW",
    ]

    /// A type, with `NOT NULL` or `NULL` after it.
    mutating func dataType() throws(SQLError) -> SQLDataType {
        try nested { (parser: inout SQLParser) throws(SQLError) in try parser.dataTypeLevel() }
    }

    private mutating func dataTypeLevel() throws(SQLError) -> SQLDataType {
        let start = current
        guard let word = current.keyword else {
            throw fail("expected a type, found \(describe(current))")
        }
        advance()
        let kind: SQLDataType.Kind
        switch word {
        case "BOOLEAN": kind = .boolean
        case "TINYINT": kind = .tinyint
        case "SMALLINT": kind = .smallint
        case "INT", "INTEGER": kind = .int
        case "BIGINT": kind = .bigint
        case "FLOAT", "REAL": kind = .float
        case "DOUBLE":
            _ = accept("PRECISION")
            kind = .double
        case "DECIMAL", "DEC", "NUMERIC":
            var precision: Int?
            var scale: Int?
            if accept(symbol: "(") {
                precision = try wholeNumber("the precision of \(word)")
                if accept(symbol: ",") { scale = try wholeNumber("the scale of \(word)") }
                try expect(symbol: ")", "after the precision and scale of \(word)")
            }
            kind = .decimal(precision: precision, scale: scale)
        case "CHAR", "CHARACTER":
            if accept("VARYING") {
                kind = .varchar(length: try optionalLength(word + " VARYING"))
            } else {
                kind = .char(length: try optionalLength(word))
            }
        case "VARCHAR": kind = .varchar(length: try optionalLength(word))
        case "STRING": kind = .string
        case "BINARY": kind = .binary(length: try optionalLength(word))
        case "VARBINARY": kind = .varbinary(length: try optionalLength(word))
        case "BYTES": kind = .bytes
        case "DATE": kind = .date
        case "TIME":
            let precision = try optionalLength(word, what: "precision")
            try withoutTimeZone()
            kind = .time(precision: precision)
        case "TIMESTAMP":
            let precision = try optionalLength(word, what: "precision")
            if current.isKeyword("WITH") {
                advance()
                try expect("LOCAL", "after TIMESTAMP WITH (WITH LOCAL TIME ZONE)")
                try expect("TIME", "after WITH LOCAL")
                try expect("ZONE", "after WITH LOCAL TIME")
                kind = .timestampLocalTimeZone(precision: precision)
            } else {
                try withoutTimeZone()
                kind = .timestamp(precision: precision)
            }
        case "TIMESTAMP_LTZ": kind = .timestampLocalTimeZone(precision: try optionalLength(word, what: "precision"))
        case "ARRAY", "MULTISET":
            try expect(symbol: "<", "after \(word) (\(word)<element type>)")
            let element = try dataType()
            try expect(symbol: ">", "after the element type of \(word)")
            kind = word == "ARRAY" ? .array(element) : .multiset(element)
        case "MAP":
            try expect(symbol: "<", "after MAP (MAP<key type, value type>)")
            let key = try dataType()
            try expect(symbol: ",", "after the key type of MAP")
            let value = try dataType()
            try expect(symbol: ">", "after the value type of MAP")
            kind = .map(key: key, value: value)
        case "ROW":
            kind = .row(try rowFields())
        default:
            throw fail("unknown type \(describe(start)); expected one of \(Self.typeNames.joined(separator: ", "))", at: start)
        }
        var nullable = true
        if current.isKeyword("NOT"), peek(1).isKeyword("NULL") {
            advance()
            advance()
            nullable = false
        } else if current.isKeyword("NULL") {
            advance()
        }
        return SQLDataType(kind, nullable: nullable, at: start.position)
    }

    /// `ROW<name type, ...>` or `ROW(name type, ...)`.
    private mutating func rowFields() throws(SQLError) -> [SQLRowField] {
        let close: String
        if accept(symbol: "<") {
            close = ">"
        } else if accept(symbol: "(") {
            close = ")"
        } else {
            throw fail("expected '<' after ROW (ROW<name type, ...>), found \(describe(current))")
        }
        var fields: [SQLRowField] = []
        if accept(symbol: close) { return fields }
        repeat {
            let name = try identifier(fields.isEmpty ? "a field name in ROW" : "a field name after ',' in ROW")
            guard atIdentifier || isReserved(current) else {
                throw fail("expected the type of field \(name.name), found \(describe(current))")
            }
            let type = try dataType()
            let comment = accept("COMMENT") ? try string("after COMMENT") : nil
            fields.append(SQLRowField(name: name, type: type, comment: comment))
        } while accept(symbol: ",")
        try expect(symbol: close, "after the fields of ROW")
        return fields
    }

    private mutating func optionalLength(_ type: String, what: String = "length") throws(SQLError) -> Int? {
        guard accept(symbol: "(") else { return nil }
        let length = try wholeNumber("the \(what) of \(type)")
        try expect(symbol: ")", "after the \(what) of \(type)")
        return length
    }

    private mutating func withoutTimeZone() throws(SQLError) {
        guard accept("WITHOUT") else { return }
        try expect("TIME", "after WITHOUT (WITHOUT TIME ZONE)")
        try expect("ZONE", "after WITHOUT TIME")
    }
}
