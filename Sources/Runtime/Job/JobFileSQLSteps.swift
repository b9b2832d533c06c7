import SQL
import Yams

/// `sql:` steps of a job file: a step whose body is a SQL script
/// (CREATE TABLE ... WITH, INSERT INTO, SELECT, statement sets) stands for
/// the steps the SQL planner compiles it to, in its place.
///
/// ```yaml
/// pipeline:
///   - id: totals
///     sql: |
///       CREATE TABLE orders (...) WITH ('connector' = 'filesystem', ...);
///       INSERT INTO totals SELECT ... GROUP BY ..., TUMBLE(...);
/// ```
///
/// The planned steps are spliced in with ids prefixed by the step's id
/// (`totals.orders`, `totals.select`), so that several SQL scripts and
/// YAML steps share one job: one checkpoint, one state backend, the job
/// file's `functions:`, `isolation:` and dead letters. A script is
/// self-contained: it reads and writes through its tables' connectors
/// (the `kafka` connector reads a topic a YAML step writes, and the other
/// way round). The job-wide settings belong to the job file, so a `SET` in a
/// `sql:` step is an error. A mistake in the SQL is reported at its line and
/// column in the job file. `streamhost sql --explain job.yaml` prints the
/// job file with its `sql:` steps expanded; `streamhost validate` lists them.
enum JobFileSQLSteps {
    /// The fields a `sql:` step takes.
    static let fields = ["id", "sql"]

    /// The job file `text` with its `sql:` steps expanded, as YAML (what
    /// `streamhost sql --explain job.yaml` prints; comments are not kept).
    static func expanded(text: String, file: String) throws(JobFileError) -> String {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw JobFileError(file: file, location: nil, field: nil, message: "not valid YAML: \(error)")
        }
        guard let root else { throw JobFileError(file: file, location: nil, field: nil, message: "the job file is empty") }
        let expanded = try expand(root, file: file, lines: text.split(separator: "\n", omittingEmptySubsequences: false))
        do {
            return try Yams.serialize(node: expanded, width: -1)
        } catch {
            preconditionFailure("an expanded job file does not serialize: \(error)")
        }
    }

    /// `root` with every `sql:` step replaced by its planned steps.
    static func expand(_ root: Node, file: String, lines: [Substring]) throws(JobFileError) -> Node {
        guard case .mapping(var mapping) = root, let pipeline = mapping["pipeline"], case .sequence(let sequence) = pipeline,
              sequence.contains(where: isSQLStep) else { return root }
        var steps: [Node] = []
        for (index, step) in sequence.enumerated() {
            guard isSQLStep(step) else {
                steps.append(step)
                continue
            }
            steps += try planned(step, index: index, file: file, lines: lines)
        }
        mapping["pipeline"] = .sequence(Node.Sequence(steps, sequence.tag, sequence.style, sequence.mark))
        return .mapping(mapping)
    }

    static func isSQLStep(_ node: Node) -> Bool {
        guard case .mapping(let mapping) = node else { return false }
        return mapping["sql"] != nil
    }

    /// The steps one `sql:` step (pipeline[`index`]) plans to.
    static func planned(_ step: Node, index: Int, file: String, lines: [Substring]) throws(JobFileError) -> [Node] {
        let field = "pipeline[\(index)]"
        func fail(_ node: Node?, _ at: String, _ message: String) -> JobFileError {
            JobFileError(file: file, location: node?.mark.map { SourceLocation(line: $0.line, column: $0.column) },
                         field: at, message: message)
        }
        guard case .mapping(let mapping) = step else { preconditionFailure("isSQLStep checked the mapping") }
        for (key, _) in mapping {
            guard case .scalar(let name) = key, fields.contains(name.string) else {
                throw fail(key, field, "a sql: step takes only id and sql (its SQL says where it reads and writes); "
                    + "got '\(key.scalar?.string ?? "?")'")
            }
        }
        guard case .scalar(let idScalar)? = mapping["id"] else {
            throw fail(step, "\(field).id", "missing required field 'id' (it prefixes the ids of the steps the SQL plans to)")
        }
        let id = idScalar.string
        guard let sqlNode = mapping["sql"], case .scalar(let sql) = sqlNode else {
            throw fail(mapping["sql"], "\(field).sql", "expected the SQL script as text (write `sql: |` and the script below it)")
        }
        let job: SQLJob
        do {
            job = try SQLPlanner.plan(sql.string, file: file, jobName: id)
        } catch {
            // A literal block (`|`) and a one-line scalar keep the SQL's lines
            // and columns; a folded one (`>`) joins lines, so the place in the
            // folded text is named with the scalar's own place.
            guard sql.style != .folded else {
                throw fail(sqlNode, "\(field).sql", "line \(error.line), column \(error.column) of the folded SQL: \(error.message) "
                    + "(write `sql: |` to have mistakes placed in the job file)")
            }
            let place = location(of: error, in: sql, lines: lines)
            throw JobFileError(file: file, location: place, field: "\(field).sql", message: error.message)
        }
        if job.parallelism != nil || job.checkpointIntervalMs != nil || job.name != id {
            throw fail(sqlNode, "\(field).sql", "SET in a sql: step: parallelism, checkpoints and the job's name are "
                + "set at the top of the job file (parallelism:, checkpoints:, name:)")
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: job.yaml)
        } catch {
            preconditionFailure("the SQL planner's job file is not YAML: \(error)")
        }
        guard case .mapping(let plannedJob)? = composed, case .sequence(let plannedSteps)? = plannedJob["pipeline"] else {
            preconditionFailure("the SQL planner's job file has no pipeline")
        }
        // Every planned step is placed at the sql: step, for errors found later.
        return plannedSteps.map { step in
            var step = step
            if case .mapping(var fields) = step {
                if case .scalar(let planned)? = fields["id"] { fields["id"] = .scalar(.init("\(id).\(planned.string)")) }
                if case .sequence(let inputs)? = fields["inputs"] {
                    fields["inputs"] = .sequence(.init(inputs.map { input in
                        guard case .scalar(let name) = input else { return input }
                        return .scalar(.init("\(id).\(name.string)"))
                    }))
                }
                step = .mapping(fields)
            }
            return remarked(step, sqlNode.mark)
        }
    }

    /// Where a SQL error is in the job file: the script's line 1 is the
    /// line after a literal block's `|` (indented), else the scalar's own
    /// (a quoted scalar's escapes are not counted back).
    static func location(of error: SQLError, in sql: Node.Scalar, lines: [Substring]) -> SourceLocation? {
        guard let mark = sql.mark else { return nil }
        switch sql.style {
        case .literal:
            // The first line of content after the indicator line, and its indentation.
            var first = mark.line + 1
            while first <= lines.count, lines[first - 1].allSatisfy({ $0 == " " }) { first += 1 }
            let indent = first <= lines.count ? lines[first - 1].prefix { $0 == " " }.count : 0
            return SourceLocation(line: first + error.line - 1, column: indent + error.column)
        default:
            // One-line scalars: quoted ones start a character later.
            let quote = sql.style == .singleQuoted || sql.style == .doubleQuoted ? 1 : 0
            return SourceLocation(line: mark.line + error.line - 1,
                                  column: error.line == 1 ? mark.column + quote + error.column - 1 : error.column)
        }
    }

    /// `node` with every mark set to `mark`.
    static func remarked(_ node: Node, _ mark: Mark?) -> Node {
        switch node {
        case .scalar(var scalar):
            scalar.mark = mark
            return .scalar(scalar)
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { (remarked($0.key, mark), remarked($0.value, mark)) }, mapping.tag,
                                         mapping.style, mark))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map { remarked($0, mark) }, sequence.tag, sequence.style, mark))
        case .alias:
            return node
        }
    }
}
