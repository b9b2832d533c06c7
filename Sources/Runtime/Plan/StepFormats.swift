import Columns
import Core
import PluginHost

/// The record format and schema on each side of a step, chosen at plan
/// time (docs/ARCHITECTURE.md, "Records: bytes and typed columns").
///
/// The host converts only where two connected steps disagree:
/// - a step that emits both formats emits columns when every step reading
///   its main output takes columns through a forward or rebalance edge
///   (and, for a source, when it knows its output's schema), or through a
///   key_by whose key the columns give (`ColumnKey`: `$key`, or a scalar
///   field of the output schema); bytes otherwise;
/// - a step that takes both formats takes columns when its inputs send
///   columns, or the bytes of a source whose job file declares `schema:`
///   (read into columns at the edge, as for a step that takes only
///   columns); bytes otherwise;
/// - a step that takes only columns and may be sent bytes needs the schema
///   of its input (a source's `schema:` or the one a component declares),
///   to read the bytes into columns; a step without one is refused here;
/// - a step that takes only bytes has the bytes of a source whose job file
///   declares `schema:` read against it all the same (`inputChecks`), so
///   that every record is checked whatever reads it.
public struct StepFormats: Sendable {
    /// What process receives; nil for sources.
    public var input: DataFormats?
    /// What the steps after it take (instances are told, to emit it);
    /// nil for sinks.
    public var output: DataFormats?
    /// The schema of the records it reads, when known.
    public var inputSchema: Schema?
    /// The schema of the records it emits, when known.
    public var outputSchema: Schema?
    /// Per input, for a step that takes only bytes: the declared `schema:`
    /// of the source whose bytes it reads there, if any. Its records are
    /// read into columns against it and written back as JSON, so a row
    /// that does not fit goes to the dead letters as it would for a step
    /// reading columns, and the step gets the values the schema reads
    /// (`"7"` as 7, a decimal rounded to its scale).
    public var inputChecks: [Schema?] = []

    /// Chooses every step's formats and schemas (in `plan.steps` order).
    static func plan(_ steps: [PlannedStep], spec: JobSpec) throws(JobFileError) -> [StepFormats] {
        var formats = [StepFormats](repeating: StepFormats(), count: steps.count)
        let specByID = Dictionary(uniqueKeysWithValues: spec.steps.map { ($0.id, $0) })
        func fail(_ step: PlannedStep, _ field: String, _ message: String) -> JobFileError {
            let stepSpec = specByID[step.id]!
            return JobFileError(file: spec.file, location: stepSpec.fieldLocations[field] ?? stepSpec.location,
                                field: "pipeline[\(stepSpec.index)]" + (field.isEmpty ? "" : ".\(field)"), message: message)
        }

        // Output schemas, in dependency order (inputs are planned first:
        // the job graph is acyclic).
        var resolved = [Bool](repeating: false, count: steps.count)
        func outputSchema(_ index: Int) throws(JobFileError) -> Schema? {
            if resolved[index] { return formats[index].outputSchema }
            let step = steps[index]
            // The input's schema first: an operator's output may follow
            // from it (map's fields typed by its expressions).
            let input = try inputSchema(index)
            var schema: Schema?
            do {
                schema = try step.component.declaredOutputSchema(config: step.config, input: input)
            } catch {
                throw fail(step, step.component.kind.rawValue, "\(error)")
            }
            if step.component.kind == .source, let declared = specByID[step.id]?.schema {
                // The job file's schema says what the records hold; a
                // component's own declaration is the default.
                schema = declared
            }
            formats[index].inputSchema = input
            formats[index].outputSchema = schema
            resolved[index] = true
            return schema
        }
        func inputSchema(_ index: Int) throws(JobFileError) -> Schema? {
            var schemas: [Schema?] = []
            for input in steps[index].inputs {
                schemas.append(input.sideOutput == nil ? try outputSchema(input.step) : nil)
            }
            guard let first = schemas.first, schemas.allSatisfy({ $0 == first }) else { return nil }
            return first
        }
        for index in steps.indices { _ = try outputSchema(index) }

        // Output formats: what the readers of the main output take.
        for (index, step) in steps.enumerated() where step.component.kind != .sink {
            let emits = step.component.outputFormats
            if emits != .all {
                formats[index].output = emits
                continue
            }
            var readers = 0
            var allTakeColumns = true
            for (consumer, input) in consumersOfMainOutput(index, steps) {
                readers += 1
                if case .hash(let selector, _) = input.exchange,
                   !Self.keyComesFromColumns(selector, schema: formats[index].outputSchema) {
                    allTakeColumns = false
                }
                if !steps[consumer].component.inputFormats.contains(.columns) { allTakeColumns = false }
            }
            // A source emits columns only for a config it knows the schema
            // of (datagen's padded values have none).
            let canEmitColumns = step.component.kind != .source || formats[index].outputSchema != nil
            formats[index].output = readers > 0 && allTakeColumns && canEmitColumns ? .columns : .bytes
        }

        // Input formats: one of what the step takes, what its inputs send
        // when it takes both.
        for (index, step) in steps.enumerated() where step.component.kind != .source {
            let takes = step.component.inputFormats
            var sendsBytes = false
            // Whether every input that sends bytes is a source whose job
            // file declares `schema:`.
            var bytesOfDeclaredSchema = true
            for input in step.inputs {
                if input.sideOutput != nil {  // side outputs are records
                    sendsBytes = true
                    bytesOfDeclaredSchema = false
                    continue
                }
                var bytes = formats[input.step].output != .columns
                if case .hash(let selector, _) = input.exchange,
                   !Self.keyComesFromColumns(selector, schema: formats[input.step].outputSchema) {
                    bytes = true
                }
                if bytes {
                    sendsBytes = true
                    if specByID[steps[input.step].id]?.schema == nil { bytesOfDeclaredSchema = false }
                }
            }
            if takes == .all {
                // The bytes of a source with a declared `schema:` (JSON
                // lines, CSV rows: a file source's values) are read into
                // columns at this edge, so that the step runs on columns
                // and every record is checked against the schema.
                let convert = sendsBytes && bytesOfDeclaredSchema && formats[index].inputSchema != nil
                formats[index].input = sendsBytes && !convert ? .bytes : .columns
            } else {
                formats[index].input = takes
                if !takes.contains(.columns) {
                    formats[index].inputChecks = step.inputs.map { input in
                        guard input.sideOutput == nil, steps[input.step].component.kind == .source,
                              formats[input.step].output != .columns else { return nil }
                        return specByID[steps[input.step].id]?.schema
                    }
                }
            }
            if formats[index].input == .columns, sendsBytes, formats[index].inputSchema == nil {
                throw fail(step, "", "step '\(step.id)' (\(step.component.kind) '\(step.component.name)') reads only typed "
                    + "columns, but its input arrives as bytes with no known schema: declare `schema:` on the source "
                    + "step (field names and types), or read it from a step that emits columns")
            }
        }
        return formats
    }

    /// Whether a key_by exchange can key typed records of `schema` without
    /// writing them as JSON (the exchange then passes the columns on).
    static func keyComesFromColumns(_ selector: KeySelector, schema: Schema?) -> Bool {
        switch selector {
        case .recordKey: return true
        case .field(let path, let text):
            guard let schema else { return false }
            return ColumnKey(path: path.segments, text: text, schema: schema) != nil
        }
    }

    private static func consumersOfMainOutput(_ index: Int, _ steps: [PlannedStep]) -> [(Int, PlannedStep.Input)] {
        steps.enumerated().flatMap { consumer, step in
            step.inputs.filter { $0.step == index && $0.sideOutput == nil }.map { (consumer, $0) }
        }
    }
}
