import Columns
import Core
import PluginHost
import Yams

/// Reads a job file's YAML nodes into a `JobSpec`, checking types, fields
/// and limits (`JobLimits`) and recording where each value was written.
/// `--set` overrides are already in the nodes (`JobOverride`), so they pass
/// the same checks; an error in a field an override set names the override.
struct JobFileReader {
    let file: String
    /// The file's lines, to find the indentation of block scalars.
    var lines: [Substring] = []
    /// The fields `--set` overrides changed ("parallelism",
    /// "pipeline[1].config"), each with the override as written.
    var overriddenFields: [String: String] = [:]

    func location(_ node: Node) -> SourceLocation? {
        node.mark.map { SourceLocation(line: $0.line, column: $0.column) }
    }

    func error(_ node: Node?, _ field: String, _ message: String) -> JobFileError {
        if let override = override(of: field) {
            // The override has no place in the file; its text says where.
            return JobFileError(file: file, location: nil, field: "--set \(override)", message: message)
        }
        return JobFileError(file: file, location: node.flatMap(location), field: field, message: message)
    }

    /// The override that set `field` or a field containing it.
    private func override(of field: String) -> String? {
        if let override = overriddenFields[field] { return override }
        return overriddenFields.first { field.hasPrefix($0.key + ".") }?.value
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

    /// A string naming a case of `Choice`; an unknown name is refused with
    /// the allowed ones (`what` names the kind: "state backend").
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ node: Node, _ field: String, _ what: String
    ) throws(JobFileError) -> Choice where Choice.RawValue == String {
        let name = try string(node, field)
        guard let choice = Choice(rawValue: name) else {
            throw error(node, field, "unknown \(what) '\(name)' (allowed: "
                + Choice.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return choice
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
                spec.parallelism = try integer(valueNode, "parallelism", min: 1, max: JobLimits.parallelismMax)
            case "max_parallelism":
                spec.maxParallelism = try integer(valueNode, "max_parallelism", min: 1, max: JobLimits.maxParallelismMax)
            case "dead_letter":
                spec.deadLetterPath = try string(valueNode, "dead_letter")
            case "batch_size":
                spec.batchRecordsMax = try integer(valueNode, "batch_size", min: 1, max: JobLimits.batchSizeMax)
            case "channel_capacity":
                spec.channelBatchesMax = try integer(valueNode, "channel_capacity", min: 1, max: JobLimits.channelCapacityMax)
            case "state":
                spec.state = try state(valueNode)
            case "checkpoints":
                spec.checkpoints = try checkpoints(valueNode)
            case "pipeline":
                pipelineNode = valueNode
            case "functions":
                spec.functions = try functions(valueNode)
            case "isolation":
                spec.isolation = try choice(valueNode, "isolation", "isolation")
            case "cancellation_timeout_ms":
                spec.cancellationTimeoutMs = try integer(
                    valueNode, "cancellation_timeout_ms", min: JobLimits.checkpointIntervalMsMin, max: JobLimits.durationMsMax)
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
        for (index, stepNode) in sequence.enumerated() {
            let step = try self.step(stepNode, index: index)
            if let p = step.parallelism, p > spec.maxParallelism {
                throw error(stepNode, "pipeline[\(index)].parallelism",
                            "parallelism \(p) exceeds max_parallelism \(spec.maxParallelism)")
            }
            spec.steps.append(step)
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
        var schema: Schema?
        var fieldLocations: [String: SourceLocation] = [:]
        var configValueLocations: [[String]: ConfigValueLocation] = [:]
        // The fields written, including those an override added, which have
        // no location.
        var fields = Set<String>()
        for (key, keyNode, valueNode) in try entries(node, prefix) {
            fieldLocations[key] = location(valueNode) ?? location(keyNode)
            fields.insert(key)
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
                parallelism = try integer(valueNode, field, min: 1, max: JobLimits.parallelismMax)
            case "watermarks":
                watermarks = try self.watermarks(valueNode, field)
            case "schema":
                schema = try self.schema(valueNode, field)
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
        if case .keyBy = kind, fields.contains("config") {
            throw error(node, "\(prefix).config", "key_by steps take no config")
        }
        if watermarks != nil, !kind.isSource {
            throw error(node, "\(prefix).watermarks", "only sources take watermarks; "
                + "later steps get theirs from their inputs")
        }
        if schema != nil, !kind.isSource {
            throw error(node, "\(prefix).schema", "only sources declare a schema; "
                + "later steps get theirs from their inputs")
        }
        var step = StepSpec(
            index: index, id: id, kind: kind, config: config, inputs: inputs ?? [],
            hasExplicitInputs: inputs != nil, parallelism: parallelism,
            location: location(node) ?? SourceLocation(line: 0, column: 0), fieldLocations: fieldLocations)
        if let watermarks { step.watermarks = watermarks }
        step.schema = schema
        step.configValueLocations = configValueLocations
        return step
    }
}
