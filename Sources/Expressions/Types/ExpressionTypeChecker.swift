/// Gives every node of a parsed expression its static type and resolves
/// its function calls, reporting what is certainly wrong: operands that
/// can never fit their operator (`1 + 'a'`), arguments of the wrong type
/// (`lower(5)`), wrong arity, unknown functions, conditions that are not
/// boolean.
///
/// What depends on a record (a field's type) is left to run time: fields
/// are `any`.
struct ExpressionTypeChecker {
    let text: String
    let library: any ExpressionFunctionLibrary
    /// The type of node `id`.
    private(set) var types: [ExpressionType]
    /// The function of each call node.
    private(set) var functions: [Int: any ExpressionFunction] = [:]

    /// Names the language handles itself (lazy arguments, record metadata).
    static let specialForms: [String: String] = [
        "coalesce": "coalesce(value, ...)", "if": "if(condition, then, else)", "event_time": "event_time()",
        "processing_time": "processing_time()", "header": "header(name)",
    ]

    init(text: String, nodeCount: Int, library: any ExpressionFunctionLibrary) {
        self.text = text
        self.library = library
        types = [ExpressionType](repeating: .any, count: nodeCount)
    }

    func source(_ node: ExpressionNode) -> String {
        expressionSource(text, node.range)
    }

    private func fail(_ node: ExpressionNode, _ message: String, kind: ExpressionError.Kind = .type) -> ExpressionError {
        ExpressionError(kind, at: node.position, message)
    }

    @discardableResult
    mutating func check(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionType {
        let type = try infer(node)
        types[node.id] = type
        return type
    }

    private mutating func infer(_ node: ExpressionNode) throws(ExpressionError) -> ExpressionType {
        switch node.kind {
        case .literal(let value):
            return value.type
        case .field:
            return .any
        case .unary(.not, let operand):
            try expectBoolean(operand, "'not'")
            return .boolean
        case .unary(.negate, let operand):
            let type = try check(operand)
            guard type.mayBeNumber else { throw fail(operand, "'-' negates numbers; `\(source(operand))` is \(type.withArticle)") }
            return type == .null ? .null : type == .any ? .number : type
        case .binary(let op, let left, let right):
            return try binary(op, left, right, node)
        case .isNull(let operand, _):
            try check(operand)
            return .boolean
        case .inList(let operand, let list, _):
            let type = try check(operand)
            for item in list {
                let itemType = try check(item)
                guard Self.comparable(type, itemType) else {
                    throw fail(item, "`\(source(item))` is \(itemType.withArticle) and cannot be compared with `\(source(operand))`, \(type.withArticle)")
                }
            }
            return .boolean
        case .caseWhen(let branches, let otherwise):
            var results: [ExpressionType] = []
            for branch in branches {
                try expectBoolean(branch.condition, "a 'when' condition")
                results.append(try check(branch.result))
            }
            results.append(try otherwise.map { node throws(ExpressionError) in try check(node) } ?? .null)
            return Self.unify(results)
        case .cast(let operand, let type, _):
            let from = try check(operand)
            if from == .array || from == .object, type != .string {
                throw fail(node, "\(from.withArticle) cannot be cast to \(type) (only to string)")
            }
            return type
        case .castDecimal(let operand, _, _, _):
            let from = try check(operand)
            if from == .array || from == .object {
                throw fail(node, "\(from.withArticle) cannot be cast to a decimal (only to string)")
            }
            return .decimal
        case .call(let name, let arguments):
            return try call(name, arguments, node)
        case .index(let value, let index):
            let valueType = try check(value)
            let indexType = try check(index)
            guard valueType == .any || valueType == .array || valueType == .object || valueType == .null else {
                throw fail(value, "only lists, arrays and objects can be indexed; `\(source(value))` is \(valueType.withArticle)")
            }
            guard indexType.mayBe(.integer) || indexType.mayBe(.string) else {
                throw fail(index, "an index is an integer (or a member name); `\(source(index))` is \(indexType.withArticle)")
            }
            return .any
        }
    }

    private mutating func expectBoolean(_ node: ExpressionNode, _ role: String) throws(ExpressionError) {
        let type = try check(node)
        guard type.mayBe(.boolean) else {
            throw fail(node, "\(role) needs a boolean; `\(source(node))` is \(type.withArticle)")
        }
    }

    private mutating func binary(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                                 _ node: ExpressionNode) throws(ExpressionError) -> ExpressionType {
        switch op {
        case .and, .or:
            try expectBoolean(left, "'\(op.rawValue)'")
            try expectBoolean(right, "'\(op.rawValue)'")
            return .boolean
        case .concatenate:
            for operand in [left, right] {
                let type = try check(operand)
                guard type.mayBe(.string) else {
                    throw fail(operand, "'||' joins strings; `\(source(operand))` is \(type.withArticle) (use cast(... as string))")
                }
            }
            return .string
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            let leftType = try check(left)
            let rightType = try check(right)
            guard Self.comparable(leftType, rightType) else {
                throw fail(node, "cannot compare `\(source(left))`, \(leftType.withArticle), with `\(source(right))`, \(rightType.withArticle)")
            }
            if leftType == .array || leftType == .object || rightType == .array || rightType == .object {
                throw fail(node, "lists, arrays and objects cannot be compared")
            }
            return .boolean
        case .add, .subtract, .multiply, .divide, .remainder:
            let leftType = try check(left)
            let rightType = try check(right)
            for (operand, type) in [(left, leftType), (right, rightType)] where !type.mayBeNumber {
                let hint = type == .string && op == .add ? " (join strings with '||' or concat)" : ""
                throw fail(operand, "'\(op.rawValue)' needs numbers; `\(source(operand))` is \(type.withArticle)\(hint)")
            }
            if case .literal(let value) = right.kind, op == .divide || op == .remainder, Self.isZero(value) {
                throw fail(right, "division by zero")
            }
            return Self.arithmeticType(op, leftType, rightType)
        }
    }

    private mutating func call(_ name: String, _ arguments: [ExpressionNode], _ node: ExpressionNode) throws(ExpressionError) -> ExpressionType {
        if let usage = Self.specialForms[name] {
            var types: [ExpressionType] = []
            for argument in arguments { types.append(try check(argument)) }
            switch name {
            case "coalesce":
                guard !arguments.isEmpty else { throw fail(node, "coalesce needs at least one argument: \(usage)") }
                return Self.unify(types)
            case "if":
                guard arguments.count == 3 else { throw fail(node, "if takes 3 arguments, got \(arguments.count): \(usage)") }
                guard types[0].mayBe(.boolean) else {
                    throw fail(arguments[0], "if's condition needs a boolean; `\(source(arguments[0]))` is \(types[0].withArticle)")
                }
                return Self.unify([types[1], types[2]])
            case "header":
                guard arguments.count == 1 else { throw fail(node, "header takes 1 argument, got \(arguments.count): \(usage)") }
                guard types[0].mayBe(.string) else {
                    throw fail(arguments[0], "header's name must be a string; `\(source(arguments[0]))` is \(types[0].withArticle)")
                }
                return .string
            default:
                guard arguments.isEmpty else { throw fail(node, "\(name) takes no arguments: \(usage)") }
                return .integer
            }
        }
        guard let function = library.function(named: name) else {
            let names = library.functionNames + Self.specialForms.keys
            let close = names.filter { editDistance($0, name) <= 2 }.sorted()
            let hint = close.isEmpty ? "" : " (did you mean \(close.joined(separator: " or "))?)"
            throw fail(node, "unknown function '\(name)'\(hint)", kind: .unknownFunction)
        }
        let signature = function.signature
        let count = arguments.count
        if count < signature.requiredCount || (signature.variadic == nil && count > signature.parameters.count) {
            let expected = signature.variadic != nil ? "at least \(signature.requiredCount)"
                : signature.requiredCount == signature.parameters.count ? "\(signature.requiredCount)"
                : "\(signature.requiredCount) to \(signature.parameters.count)"
            throw fail(node, "\(name) takes \(expected) argument\(expected == "1" ? "" : "s"), got \(count): \(name)\(signature.parameterText)")
        }
        for (index, argument) in arguments.enumerated() {
            let type = try check(argument)
            let wanted = signature.parameterType(at: index)!
            guard type.mayBe(wanted) else {
                throw fail(argument, "argument \(index + 1) of \(name) must be \(wanted.withArticle); "
                    + "`\(source(argument))` is \(type.withArticle)")
            }
        }
        functions[node.id] = function
        if signature.result == .number {
            // Numeric functions give back the kind they got (abs, round).
            let first = types[arguments[0].id]
            return first.isNumeric ? first : .number
        }
        return signature.result
    }

    // MARK: Rules

    static func comparable(_ left: ExpressionType, _ right: ExpressionType) -> Bool {
        if left == .any || right == .any || left == .null || right == .null { return true }
        if left.isNumeric && right.isNumeric { return true }
        return left == right
    }

    static func arithmeticType(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionType, _ right: ExpressionType) -> ExpressionType {
        if left == .null || right == .null { return .null }
        if left == .any || right == .any || left == .number || right == .number { return .number }
        if left == .double || right == .double { return .double }
        if left == .decimal || right == .decimal { return op == .divide || op == .remainder ? .double : .decimal }
        return .integer
    }

    /// The type of a value that is one of `types` (case branches, coalesce).
    static func unify(_ types: [ExpressionType]) -> ExpressionType {
        let known = types.filter { $0 != .null }
        guard let first = known.first else { return .null }
        if known.allSatisfy({ $0 == first }) { return first }
        if known.allSatisfy(\.isNumeric) { return .number }
        return .any
    }

    static func isZero(_ value: ExpressionValue) -> Bool {
        switch value {
        case .integer(let number): number == 0
        case .decimal(let number): number.units == 0
        case .double(let number): number == 0
        default: false
        }
    }
}

/// The text of `range` in `text`, shortened for messages.
func expressionSource(_ text: String, _ range: Range<Int>) -> String {
    let bytes = Array(text.utf8)
    let clamped = min(range.lowerBound, bytes.count)..<min(range.upperBound, bytes.count)
    let slice = String(decoding: bytes[clamped], as: UTF8.self)
    return slice.count > 60 ? String(slice.prefix(57)) + "..." : slice
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8), b = Array(b.utf8)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
