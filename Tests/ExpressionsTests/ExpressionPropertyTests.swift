import Expressions
import Testing

/// Random expressions: the compiled program against a naive tree-walking
/// interpreter written here, on random records.
@Suite("Expression property test")
struct ExpressionPropertyTests {
    enum Value: Equatable {
        case int(Int64), bool(Bool), null, failure
    }

    indirect enum Tree {
        case int(Int64), bool(Bool), null, field(String)
        case arithmetic(String, Tree, Tree)
        case compare(String, Tree, Tree)
        case logic(String, Tree, Tree)
        case not(Tree)
        case isNull(Tree)
        case coalesce(Tree, Tree)
        case ifThen(Tree, Tree, Tree)
        case caseWhen(Tree, Tree, Tree)

        var text: String {
            switch self {
            case .int(let value): return value < 0 ? "(\(value))" : "\(value)"
            case .bool(let value): return "\(value)"
            case .null: return "null"
            case .field(let name): return name
            case .arithmetic(let op, let a, let b), .compare(let op, let a, let b), .logic(let op, let a, let b):
                return "(\(a.text) \(op) \(b.text))"
            case .not(let a): return "(not \(a.text))"
            case .isNull(let a): return "(\(a.text) is null)"
            case .coalesce(let a, let b): return "coalesce(\(a.text), \(b.text))"
            case .ifThen(let c, let a, let b): return "if(\(c.text), \(a.text), \(b.text))"
            case .caseWhen(let c, let a, let b): return "case when \(c.text) then \(a.text) else \(b.text) end"
            }
        }
    }

    /// The reference: SQL's null rule, evaluation left to right, short
    /// circuits only in and/or/coalesce/if/case.
    static func reference(_ tree: Tree, _ record: [String: Value]) -> Value {
        switch tree {
        case .int(let value): return .int(value)
        case .bool(let value): return .bool(value)
        case .null: return .null
        case .field(let name): return record[name] ?? .null
        case .arithmetic(let op, let a, let b):
            let x = reference(a, record)
            if x == .failure { return .failure }
            let y = reference(b, record)
            if y == .failure { return .failure }
            guard case .int(let l) = x, case .int(let r) = y else { return .null }
            let (result, overflow) = switch op {
            case "+": l.addingReportingOverflow(r)
            case "-": l.subtractingReportingOverflow(r)
            default: l.multipliedReportingOverflow(by: r)
            }
            return overflow ? .failure : .int(result)
        case .compare(let op, let a, let b):
            let x = reference(a, record)
            if x == .failure { return .failure }
            let y = reference(b, record)
            if y == .failure { return .failure }
            guard case .int(let l) = x, case .int(let r) = y else { return .null }
            return .bool(op == "=" ? l == r : op == "<" ? l < r : l > r)
        case .logic(let op, let a, let b):
            let isAnd = op == "and"
            let x = reference(a, record)
            if x == .failure { return .failure }
            if x == .bool(!isAnd) { return .bool(!isAnd) }
            let y = reference(b, record)
            if y == .failure { return .failure }
            if y == .bool(!isAnd) { return .bool(!isAnd) }
            if x == .null || y == .null { return .null }
            return .bool(isAnd)
        case .not(let a):
            switch reference(a, record) {
            case .bool(let value): return .bool(!value)
            case let other: return other
            }
        case .isNull(let a):
            let x = reference(a, record)
            return x == .failure ? .failure : .bool(x == .null)
        case .coalesce(let a, let b):
            let x = reference(a, record)
            return x == .null ? reference(b, record) : x
        case .ifThen(let c, let a, let b), .caseWhen(let c, let a, let b):
            let condition = reference(c, record)
            if condition == .failure { return .failure }
            return condition == .bool(true) ? reference(a, record) : reference(b, record)
        }
    }

    struct Generator {
        var random: SplitMix

        mutating func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }

        mutating func integer(_ depth: Int) -> Tree {
            if depth == 0 || pick(4) == 0 {
                switch pick(4) {
                case 0: return .field(["a", "b"][pick(2)])
                case 1: return .null
                case 2: return .int([Int64.max, Int64.min + 1, 3_037_000_500][pick(3)])
                default: return .int(Int64(pick(21)) - 10)
                }
            }
            switch pick(4) {
            case 0: return .coalesce(integer(depth - 1), integer(depth - 1))
            case 1: return .ifThen(boolean(depth - 1), integer(depth - 1), integer(depth - 1))
            case 2: return .caseWhen(boolean(depth - 1), integer(depth - 1), integer(depth - 1))
            default: return .arithmetic(["+", "-", "*"][pick(3)], integer(depth - 1), integer(depth - 1))
            }
        }

        mutating func boolean(_ depth: Int) -> Tree {
            if depth == 0 || pick(4) == 0 {
                switch pick(3) {
                case 0: return .field("p")
                case 1: return .null
                default: return .bool(pick(2) == 0)
                }
            }
            switch pick(4) {
            case 0: return .not(boolean(depth - 1))
            case 1: return .isNull(integer(depth - 1))
            case 2: return .compare(["=", "<", ">"][pick(3)], integer(depth - 1), integer(depth - 1))
            default: return .logic(["and", "or"][pick(2)], boolean(depth - 1), boolean(depth - 1))
            }
        }
    }

    @Test func compiledMatchesReference() throws {
        var generator = Generator(random: SplitMix(seed: 2024))
        var failures = 0
        for round in 0..<1500 {
            let tree = round % 2 == 0 ? generator.integer(5) : generator.boolean(5)
            let program = try ExpressionProgram([.init(tree.text)])
            for _ in 0..<8 {
                var record: [String: Value] = [:]
                var parts: [String] = []
                for name in ["a", "b"] where generator.pick(4) != 0 {
                    let value: Int64 = generator.pick(5) == 0 ? Int64.max - Int64(generator.pick(3)) : Int64(generator.pick(41)) - 20
                    record[name] = .int(value)
                    parts.append("\"\(name)\":\(value)")
                }
                switch generator.pick(3) {
                case 0:
                    record["p"] = .bool(true)
                    parts.append(#""p":true"#)
                case 1:
                    record["p"] = .bool(false)
                    parts.append(#""p":false"#)
                default:
                    parts.append(#""p":null"#)
                }
                let expected = Self.reference(tree, record)
                var text = "{" + parts.joined(separator: ",") + "}"
                let actual: Value = text.withUTF8 { bytes in
                    do {
                        try program.load(record: UnsafeRawBufferPointer(bytes), timestamp: 0)
                        switch try program.evaluate(0) {
                        case .integer(let value): return .int(value)
                        case .boolean(let value): return .bool(value)
                        case .null: return .null
                        default: return .failure
                        }
                    } catch {
                        return .failure
                    }
                }
                if actual != expected {
                    failures += 1
                    Issue.record("\(tree.text) on \(text): compiled \(actual), reference \(expected)")
                    if failures > 5 { return }
                }
            }
        }
    }
}
