/// Tables, views and functions from CREATE statements, and the check of
/// every other statement against them: names resolved, types checked,
/// errors naming the column or table and its position.
///
/// Scripts are added in order (the Nexmark runner's `ddl_gen.sql`, then
/// `ddl_views.sql`, then a query); each statement sees what the ones
/// before it created. Names of tables, views and columns are
/// case-sensitive, as in Flink; function names are not.
public struct SQLCatalog: Sendable {
    /// Tables and views by name (dotted, as written).
    public private(set) var relations: [String: SQLRelation] = [:]
    /// Functions from CREATE FUNCTION, by uppercased name.
    public private(set) var functions: [String: SQLCreateFunction] = [:]
    /// The CREATE TABLE statement of each table, by name (the planner reads
    /// its column definitions).
    public private(set) var createStatements: [String: SQLCreateTable] = [:]
    /// The file each relation was created in, for messages.
    private var files: [String: String] = [:]

    public init() {}

    /// A statement with what its query produces.
    public struct CheckedStatement: Sendable, Equatable {
        public let statement: SQLStatement
        /// The columns of its query (a SELECT, the query of an INSERT or a
        /// view, an EXPLAIN's); empty for the others.
        public let output: [SQLColumn]
    }

    /// Adds the script's tables, views and functions and checks its
    /// queries and inserts against the catalog.
    @discardableResult
    public mutating func add(_ script: SQLScript) throws(SQLError) -> [CheckedStatement] {
        var checked: [CheckedStatement] = []
        for statement in script.statements {
            checked.append(CheckedStatement(statement: statement, output: try add(statement, file: script.file)))
        }
        return checked
    }

    public func relation(_ name: String) -> SQLRelation? { relations[name] }

    private mutating func add(_ statement: SQLStatement, file: String) throws(SQLError) -> [SQLColumn] {
        let analyzer = SQLAnalyzer(catalog: self, file: file)
        switch statement.kind {
        case .createTable(let table):
            guard try claim(table.name, ifNotExists: table.ifNotExists, file: file) else { return [] }
            relations[table.name.dotted] = try analyzer.table(table)
            createStatements[table.name.dotted] = table
            files[table.name.dotted] = file
        case .createView(let view):
            guard try claim(view.name, ifNotExists: view.ifNotExists, file: file) else { return [] }
            var columns = try analyzer.query(view.query)
            if !view.columns.isEmpty {
                guard view.columns.count == columns.count else {
                    throw SQLError(.invalid, file: file, at: view.name.position,
                                   "view \(view.name.dotted) names \(view.columns.count) columns but its query has \(columns.count)")
                }
                for (index, name) in view.columns.enumerated() { columns[index].name = name.name }
            }
            try analyzer.requireDistinct(columns.map(\.name), positions: columns.map(\.position), of: "view \(view.name.dotted)")
            relations[view.name.dotted] = SQLRelation(name: view.name.dotted, columns: columns, kind: .view(view.query), at: statement.position)
            files[view.name.dotted] = file
            return columns
        case .createFunction(let function):
            let key = function.name.dotted.uppercased()
            if functions[key] != nil || SQLBuiltinFunction.table[key] != nil {
                if function.ifNotExists { return [] }
                throw SQLError(.invalid, file: file, at: function.name.position,
                               "function \(function.name.dotted) already exists\(SQLBuiltinFunction.table[key] != nil ? " as a built-in function" : "")")
            }
            functions[key] = function
        case .insert(let insert):
            return try analyzer.insert(insert)
        case .statementSet(let inserts):
            for insert in inserts { _ = try analyzer.insert(insert) }
        case .query(let query):
            return try analyzer.query(query)
        case .explain(let inner):
            return try add(inner, file: file)
        case .set:
            break
        }
        return []
    }

    /// Whether `name` is free; false (skip) when it is taken and IF NOT
    /// EXISTS was written, an error when it is taken otherwise.
    private func claim(_ name: SQLName, ifNotExists: Bool, file: String) throws(SQLError) -> Bool {
        guard let existing = relations[name.dotted] else { return true }
        if ifNotExists { return false }
        let kind = if case .view = existing.kind { "view" } else { "table" }
        throw SQLError(.invalid, file: file, at: name.position,
                       "\(kind) \(name.dotted) already exists (created at \(files[name.dotted] ?? file):\(existing.position))")
    }
}
