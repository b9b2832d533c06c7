import Core
import Foundation
import PluginHost
import Yams

/// Reads a job file into a `JobSpec`, checking its structure: types, ids,
/// inputs and cycles. Plugins are not needed for this; `JobValidator`
/// checks components and configs afterwards.
public enum JobFileParser {
    static let topLevelFields = [
        "name", "parallelism", "max_parallelism", "dead_letter", "batch_size", "channel_capacity", "state",
        "checkpoints", "pipeline", "functions", "isolation",
    ]
    static let stepFields = [
        "id", "source", "operator", "sink", "key_by", "config", "inputs", "parallelism", "watermarks",
    ]

    /// Default number of key groups.
    public static let maxParallelismDefault = 128
    public static let batchRecordsDefault = 1024
    public static let channelBatchesDefault = 8

    /// Parses the file at `path`.
    public static func parse(path: String, overrides: [String] = []) throws(JobFileError) -> JobSpec {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw JobFileError(file: path, location: nil, field: nil,
                               message: "cannot read the job file: \(error.localizedDescription)")
        }
        return try parse(text: text, file: path, overrides: overrides)
    }

    /// Parses job-file text; `file` names it in errors.
    public static func parse(text: String, file: String, overrides: [String] = []) throws(JobFileError) -> JobSpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw JobFileError(file: file, location: nil, field: nil, message: "the job file is empty")
            }
            root = node
        } catch let error as JobFileError {
            throw error
        } catch let error as YamlError {
            throw JobFileError(file: file, location: yamlLocation(error), field: nil,
                               message: "not valid YAML: \(yamlProblem(error))")
        } catch {
            throw JobFileError(file: file, location: nil, field: nil, message: "not valid YAML: \(error)")
        }
        var reader = Reader(file: file)
        reader.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var spec = try reader.job(root)
        try applyOverrides(overrides, to: &spec)
        try resolveInputs(&spec)
        return spec
    }

    private static func yamlLocation(_ error: YamlError) -> SourceLocation? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(line: mark.line, column: mark.column)
        default:
            return nil
        }
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            if let context { return "\(problem) \(context.text)" }
            return problem
        default:
            return "\(error)"
        }
    }

    // MARK: Reading nodes

    struct Reader {
        let file: String
        /// The file's lines, to find the indentation of block scalars.
        var lines: [Substring] = []

        func location(_ node: Node) -> SourceLocation? {
            node.mark.map { SourceLocation(line: $0.line, column: $0.column) }
        }

        func error(_ node: Node?, _ field: String, _ message: String) -> JobFileError {
            JobFileError(file: file, location: node.flatMap(location), field: field, message: message)
        }

        func describe(_ node: Node) -> String {
            switch node {
            case .scalar(let scalar):
                switch value(node) {
                case .string: return "string \"\(scalar.string)\""
                case .int, .double: return "number \(scalar.string)"
                case .bool: return "boolean \(scalar.string)"
                case .null: return "null"
                default: return "\"\(scalar.string)\""
                }
            case .mapping: return "a mapping"
            case .sequence: return "a list"
            case .alias: return "an alias"
            }
        }

        /// A mapping's entries in order, refusing duplicate and non-string keys.
        func entries(_ node: Node, _ field: String) throws(JobFileError) -> [(String, Node, Node)] {
            guard case .mapping(let mapping) = node else {
                throw error(node, field, "expected a mapping, got \(describe(node))")
            }
            var seen = Set<String>()
            var out: [(String, Node, Node)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let scalar) = keyNode else {
                    throw error(keyNode, field, "keys must be strings")
                }
                let key = scalar.string
                guard seen.insert(key).inserted else {
                    throw error(keyNode, field.isEmpty ? key : "\(field).\(key)", "duplicate field '\(key)'")
                }
                out.append((key, keyNode, valueNode))
            }
            return out
        }

        func string(_ node: Node, _ field: String) throws(JobFileError) -> String {
            guard case .scalar(let scalar) = node, case .string(let string) = value(node) else {
                throw error(node, field, "expected a string, got \(describe(node))")
            }
            _ = scalar
            return string
        }

        func integer(_ node: Node, _ field: String, min: Int, max: Int) throws(JobFileError) -> Int {
            guard case .int(let number) = value(node) else {
                throw error(node, field, "expected an integer, got \(describe(node))")
            }
            guard number >= Int64(min), number <= Int64(max) else {
                throw error(node, field, "must be between \(min) and \(max), got \(number)")
            }
            return Int(number)
        }

        /// A YAML node as JSON: scalars by their resolved YAML tag.
        func value(_ node: Node) -> JSONValue {
            switch node {
            case .scalar(let scalar):
                switch Tag.Name(rawValue: node.tag.rawValue) {
                case Tag.Name.null: return .null
                case Tag.Name.bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
                case Tag.Name.int:
                    if let number = Int64(scalar.string) { return .int(number) }
                    return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
                case Tag.Name.float:
                    return node.float.map(JSONValue.double) ?? .string(scalar.string)
                default: return .string(scalar.string)
                }
            case .mapping(let mapping):
                var object = JSONObject()
                for (key, value) in mapping {
                    object[key.string ?? ""] = self.value(value)
                }
                return .object(object)
            case .sequence(let sequence):
                return .array(sequence.map { self.value($0) })
            case .alias:
                return .null
            }
        }

        /// Records where each scalar under `node` was written and how.
        func collectScalarLocations(_ node: Node, path: [String], into locations: inout [[String]: ConfigValueLocation]) {
            switch node {
            case .scalar(let scalar):
                guard let mark = node.mark else { return }
                let style: ConfigValueLocation.Style
                switch scalar.style {
                case .singleQuoted, .doubleQuoted: style = .quoted
                case .literal, .folded:
                    // The text starts on the line after the indicator, at
                    // that line's indentation.
                    let next = mark.line < lines.count ? lines[mark.line] : ""
                    style = .block(indentation: next.prefix { $0 == " " }.count)
                default: style = .plain
                }
                locations[path] = ConfigValueLocation(location: SourceLocation(line: mark.line, column: mark.column), style: style)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    collectScalarLocations(value, path: path + [key.string ?? ""], into: &locations)
                }
            case .sequence(let sequence):
                for (index, element) in sequence.enumerated() {
                    collectScalarLocations(element, path: path + ["\(index)"], into: &locations)
                }
            case .alias:
                return
            }
        }

        mutating func job(_ root: Node) throws(JobFileError) -> JobSpec {
            var spec = JobSpec(
                file: file, name: "", parallelism: 1, maxParallelism: JobFileParser.maxParallelismDefault,
                deadLetterPath: nil, batchRecordsMax: JobFileParser.batchRecordsDefault,
                channelBatchesMax: JobFileParser.channelBatchesDefault, steps: [], locations: [:])
            var pipelineNode: Node?
            var nameSeen = false
            for (key, keyNode, valueNode) in try entries(root, "") {
                spec.locations[key] = location(keyNode)
                switch key {
                case "name":
                    spec.name = try string(valueNode, "name")
                    nameSeen = true
                    guard JobFileParser.isValidIdentifier(spec.name) else {
                        throw error(valueNode, "name", "job names use letters, digits, '-', '_' and '.' only, got \"\(spec.name)\"")
                    }
                case "parallelism":
                    spec.parallelism = try integer(valueNode, "parallelism", min: 1, max: 32768)
                case "max_parallelism":
                    spec.maxParallelism = try integer(valueNode, "max_parallelism", min: 1, max: 32768)
                case "dead_letter":
                    spec.deadLetterPath = try string(valueNode, "dead_letter")
                case "batch_size":
                    spec.batchRecordsMax = try integer(valueNode, "batch_size", min: 1, max: 65536)
                case "channel_capacity":
                    spec.channelBatchesMax = try integer(valueNode, "channel_capacity", min: 1, max: 4096)
                case "state":
                    spec.state = try state(valueNode)
                case "checkpoints":
                    spec.checkpoints = try checkpoints(valueNode)
                case "pipeline":
                    pipelineNode = valueNode
                case "functions":
                    spec.functions = try functions(valueNode)
                case "isolation":
                    let text = try string(valueNode, "isolation")
                    guard let isolation = Isolation(rawValue: text) else {
                        throw error(valueNode, "isolation", "unknown isolation '\(text)' (allowed: "
                            + Isolation.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    }
                    spec.isolation = isolation
                default:
                    throw error(keyNode, key, "unknown field '\(key)' (allowed: "
                        + JobFileParser.topLevelFields.joined(separator: ", ") + ")")
                }
            }
            guard nameSeen else { throw error(root, "name", "missing required field 'name'") }
            guard let pipelineNode else { throw error(root, "pipeline", "missing required field 'pipeline'") }
            guard case .sequence(let sequence) = pipelineNode else {
                throw error(pipelineNode, "pipeline", "expected a list of steps, got \(describe(pipelineNode))")
            }
            guard !sequence.isEmpty else { throw error(pipelineNode, "pipeline", "the pipeline has no steps") }
            if spec.parallelism > spec.maxParallelism {
                throw error(nil, "parallelism", "parallelism \(spec.parallelism) exceeds max_parallelism \(spec.maxParallelism)")
            }
            var ids: [String: SourceLocation] = [:]
            for (index, stepNode) in sequence.enumerated() {
                let step = try self.step(stepNode, index: index)
                if let first = ids[step.id] {
                    throw error(stepNode, "pipeline[\(index)].id",
                                "duplicate step id '\(step.id)' (first used at line \(first.line))")
                }
                ids[step.id] = step.location
                if let p = step.parallelism, p > spec.maxParallelism {
                    throw error(stepNode, "pipeline[\(index)].parallelism",
                                "parallelism \(p) exceeds max_parallelism \(spec.maxParallelism)")
                }
                spec.steps.append(step)
            }
            return spec
        }

        func checkpoints(_ node: Node) throws(JobFileError) -> CheckpointSpec {
            var spec = CheckpointSpec(intervalMs: 0)
            var intervalSeen = false
            for (key, keyNode, valueNode) in try entries(node, "checkpoints") {
                let field = "checkpoints.\(key)"
                switch key {
                case "interval_ms":
                    spec.intervalMs = Int64(try integer(valueNode, field, min: 10, max: 86_400_000))
                    intervalSeen = true
                case "timeout_ms":
                    spec.timeoutMs = Int64(try integer(valueNode, field, min: 10, max: 86_400_000))
                case "min_pause_ms":
                    spec.minPauseMs = Int64(try integer(valueNode, field, min: 0, max: 86_400_000))
                case "retained":
                    spec.retained = try integer(valueNode, field, min: 1, max: 1000)
                case "directory":
                    let path = try string(valueNode, field)
                    guard !path.isEmpty else { throw error(valueNode, field, "must not be empty") }
                    spec.directory = path
                case "restart":
                    spec.restart = try restart(valueNode)
                default:
                    throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                        + CheckpointSpec.fields.joined(separator: ", ") + ")")
                }
            }
            guard intervalSeen else { throw error(node, "checkpoints.interval_ms", "missing required field 'interval_ms'") }
            return spec
        }

        func restart(_ node: Node) throws(JobFileError) -> CheckpointSpec.RestartStrategy {
            var strategy = "fixed_delay"
            var numbers: [String: (Node, Int)] = [:]
            var multiplier = 2.0
            for (key, keyNode, valueNode) in try entries(node, "checkpoints.restart") {
                let field = "checkpoints.restart.\(key)"
                switch key {
                case "strategy":
                    strategy = try string(valueNode, field)
                    guard CheckpointSpec.RestartStrategy.names.contains(strategy) else {
                        throw error(valueNode, field, "unknown restart strategy '\(strategy)' (allowed: "
                            + CheckpointSpec.RestartStrategy.names.joined(separator: ", ") + ")")
                    }
                case "attempts":
                    numbers[key] = (keyNode, try integer(valueNode, field, min: 1, max: 1_000_000))
                case "delay_ms", "initial_delay_ms", "max_delay_ms", "reset_after_ms":
                    numbers[key] = (keyNode, try integer(valueNode, field, min: 0, max: 86_400_000))
                case "multiplier":
                    let value = self.value(valueNode)
                    let number: Double
                    switch value {
                    case .int(let int): number = Double(int)
                    case .double(let double): number = double
                    default: throw error(valueNode, field, "expected a number, got \(describe(valueNode))")
                    }
                    guard number >= 1, number <= 100 else {
                        throw error(valueNode, field, "must be between 1 and 100, got \(number)")
                    }
                    multiplier = number
                    numbers[key] = (keyNode, 0)
                default:
                    throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                        + CheckpointSpec.restartFields.joined(separator: ", ") + ")")
                }
            }
            let allowed: Set<String>
            switch strategy {
            case "none": allowed = []
            case "fixed_delay": allowed = ["attempts", "delay_ms"]
            default: allowed = ["attempts", "initial_delay_ms", "max_delay_ms", "multiplier", "reset_after_ms"]
            }
            for (key, (keyNode, _)) in numbers where !allowed.contains(key) {
                throw error(keyNode, "checkpoints.restart.\(key)", "does not apply to the \(strategy) strategy")
            }
            let attempts = numbers["attempts"]?.1 ?? 3
            switch strategy {
            case "none": return .none
            case "fixed_delay": return .fixedDelay(attempts: attempts, delayMs: Int64(numbers["delay_ms"]?.1 ?? 1_000))
            default:
                let initial = Int64(numbers["initial_delay_ms"]?.1 ?? 100)
                let maximum = Int64(numbers["max_delay_ms"]?.1 ?? 60_000)
                guard maximum >= initial else {
                    throw error(numbers["max_delay_ms"]?.0, "checkpoints.restart.max_delay_ms",
                                "must not be less than initial_delay_ms (\(initial))")
                }
                return .exponentialBackoff(
                    attempts: attempts, initialDelayMs: initial, maxDelayMs: maximum, multiplier: multiplier,
                    resetAfterMs: Int64(numbers["reset_after_ms"]?.1 ?? 600_000))
            }
        }

        func state(_ node: Node) throws(JobFileError) -> StateSpec {
            var spec = StateSpec()
            var boundNode: Node?
            var directoryNode: Node?
            for (key, keyNode, valueNode) in try entries(node, "state") {
                let field = "state.\(key)"
                switch key {
                case "backend":
                    let name = try string(valueNode, field)
                    guard let backend = StateSpec.Backend(rawValue: name) else {
                        throw error(valueNode, field, "unknown state backend '\(name)' (allowed: "
                            + StateSpec.Backend.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    }
                    spec.backend = backend
                case "memory_bytes_max":
                    spec.memoryBytesMax = try integer(valueNode, field, min: 1024, max: Int.max)
                    boundNode = keyNode
                case "directory":
                    let path = try string(valueNode, field)
                    guard !path.isEmpty else { throw error(valueNode, field, "must not be empty") }
                    spec.directory = path
                    directoryNode = keyNode
                default:
                    throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                        + StateSpec.fields.joined(separator: ", ") + ")")
                }
            }
            if spec.backend == .rocksdb, let boundNode {
                throw error(boundNode, "state.memory_bytes_max", "applies to the memory backend only; "
                    + "the rocksdb backend keeps state on disk")
            }
            if spec.backend == .memory, let directoryNode {
                throw error(directoryNode, "state.directory", "applies to the rocksdb backend only")
            }
            return spec
        }

        func watermarks(_ node: Node, _ prefix: String) throws(JobFileError) -> WatermarkSpec {
            var spec = WatermarkSpec()
            var boundNode: Node?
            var strategyNode: Node?
            for (key, keyNode, valueNode) in try entries(node, prefix) {
                let field = "\(prefix).\(key)"
                switch key {
                case "strategy":
                    let name = try string(valueNode, field)
                    guard let strategy = WatermarkSpec.Strategy(rawValue: name) else {
                        throw error(valueNode, field, "unknown watermark strategy '\(name)' (allowed: "
                            + WatermarkSpec.Strategy.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                    }
                    spec.strategy = strategy
                    strategyNode = valueNode
                case "max_out_of_orderness_ms":
                    spec.maxOutOfOrdernessMs = Int64(try integer(valueNode, field, min: 0, max: 365 * 86_400_000))
                    boundNode = keyNode
                case "idle_timeout_ms":
                    spec.idleTimeoutMs = Int64(try integer(valueNode, field, min: 1, max: 365 * 86_400_000))
                case "max_future_ms":
                    spec.maxFutureMs = Int64(try integer(valueNode, field, min: 0, max: Int(Int64.max / 2)))
                default:
                    throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                        + WatermarkSpec.fields.joined(separator: ", ") + ")")
                }
            }
            if strategyNode == nil, boundNode != nil {
                spec.strategy = .boundedOutOfOrderness
            }
            if let boundNode, spec.strategy != .boundedOutOfOrderness {
                throw error(boundNode, "\(prefix).max_out_of_orderness_ms",
                            "applies to strategy bounded_out_of_orderness only (the strategy is \(spec.strategy.rawValue))")
            }
            return spec
        }

        func step(_ node: Node, index: Int) throws(JobFileError) -> StepSpec {
            let prefix = "pipeline[\(index)]"
            var id: String?
            var kind: StepSpec.Kind?
            var kindField: String?
            var config: JSONValue = .object(JSONObject())
            var inputs: [String]?
            var parallelism: Int?
            var watermarks: WatermarkSpec?
            var fieldLocations: [String: SourceLocation] = [:]
            var configValueLocations: [[String]: ConfigValueLocation] = [:]
            for (key, keyNode, valueNode) in try entries(node, prefix) {
                fieldLocations[key] = location(valueNode) ?? location(keyNode)
                let field = "\(prefix).\(key)"
                switch key {
                case "id":
                    let value = try string(valueNode, field)
                    guard JobFileParser.isValidIdentifier(value) else {
                        throw error(valueNode, field, "step ids use letters, digits, '-', '_' and '.' only, got \"\(value)\"")
                    }
                    id = value
                case "source", "operator", "sink", "key_by":
                    if let kindField {
                        throw error(keyNode, field, "a step is one of source, operator, sink or key_by; "
                            + "this one has both '\(kindField)' and '\(key)'")
                    }
                    kindField = key
                    let name = try string(valueNode, field)
                    guard !name.isEmpty else { throw error(valueNode, field, "must not be empty") }
                    switch key {
                    case "source": kind = .component(.source, name: name)
                    case "operator": kind = .component(.operator, name: name)
                    case "sink": kind = .component(.sink, name: name)
                    default: kind = .keyBy(field: name)
                    }
                case "config":
                    guard case .mapping = valueNode else {
                        if case .null = value(valueNode) { continue }
                        throw error(valueNode, field, "expected a mapping, got \(describe(valueNode))")
                    }
                    config = value(valueNode)
                    collectScalarLocations(valueNode, path: [], into: &configValueLocations)
                case "inputs":
                    switch valueNode {
                    case .scalar:
                        inputs = [try string(valueNode, field)]
                    case .sequence(let sequence):
                        var list: [String] = []
                        for (i, item) in sequence.enumerated() { list.append(try string(item, "\(field)[\(i)]")) }
                        guard !list.isEmpty else { throw error(valueNode, field, "must name at least one step") }
                        inputs = list
                    default:
                        throw error(valueNode, field, "expected a step id or a list of them, got \(describe(valueNode))")
                    }
                case "parallelism":
                    parallelism = try integer(valueNode, field, min: 1, max: 32768)
                case "watermarks":
                    watermarks = try self.watermarks(valueNode, field)
                case "isolation":
                    // One worker process runs the whole job; isolating one
                    // step would split the pipeline across processes.
                    throw error(keyNode, field, "isolation is set for the whole job, not per step: write "
                        + "`isolation: process` at the top level of the job file")
                default:
                    throw error(keyNode, field, "unknown field '\(key)' (allowed: "
                        + JobFileParser.stepFields.joined(separator: ", ") + ")")
                }
            }
            guard let id else { throw error(node, "\(prefix).id", "missing required field 'id'") }
            guard let kind else {
                throw error(node, prefix, "step '\(id)' needs one of source, operator, sink or key_by")
            }
            if case .keyBy = kind, fieldLocations["config"] != nil {
                throw error(node, "\(prefix).config", "key_by steps take no config")
            }
            if watermarks != nil, !kind.isSource {
                throw error(node, "\(prefix).watermarks", "only sources take watermarks; "
                    + "later steps get theirs from their inputs")
            }
            var step = StepSpec(
                index: index, id: id, kind: kind, config: config, inputs: inputs ?? [],
                hasExplicitInputs: inputs != nil, parallelism: parallelism,
                location: location(node) ?? SourceLocation(line: 0, column: 0), fieldLocations: fieldLocations)
            if let watermarks { step.watermarks = watermarks }
            step.configValueLocations = configValueLocations
            return step
        }
    }

    static func isValidIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    // MARK: Overrides

    /// Applies `--set target.path=value` overrides. `target` is a step id
    /// (the path is inside its config) or a top-level field.
    static func applyOverrides(_ overrides: [String], to spec: inout JobSpec) throws(JobFileError) {
        for override in overrides {
            func fail(_ message: String) -> JobFileError {
                JobFileError(file: spec.file, location: nil, field: "--set \(override)", message: message)
            }
            guard let equals = override.firstIndex(of: "=") else {
                throw fail("expected step.key=value (or a top-level field=value)")
            }
            let target = String(override[..<equals])
            let text = String(override[override.index(after: equals)...])
            let value: JSONValue
            do {
                let node = try Yams.compose(yaml: text)
                value = node.map { Reader(file: spec.file).value($0) } ?? .null
            } catch {
                value = .string(text)
            }
            let parts = target.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !parts.contains(where: \.isEmpty) else { throw fail("empty segment in '\(target)'") }
            if let index = spec.steps.firstIndex(where: { $0.id == parts[0] }) {
                guard parts.count >= 2 else { throw fail("name a config key: \(parts[0]).KEY=VALUE") }
                if parts.count == 2, parts[1] == "parallelism" {
                    guard case .int(let p) = value, p >= 1, p <= Int64(spec.maxParallelism) else {
                        throw fail("parallelism must be an integer from 1 to \(spec.maxParallelism)")
                    }
                    spec.steps[index].parallelism = Int(p)
                    continue
                }
                spec.steps[index].config = setting(value, at: Array(parts.dropFirst()), in: spec.steps[index].config)
                continue
            }
            switch target {
            case "parallelism", "max_parallelism", "batch_size", "channel_capacity":
                guard case .int(let number) = value, number >= 1, number <= 65536 else {
                    throw fail("\(target) must be a positive integer")
                }
                switch target {
                case "parallelism": spec.parallelism = Int(number)
                case "max_parallelism": spec.maxParallelism = Int(number)
                case "batch_size": spec.batchRecordsMax = Int(number)
                default: spec.channelBatchesMax = Int(number)
                }
            case "name":
                guard case .string(let name) = value, isValidIdentifier(name) else { throw fail("invalid job name") }
                spec.name = name
            case "dead_letter":
                guard case .string(let path) = value else { throw fail("dead_letter must be a path") }
                spec.deadLetterPath = path
            default:
                throw fail("no step '\(parts[0])' (steps: \(spec.steps.map(\.id).joined(separator: ", "))) "
                    + "and no top-level field '\(target)'")
            }
        }
        if spec.parallelism > spec.maxParallelism {
            throw JobFileError(file: spec.file, location: nil, field: "parallelism",
                               message: "parallelism \(spec.parallelism) exceeds max_parallelism \(spec.maxParallelism)")
        }
    }

    private static func setting(_ value: JSONValue, at path: [String], in container: JSONValue) -> JSONValue {
        var object = container.objectValue ?? JSONObject()
        let key = path[0]
        if path.count == 1 {
            object[key] = value
        } else {
            object[key] = setting(value, at: Array(path.dropFirst()), in: object[key] ?? .object(JSONObject()))
        }
        return .object(object)
    }

    // MARK: Inputs

    /// Fills implicit inputs (the step before) and checks the graph: inputs
    /// exist, sources have none, sinks feed nothing, key_by has one input
    /// and a consumer, and there is no cycle.
    static func resolveInputs(_ spec: inout JobSpec) throws(JobFileError) {
        let byID = Dictionary(uniqueKeysWithValues: spec.steps.map { ($0.id, $0) })
        for index in spec.steps.indices {
            let step = spec.steps[index]
            let explicit = step.hasExplicitInputs
            let field = "pipeline[\(index)].inputs"
            let inputsLocation = step.fieldLocations["inputs"] ?? step.location
            func fail(_ message: String, at location: SourceLocation? = nil) -> JobFileError {
                JobFileError(file: spec.file, location: location ?? inputsLocation, field: field, message: message)
            }
            if step.componentKind == .source {
                if explicit { throw fail("step '\(step.id)' is a source: sources take no inputs") }
                continue
            }
            if !explicit {
                guard index > 0 else {
                    throw JobFileError(file: spec.file, location: step.location, field: "pipeline[0]",
                                       message: "the first step, '\(step.id)', is a \(step.kindWord); "
                                           + "a pipeline starts with a source (or name this step's inputs)")
                }
                spec.steps[index].inputs = [spec.steps[index - 1].id]
            }
            for reference in spec.steps[index].inputs {
                let (input, sideOutput) = StepSpec.splitInput(reference)
                guard let upstream = byID[input] else {
                    throw fail("step '\(step.id)' reads from '\(input)', which is not a step of this job "
                        + "(steps: \(spec.steps.map(\.id).joined(separator: ", ")))")
                }
                if let sideOutput {
                    guard isValidIdentifier(sideOutput) else {
                        throw fail("'\(reference)': a side output is named STEP:NAME, with letters, digits, '-', '_' "
                            + "and '.' in NAME")
                    }
                    guard upstream.componentKind == .operator || upstream.componentKind == .source else {
                        throw fail("'\(reference)': only sources and operators have side outputs; '\(input)' is a "
                            + "\(upstream.kindWord)")
                    }
                }
                if upstream.componentKind == .sink {
                    throw fail(explicit
                        ? "step '\(step.id)' reads from '\(input)', which is a sink: sinks have no output"
                        : "step '\(step.id)' follows the sink '\(input)', which has no output; "
                            + "name this step's inputs", at: step.location)
                }
                if input == step.id { throw fail("step '\(step.id)' reads from itself") }
            }
            if case .keyBy = step.kind {
                guard spec.steps[index].inputs.count == 1 else {
                    throw fail("key_by '\(step.id)' takes exactly one input, got \(spec.steps[index].inputs.count)")
                }
            }
        }
        // Every key_by must feed something, and key_by must not feed key_by.
        for step in spec.steps {
            guard case .keyBy = step.kind else { continue }
            let consumers = spec.steps.filter { $0.inputs.contains(step.id) }
            guard !consumers.isEmpty else {
                throw JobFileError(file: spec.file, location: step.location, field: "pipeline[\(step.index)]",
                                   message: "key_by '\(step.id)' feeds no step")
            }
            if let next = consumers.first(where: { if case .keyBy = $0.kind { return true } else { return false } }) {
                throw JobFileError(file: spec.file, location: next.location, field: "pipeline[\(next.index)]",
                                   message: "key_by '\(next.id)' directly follows key_by '\(step.id)'; keep one")
            }
        }
        try checkAcyclic(spec)
    }

    private static func checkAcyclic(_ spec: JobSpec) throws(JobFileError) {
        let byID = Dictionary(uniqueKeysWithValues: spec.steps.map { ($0.id, $0) })
        var state: [String: Int] = [:]  // 1: visiting, 2: done
        var path: [String] = []
        func visit(_ id: String) -> [String]? {
            if state[id] == 2 { return nil }
            if state[id] == 1 {
                let start = path.firstIndex(of: id) ?? 0
                return Array(path[start...]) + [id]
            }
            state[id] = 1
            path.append(id)
            for input in (byID[id]?.inputs ?? []).map({ StepSpec.splitInput($0).step }) {
                if let cycle = visit(input) { return cycle }
            }
            path.removeLast()
            state[id] = 2
            return nil
        }
        for step in spec.steps {
            if let cycle = visit(step.id) {
                let first = byID[cycle[0]]!
                throw JobFileError(file: spec.file, location: first.fieldLocations["inputs"] ?? first.location,
                                   field: "pipeline[\(first.index)].inputs",
                                   message: "the inputs form a cycle: " + cycle.reversed().joined(separator: " -> "))
            }
        }
    }
}
