import Expressions

/// Drops the fields no later step reads, as Flink's planner prunes the
/// columns a query does not use.
///
/// Views are planned where they are used, so a view's SELECT list is
/// computed in full even when the query reads two of its columns: Nexmark's
/// `bid` view writes every bid's `dateTime` as text, and q2 then keeps
/// `auction` and `price` of one bid in 123. This pass walks the planned
/// steps backwards and knows what the planner's own `filter`, `map` and
/// `project` steps read and write:
///
/// - `filter` reads its condition's fields and passes every field on;
/// - `map` computes its `set` fields and passes the others on: a field
///   nobody downstream reads is not computed (a `map` left with nothing to
///   set goes);
/// - `project` keeps (and renames) its `keep` fields: one nobody downstream
///   reads is not kept, and it reads only what it keeps.
///
/// A source's `schema:` declares only the fields read after it (and by
/// its `watermarks.timestamp`). Every
/// other step (sources, sinks, `key_by`, windows, joins) counts as
/// reading every field, so what reaches a sink, a window or a join is never
/// changed: the last `project` before a sink gives the sink its record as
/// before. A step whose config holds anything else (a nested `set` target,
/// a dotted `keep`) is left as it is and reads every field too.
///
/// Like Flink, a pruned expression is not evaluated, so a value that would
/// fail in a column nobody reads does not send its record to the dead
/// letters.
extension SQLJob {
    mutating func pruneUnreadFields() {
        // Read by the steps after each step: nil = every field.
        var reads: [Int: Set<String>?] = [:]
        var removed = Set<Int>()
        for index in steps.indices.reversed() {
            let consumers = consumers(of: index)
            var read: Set<String>? = consumers.isEmpty ? nil : []
            // A removed map's reads stand for it: its consumers read its input.
            for consumer in consumers {
                guard let consumerRead = reads[consumer] ?? nil, let soFar = read else {
                    read = nil
                    break
                }
                read = soFar.union(consumerRead)
            }
            let (reading, keep) = prune(index, downstream: read)
            reads[index] = reading
            if !keep { removed.insert(index) }
        }
        for index in removed.sorted().reversed() { remove(index) }
    }

    /// The steps whose input is step `index`.
    private func consumers(of index: Int) -> [Int] {
        let id = steps[index].id
        return steps.indices.filter { other in
            other > index && (steps[other].inputs.contains(id)
                || (steps[other].inputs.isEmpty && other == index + 1 && steps[other].kind != .source))
        }
    }

    /// Prunes step `index` to what `downstream` reads (nil: everything);
    /// returns what the step reads itself and whether it stays.
    private mutating func prune(_ index: Int, downstream: Set<String>?) -> (reads: Set<String>?, stays: Bool) {
        let step = steps[index]
        if step.kind == .source, let schema = step.schema, let downstream {
            // The source stamps its records from what its own
            // `watermarks.timestamp` reads (a computed WATERMARK column,
            // which no later step reads as fields): those paths are read
            // too, and only those (Nexmark's `person.dateTime`, not all of
            // `person`).
            var stamped: [String] = []
            if case .string(let timestamp)? = step.watermarks?.first(where: { $0.0 == "timestamp" })?.1 {
                guard let paths = Self.memberPaths(timestamp) else { return (nil, true) }
                stamped = paths
            }
            // A JSON source reads only the fields the query reads into
            // columns (Flink's projection push-down); one at least, as a
            // schema declares one field at least.
            let kept = schema.filter { field in
                downstream.contains(String(field.0.prefix { $0 != "." }))
                    || stamped.contains { field.0 == $0 || field.0.hasPrefix($0 + ".") }
            }
            steps[index].schema = kept.isEmpty ? Array(schema.prefix(1)) : kept
            return (nil, true)
        }
        guard step.kind == .operator else { return (nil, true) }
        let keys = Set(step.config.map(\.0))
        switch step.component {
        case "filter" where keys.subtracting(["functions"]) == ["where"]:
            guard let downstream, case .string(let condition)? = step.config.first(where: { $0.0 == "where" })?.1,
                  let fields = Self.roots(condition) else { return (nil, true) }
            return (downstream.union(fields), true)
        case "map" where keys.subtracting(["functions"]) == ["set"]:
            guard let downstream, let setIndex = step.config.firstIndex(where: { $0.0 == "set" }),
                  case .object(let set) = step.config[setIndex].1, set.allSatisfy({ Self.isTopLevel($0.0) }) else {
                return (nil, true)
            }
            var reads = downstream.subtracting(set.map(\.0))
            var kept: [(String, SQLJobValue)] = []
            for (field, value) in set where downstream.contains(field) {
                guard case .string(let expression) = value, let fields = Self.roots(expression) else { return (nil, true) }
                reads.formUnion(fields)
                kept.append((field, value))
            }
            steps[index].config[setIndex].1 = .object(kept)
            return (reads, !kept.isEmpty)
        case "project" where keys == ["keep"] || keys == ["keep", "rename"]:
            guard case .list(let keepValues)? = step.config.first(where: { $0.0 == "keep" })?.1 else { return (nil, true) }
            let keep = keepValues.compactMap { value -> String? in
                if case .string(let name) = value, Self.isTopLevel(name) { return name }
                return nil
            }
            guard keep.count == keepValues.count else { return (nil, true) }
            var renames: [String: String] = [:]
            if case .object(let members)? = step.config.first(where: { $0.0 == "rename" })?.1 {
                for (from, to) in members {
                    guard case .string(let name) = to else { return (nil, true) }
                    renames[from] = name
                }
            }
            guard let downstream else { return (Set(keep), true) }
            var kept = keep.filter { downstream.contains(renames[$0] ?? $0) }
            // A project keeps one field at least (an empty keep would keep all).
            if kept.isEmpty, let first = keep.first { kept = [first] }
            var config: [(String, SQLJobValue)] = [("keep", .list(kept.map(SQLJobValue.string)))]
            let rename = kept.compactMap { name in renames[name].map { (name, SQLJobValue.string($0)) } }
            if !rename.isEmpty { config.append(("rename", .object(rename))) }
            steps[index].config = config
            return (Set(kept), true)
        default:
            return (nil, true)
        }
    }

    /// Removes step `index`, a `map` with nothing left to set: its
    /// consumers read its input instead.
    private mutating func remove(_ index: Int) {
        let step = steps[index]
        let input = step.inputs.first ?? steps[index - 1].id
        precondition(step.inputs.count <= 1, "pruning removes only single-input steps")
        for other in steps.indices where steps[other].inputs.contains(step.id) {
            steps[other].inputs = steps[other].inputs.map { $0 == step.id ? input : $0 }
        }
        // The next step read it implicitly: it reads the input explicitly
        // when the input is not the step before it any more.
        if index + 1 < steps.count, steps[index + 1].inputs.isEmpty, steps[index + 1].kind != .source, index >= 1,
           steps[index - 1].id != input {
            steps[index + 1].inputs = [input]
        }
        steps.remove(at: index)
    }

    /// The top-level fields an expression reads; nil if it does not parse.
    /// The dotted paths `expression` reads (`person.dateTime`); nil when
    /// one is not made of member names only.
    private static func memberPaths(_ expression: String) -> [String]? {
        guard let paths = try? ExpressionProgram.fieldsRead(expression) else { return nil }
        var dotted: [String] = []
        for path in paths {
            var names: [String] = []
            for segment in path.segments {
                guard case .member(let name) = segment else { return nil }
                names.append(name)
            }
            dotted.append(names.joined(separator: "."))
        }
        return dotted
    }

    private static func roots(_ expression: String) -> Set<String>? {
        guard let paths = try? ExpressionProgram.fieldsRead(expression) else { return nil }
        var roots = Set<String>()
        for path in paths {
            guard case .member(let name) = path.segments[0] else { return nil }
            roots.insert(name)
        }
        return roots
    }

    /// A field name that is one member, not a dotted or quoted path.
    private static func isTopLevel(_ name: String) -> Bool {
        !name.isEmpty && !name.contains(".") && !name.contains("`") && !name.contains("[")
    }
}
