import Columns
import Expressions
import StreamhostKit

/// Warns, once per expression, when a field path the expression reads
/// occurs in none of the first records of its input: `amout > 100` reads
/// a missing field as null, so a filter drops everything and a map sets
/// nulls, without an error. The warning names the expression and the
/// fields the records did have at that level, so the typo shows.
///
/// Only the first `sampledRecordsMax` records (tombstones aside) are
/// looked at; then, or at the end of input if it comes first, the
/// warnings go to the host's log and the check costs nothing more.
///
/// # Thread safety
/// One per operator instance, used by its task thread.
final class FieldPresenceCheck {
    /// Records looked at before the check reports and stops.
    static let sampledRecordsMax = 1000
    /// Field names listed per missing path.
    static let seenNamesMax = 20

    private let program: ExpressionProgram
    /// Per expression, how a warning names it ("filter where `amout > 100`").
    private let labels: [String]
    private var sampled = 0
    private var found: [Bool]
    /// Per path, the member names seen where it was looked for: in the
    /// object holding its last member (the record for a top-level field).
    private var seenNames: [[String]]
    private var finished = false

    init(program: ExpressionProgram, labels: [String]) {
        precondition(labels.count == program.sources.count, "one label per expression")
        self.program = program
        self.labels = labels
        // Paths no expression reads (map's targets, located in the same
        // scan) count as found: they are not looked for.
        var found = Array(repeating: true, count: program.fieldPaths.count)
        for paths in program.fieldPathsRead { for index in paths { found[index] = false } }
        self.found = found
        seenNames = Array(repeating: [], count: program.fieldPaths.count)
        finished = !found.contains(false)
    }

    /// Call after `program.load` of `value` (not for a tombstone).
    @inline(__always)
    func observe(_ value: UnsafeRawBufferPointer, context: Context) {
        guard !finished else { return }
        sample(value, context: context)
    }

    private func sample(_ value: UnsafeRawBufferPointer, context: Context) {
        sampled += 1
        var root: JSONView?
        for index in found.indices where !found[index] {
            if program.hasField(index) {
                found[index] = true
                continue
            }
            if root == nil { root = try? JSONView(parsing: value) }
            if let root { collectNames(for: program.fieldPaths[index], in: root, into: index) }
        }
        if sampled >= Self.sampledRecordsMax { report(context: context) }
    }

    /// The names of the members of the object that would hold the path's
    /// last segment, as far as the record goes.
    private func collectNames(for path: FieldPath, in root: JSONView, into index: Int) {
        guard seenNames[index].count < Self.seenNamesMax else { return }
        var view = root
        for segment in path.segments.dropLast() {
            guard case .member(let name) = segment, view.kind == .object, let next = view.member(name) else { break }
            view = next
        }
        guard view.kind == .object else { return }
        view.forEachMember { name, _ in
            guard seenNames[index].count < Self.seenNamesMax, let text = name.stringValue,
                  !seenNames[index].contains(text) else { return }
            seenNames[index].append(text)
        }
    }

    /// Call for a batch of typed columns (before evaluating it): its
    /// schema says for every record at once which paths exist, so the
    /// names seen are the schema's at the level where a path stops.
    func observe(schema: @autoclosure () throws -> Schema, records: Int, context: Context) rethrows {
        guard !finished, records > 0 else { return }
        let fields = try schema().fields
        sampled = min(sampled + records, Self.sampledRecordsMax)
        for index in found.indices where !found[index] {
            found[index] = resolve(program.fieldPaths[index], in: fields, into: index)
        }
        if sampled >= Self.sampledRecordsMax { report(context: context) }
    }

    /// Whether the schema has the path; if not, keeps the names of the
    /// fields where it stops. A path through a list (an index segment) is
    /// taken as present: the schema does not say which elements exist.
    private func resolve(_ path: FieldPath, in fields: [Field], into index: Int) -> Bool {
        var level = fields
        for (position, segment) in path.segments.enumerated() {
            guard case .member(let name) = segment else { return true }
            guard let field = level.first(where: { $0.name == name }) else {
                if seenNames[index].isEmpty { seenNames[index] = Array(level.prefix(Self.seenNamesMax).map(\.name)) }
                return false
            }
            guard position < path.segments.count - 1 else { return true }
            guard case .struct(let children) = field.type else { return true }
            level = children
        }
        return true
    }

    /// End of input: reports on what was seen, if anything was.
    func finish(context: Context) {
        guard !finished, sampled > 0 else { return }
        report(context: context)
    }

    private func report(context: Context) {
        finished = true
        let records = sampled >= Self.sampledRecordsMax ? "the first \(sampled) records" : "the \(sampled) records"
        for (expression, paths) in program.fieldPathsRead.enumerated() {
            let missing = paths.filter { !found[$0] }
            guard !missing.isEmpty else { continue }
            let details = missing.map { index -> String in
                let names = seenNames[index]
                let seen = names.isEmpty ? "no fields" : "fields " + names.joined(separator: ", ")
                return "'\(program.fieldPaths[index])' (they had \(seen))"
            }
            context.log("\(labels[expression]): none of \(records) of the input has the field "
                + details.joined(separator: " or ") + "; a missing field reads as null", level: .warn)
        }
    }
}
