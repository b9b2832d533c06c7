import Yams

/// One `--set TARGET=VALUE` from the command line, applied to the job
/// file's YAML before it is read: the override is then read by the same
/// code, against the same limits (`JobLimits`), as if it had been written
/// in the file, so it can never set what the file could not.
///
/// `TARGET` is a step id and a path into that step's config
/// (`gen.count`), a step's `parallelism` (`gen.parallelism`), or one of
/// `topLevelFields`. `VALUE` is read as YAML (`500`, `true`, `{a: 1}`);
/// text that is not valid YAML is taken as a string.
struct JobOverride {
    /// The top-level fields an override may set.
    static let topLevelFields = ["parallelism", "max_parallelism", "batch_size", "channel_capacity", "name", "dead_letter"]

    /// The override as written, which its errors name.
    let text: String
    /// The target's segments: `["gen", "count"]`.
    let path: [String]
    /// The value, without marks: it has no place in the file.
    let value: Node
    let file: String

    init(parsing text: String, file: String) throws(JobFileError) {
        self.text = text
        self.file = file
        guard let equals = text.firstIndex(of: "=") else {
            throw JobFileError(file: file, location: nil, field: "--set \(text)",
                               message: "expected step.key=value (or a top-level field=value)")
        }
        let target = String(text[..<equals])
        let valueText = String(text[text.index(after: equals)...])
        path = target.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        do {
            value = try Yams.compose(yaml: valueText).map(Self.withoutMarks) ?? Node("null", Tag(.null))
        } catch {
            value = Node(valueText, Tag(.str))
        }
        guard !path.contains(where: \.isEmpty) else { throw failure("empty segment in '\(target)'") }
    }

    /// Writes the value into `root`. Returns the field it set, as
    /// `JobFileReader` names it in errors (`pipeline[1].config`), or nil
    /// when the file is too malformed to place it: reading the file then
    /// reports that.
    func apply(to root: inout Node) throws(JobFileError) -> String? {
        guard case .mapping = root else { return nil }
        let pipeline = root["pipeline"]
        let steps = pipeline?.sequence.map { Array($0) } ?? []
        if let index = steps.firstIndex(where: { $0.mapping?["id"]?.scalar?.string == path[0] }) {
            guard path.count >= 2 else { throw failure("name a config key: \(path[0]).KEY=VALUE") }
            let isParallelism = path.count == 2 && path[1] == "parallelism"
            let stepPath = isParallelism ? ["parallelism"] : ["config"] + path.dropFirst()
            guard case .sequence(var sequence) = pipeline else { return nil }
            sequence[index] = Self.setting(value, at: stepPath[...], in: steps[index])
            root = Self.setting(.sequence(sequence), at: ["pipeline"], in: root)
            return "pipeline[\(index)].\(stepPath[0])"
        }
        guard path.count == 1, Self.topLevelFields.contains(path[0]) else {
            // Without a list of steps the target may be a step: let the
            // reader report the pipeline.
            guard case .sequence = pipeline else { return nil }
            let ids = steps.compactMap { $0.mapping?["id"]?.scalar?.string }
            throw failure("no step '\(path[0])' (steps: \(ids.joined(separator: ", "))) "
                + "and no top-level field '\(path.joined(separator: "."))'")
        }
        root = Self.setting(value, at: path[...], in: root)
        return path[0]
    }

    private func failure(_ message: String) -> JobFileError {
        JobFileError(file: file, location: nil, field: "--set \(text)", message: message)
    }

    /// `container` with `value` at `path`, creating the mappings on the way
    /// (a value that is not a mapping is replaced by one).
    private static func setting(_ value: Node, at path: ArraySlice<String>, in container: Node?) -> Node {
        guard let key = path.first else { return value }
        var mapping = container?.mapping ?? Node.Mapping([])
        let keyNode = mapping.keys.first { $0.scalar?.string == key } ?? Node(key, Tag(.str))
        mapping[keyNode] = setting(value, at: path.dropFirst(), in: mapping[keyNode])
        return .mapping(mapping)
    }

    private static func withoutMarks(_ node: Node) -> Node {
        switch node {
        case .scalar(let scalar):
            return .scalar(Node.Scalar(scalar.string, scalar.tag, scalar.style))
        case .mapping(let mapping):
            return .mapping(Node.Mapping(mapping.map { (withoutMarks($0.key), withoutMarks($0.value)) },
                                         mapping.tag, mapping.style))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(withoutMarks), sequence.tag, sequence.style))
        case .alias:
            return node
        }
    }
}
