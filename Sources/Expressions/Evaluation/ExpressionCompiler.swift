#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Columns
import Core

/// Turns a type-checked expression into a tree of closures, evaluated per
/// record without looking at the text again.
///
/// Each closure knows its node's place in the text, so that a run-time
/// failure names the expression, the position and the operand (the field)
/// at fault. Nulls follow SQL: they propagate through operators and
/// functions, `and`/`or` use three-valued logic, `case` and `if` treat a
/// null condition as false.
struct ExpressionCompiler {
    let text: String
    let checker: ExpressionTypeChecker
    /// The field paths read, shared by every expression of a program.
    let slots: FieldSlotTable
    /// The calls prepared a batch at a time, shared likewise.
    let batchSites: BatchCallSiteTable

    private func source(_ node: ExpressionNode) -> String { expressionSource(text, node.range) }

    private func failure(_ node: ExpressionNode, _ detail: String) -> ExpressionRuntimeError {
        ExpressionRuntimeError(message: "at \(node.position) in `\(source(node))`: \(detail)")
    }

    /// "`amount` is a string "x"" or "it is ..." when the operand is the node itself.
    private func operandMismatch(_ operand: ExpressionNode, _ value: ExpressionValue, _ wanted: String) -> String {
        "`\(source(operand))` is \(value.described), \(wanted)"
    }

    private func failure(_ node: ExpressionNode, _ left: ExpressionNode, _ right: ExpressionNode,
                         _ a: ExpressionValue, _ b: ExpressionValue, _ error: OperationFailure, _ what: String) -> ExpressionRuntimeError {
        switch error {
        case .leftOperand(let wanted): failure(node, operandMismatch(left, a, "but \(what) needs \(wanted)"))
        case .rightOperand(let wanted): failure(node, operandMismatch(right, b, "but \(what) needs \(wanted)"))
        case .overflow: failure(node, "\(what) overflows (\(a.described) and \(b.described)): integers are 64-bit, decimals 18 digits")
        case .divisionByZero: failure(node, "division by zero (`\(source(right))` is 0)")
        case .notFinite: failure(node, "the result is not a finite number")
        }
    }

    /// Two values that cannot be compared: blames the side whose type is
    /// only known at run time (the field), naming the other side.
    private func comparisonFailure(_ node: ExpressionNode, _ left: ExpressionNode, _ right: ExpressionNode,
                                   _ a: ExpressionValue, _ b: ExpressionValue, _ what: String) -> ExpressionRuntimeError {
        let blameLeft = checker.types[left.id] == .any || checker.types[right.id] != .any
        let (culprit, value, other, otherValue) = blameLeft ? (left, a, right, b) : (right, b, left, a)
        return failure(node, operandMismatch(culprit, value, "which \(what) cannot compare with `\(source(other))`, \(otherValue.described)"))
    }

    func compile(_ node: ExpressionNode) throws(ExpressionError) -> Evaluator {
        switch node.kind {
        case .literal(let value):
            return { (_: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in value }
        case .field(let path):
            let slot = slots.slot(for: path)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                if let values = frame.fieldValues { return values[slot] }
                guard let value = RecordFieldScanner.value(of: frame.slots[slot], in: frame.record) else {
                    let found = frame.slots[slot]
                    let numberText = String(decoding: UnsafeRawBufferPointer(rebasing: frame.record[found.start..<found.end]), as: UTF8.self)
                    throw failure(node, "field `\(path)` holds \(numberText), which is not a JSON number")
                }
                return value
            }
        case .unary(.not, let operand):
            let inner = try compile(operand)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                switch try inner(frame) {
                case .null: return .null
                case .boolean(let flag): return .boolean(!flag)
                case let other: throw failure(node, operandMismatch(operand, other, "but 'not' needs a boolean"))
                }
            }
        case .unary(.negate, let operand):
            let inner = try compile(operand)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                let value = try inner(frame)
                switch value {
                case .null: return .null
                case .integer(let number):
                    guard number != Int64.min else { throw failure(node, "negating \(number) overflows 64 bits") }
                    return .integer(-number)
                case .decimal(let number): return .decimal(number.negated!)
                case .double(let number): return .double(-number)
                default: throw failure(node, operandMismatch(operand, value, "but '-' needs a number"))
                }
            }
        case .binary(let op, let left, let right):
            return try binary(op, left, right, node)
        case .isNull(let operand, let negated):
            let inner = try compile(operand)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                .boolean(try inner(frame).isNull != negated)
            }
        case .inList(let operand, let list, let negated):
            let value = try compile(operand)
            let items = try list.map { (item: ExpressionNode) throws(ExpressionError) -> Evaluator in try compile(item) }
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                // SQL: true if some item equals; else null if the value or
                // some item is null; else false.
                let needle = try value(frame)
                if needle.isNull { return .null }
                var sawNull = false
                for (index, item) in items.enumerated() {
                    let candidate = try item(frame)
                    if candidate.isNull {
                        sawNull = true
                        continue
                    }
                    do throws(OperationFailure) {
                        if try ValueOperations.compare(needle, candidate) == 0 { return .boolean(!negated) }
                    } catch {
                        throw comparisonFailure(node, operand, list[index], needle, candidate, "'in'")
                    }
                }
                return sawNull ? .null : .boolean(negated)
            }
        case .caseWhen(let branches, let otherwise):
            let compiled = try branches.map { (branch) throws(ExpressionError) -> (ExpressionNode, Evaluator, Evaluator) in
                (branch.condition, try compile(branch.condition), try compile(branch.result))
            }
            let fallback = try otherwise.map { (node: ExpressionNode) throws(ExpressionError) -> Evaluator in try compile(node) }
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                for (conditionNode, condition, result) in compiled {
                    switch try condition(frame) {
                    case .boolean(true): return try result(frame)
                    case .boolean(false), .null: continue
                    case let other: throw failure(conditionNode, operandMismatch(conditionNode, other, "but 'when' needs a boolean"))
                    }
                }
                return try fallback?(frame) ?? .null
            }
        case .cast(let operand, let type, let isTry):
            let inner = try compile(operand)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                let value = try inner(frame)
                if let cast = ValueOperations.cast(value, to: type) { return cast }
                if isTry { return .null }
                throw failure(node, "cannot cast \(value.described) to \(type) (try_cast gives null instead)")
            }
        case .castDecimal(let operand, let precision, let scale, let isTry):
            let inner = try compile(operand)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                let value = try inner(frame)
                switch ValueOperations.cast(value, to: precision, scale: scale) {
                case .success(let cast): return cast
                case .failure(let reason):
                    if isTry { return .null }
                    throw failure(node, "cannot cast \(value.described) to decimal(\(precision), \(scale)): \(reason) "
                        + "(try_cast gives null instead)")
                }
            }
        case .call(let name, let arguments):
            return try call(name, arguments, node)
        case .index(let base, let index):
            let value = try compile(base)
            let position = try compile(index)
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                let container = try value(frame)
                let key = try position(frame)
                if container.isNull || key.isNull { return .null }
                switch (container, key) {
                case (.array(let elements), .integer(let at)):
                    return at >= 0 && at < elements.count ? elements[Int(at)] : .null
                case (.json, .integer), (.json, .string):
                    guard let found = JSONLookup.element(of: container, key) else {
                        throw failure(node, "`\(source(base))` is not valid JSON")
                    }
                    return found
                default:
                    throw failure(node, "cannot index \(container.described) with \(key.described)")
                }
            }
        }
    }

    private func binary(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                        _ node: ExpressionNode) throws(ExpressionError) -> Evaluator {
        let a = try compile(left)
        let b = try compile(right)
        if op == .equal || op == .notEqual, let fast = try stringEquality(op, left, right, general: { () throws(ExpressionError) in
            try binaryGeneral(op, left, right, node, a, b)
        }) {
            return fast
        }
        return try binaryGeneral(op, left, right, node, a, b)
    }

    /// `field = 'text'` (or `!=`, either side): compares the field's JSON
    /// text with the literal's bytes in the record, building no string.
    /// Anything but a plain string (escapes, another kind, null) takes the
    /// general path, so results and messages are the same.
    private func stringEquality(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                                general: () throws(ExpressionError) -> Evaluator) throws(ExpressionError) -> Evaluator? {
        let path: FieldPath
        let literal: String
        switch (left.kind, right.kind) {
        case (.field(let field), .literal(.string(let text))), (.literal(.string(let text)), .field(let field)):
            path = field
            literal = text
        default:
            return nil
        }
        let slot = slots.slot(for: path)
        let bytes = Array(literal.utf8)
        let fallback = try general()
        let isEqual = op == .equal
        return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
            let found = frame.slots[slot]
            guard found.kind == .string, frame.fieldValues == nil else { return try fallback(frame) }
            let start = found.start + 1
            let count = found.end - 1 - start
            let record = frame.record
            let same = count == bytes.count && bytes.withUnsafeBytes { wanted in
                count == 0 || memcmp(wanted.baseAddress!, record.baseAddress! + start, count) == 0
            }
            if same { return .boolean(isEqual) }
            // Different bytes may still be the same text written with escapes.
            if UnsafeRawBufferPointer(rebasing: record[start..<(start + count)]).contains(UInt8(ascii: "\\")) {
                return try fallback(frame)
            }
            return .boolean(!isEqual)
        }
    }

    private func binaryGeneral(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                               _ node: ExpressionNode, _ a: @escaping Evaluator, _ b: @escaping Evaluator) throws(ExpressionError) -> Evaluator {
        switch op {
        case .and, .or:
            let isAnd = op == .and
            func truth(_ value: ExpressionValue, _ operand: ExpressionNode) throws(ExpressionRuntimeError) -> Bool? {
                switch value {
                case .boolean(let flag): return flag
                case .null: return nil
                default: throw failure(node, operandMismatch(operand, value, "but '\(op.rawValue)' needs a boolean"))
                }
            }
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                // SQL three-valued logic: false and x = false, true or x = true
                // whatever x is (x is then not evaluated); otherwise a null
                // side makes the result null.
                let first = try truth(try a(frame), left)
                if first == !isAnd { return .boolean(!isAnd) }
                let second = try truth(try b(frame), right)
                if second == !isAnd { return .boolean(!isAnd) }
                if first == nil || second == nil { return .null }
                return .boolean(isAnd)
            }
        case .concatenate:
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                // Both sides are evaluated (a failure on either side fails
                // the record), then a null side makes the result null.
                let x = try a(frame)
                let y = try b(frame)
                if x.isNull || y.isNull { return .null }
                guard case .string(let s) = x else { throw failure(node, operandMismatch(left, x, "but '||' joins strings")) }
                guard case .string(let t) = y else { throw failure(node, operandMismatch(right, y, "but '||' joins strings")) }
                return .string(s + t)
            }
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                // Both sides are evaluated (a failure on either side fails
                // the record), then a null side makes the result null.
                let x = try a(frame)
                let y = try b(frame)
                if x.isNull || y.isNull { return .null }
                // Equality of two strings needs no ordering.
                if op == .equal || op == .notEqual, case .string(let s) = x, case .string(let t) = y {
                    return .boolean((s == t) == (op == .equal))
                }
                let order: Int
                do throws(OperationFailure) {
                    order = try ValueOperations.compare(x, y)
                } catch {
                    throw comparisonFailure(node, left, right, x, y, "'\(op.rawValue)'")
                }
                switch op {
                case .equal: return .boolean(order == 0)
                case .notEqual: return .boolean(order != 0)
                case .less: return .boolean(order < 0)
                case .lessOrEqual: return .boolean(order <= 0)
                case .greater: return .boolean(order > 0)
                default: return .boolean(order >= 0)
                }
            }
        case .add, .subtract, .multiply, .divide, .remainder:
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                let x = try a(frame)
                let y = try b(frame)
                if x.isNull || y.isNull {
                    // Still refuse a non-number on the other side: null + 'a'
                    // is as wrong as 1 + 'a'.
                    if !x.isNull, !ValueOperations.isNumber(x) {
                        throw failure(node, operandMismatch(left, x, "but '\(op.rawValue)' needs a number"))
                    }
                    if !y.isNull, !ValueOperations.isNumber(y) {
                        throw failure(node, operandMismatch(right, y, "but '\(op.rawValue)' needs a number"))
                    }
                    return .null
                }
                do throws(OperationFailure) {
                    return try ValueOperations.arithmetic(op, x, y)
                } catch {
                    throw failure(node, left, right, x, y, error, "'\(op.rawValue)'")
                }
            }
        }
    }

    private func call(_ name: String, _ arguments: [ExpressionNode], _ node: ExpressionNode) throws(ExpressionError) -> Evaluator {
        let sitesBefore = batchSites.sites.count
        let compiled = try arguments.map { (argument: ExpressionNode) throws(ExpressionError) -> Evaluator in try compile(argument) }
        switch name {
        case "coalesce":
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                for argument in compiled {
                    let value = try argument(frame)
                    if !value.isNull { return value }
                }
                return .null
            }
        case "if":
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                switch try compiled[0](frame) {
                case .boolean(true): return try compiled[1](frame)
                case .boolean(false), .null: return try compiled[2](frame)
                case let other: throw failure(node, operandMismatch(arguments[0], other, "but if's condition needs a boolean"))
                }
            }
        case "event_time":
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in .integer(frame.timestamp) }
        case "processing_time":
            // Read per row, not bound once: the wall clock when the row is evaluated.
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in .integer(HostClock.nowMs()) }
        case "header":
            return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
                // The last header of that name, as Kafka's lastHeader;
                // its value as UTF-8 text; null when there is none or it
                // has no value.
                let name: String
                switch try compiled[0](frame) {
                case .null: return .null
                case .string(let text): name = text
                case let other: throw failure(node, operandMismatch(arguments[0], other, "but header's name must be a string"))
                }
                guard let headers = frame.headers, !headers.column.isNull(headers.row) else { return .null }
                let (column, row) = headers
                let pairs = column.children[0]
                var wanted = name
                return wanted.withUTF8 { key -> ExpressionValue in
                    for entry in column.listRange(at: row).reversed() {
                        let at = pairs.childRow(entry)
                        let stored = pairs.children[0].bytes(at: at)
                        guard stored.count == key.count, stored.elementsEqual(UnsafeRawBufferPointer(key)) else { continue }
                        let values = pairs.children[1]
                        return values.isNull(at) ? .null : .string(String(decoding: values.bytes(at: at), as: UTF8.self))
                    }
                    return .null
                }
            }
        default:
            break
        }
        guard let function = checker.functions[node.id] else {
            preconditionFailure("the type checker resolved no function for call node \(node.id)")
        }
        let signature = function.signature
        let constants: [ExpressionValue?] = arguments.enumerated().map { index, argument in
            guard case .literal(let value) = argument.kind else { return nil }
            return ValueOperations.argument(value, as: signature.parameterType(at: index)!)
        }
        let body: ExpressionFunctionBody
        do {
            body = try function.bind(constants: constants)
        } catch {
            let at = error.argument.flatMap { $0 < arguments.count ? arguments[$0] : nil } ?? node
            throw ExpressionError(.type, at: at.position, "\(name): \(error.message)")
        }
        let buffer = ArgumentBuffer(count: arguments.count)
        let parameterTypes = arguments.indices.map { signature.parameterType(at: $0)! }
        let propagatesNull = signature.nullPropagating
        let call = body.call
        var site: BatchCallSite?
        if let callBatch = body.callBatch {
            let level = batchSites.level(from: sitesBefore).map { $0 + 1 } ?? 0
            site = BatchCallSite(level: level, arguments: compiled, parameterTypes: parameterTypes,
                                 propagatesNull: propagatesNull, callBatch: callBatch)
            batchSites.add(site!)
        }
        return { (frame: EvaluationFrame) throws(ExpressionRuntimeError) -> ExpressionValue in
            if let site, frame.row >= 0, frame.row < site.ready.count, site.ready[frame.row] {
                return site.results[frame.row]
            }
            let values = buffer.values
            for index in compiled.indices {
                let value = try compiled[index](frame)
                if value.isNull, propagatesNull { return .null }
                guard let converted = ValueOperations.argument(value, as: parameterTypes[index]) else {
                    throw failure(node, operandMismatch(arguments[index], value,
                                                        "but argument \(index + 1) of \(name) must be \(parameterTypes[index].withArticle)"))
                }
                values[index] = converted
            }
            do throws(ExpressionFunctionError) {
                return try call(UnsafeBufferPointer(rebasing: values[0..<compiled.count]))
            } catch {
                let at = error.argument.flatMap { $0 < arguments.count ? arguments[$0] : nil }
                throw failure(node, "\(name) failed\(at.map { " on `\(source($0))`" } ?? ""): \(error.message)")
            }
        }
    }
}

/// The slot of each field path read by a program's expressions.
final class FieldSlotTable {
    private(set) var paths: [FieldPath] = []
    private var indices: [FieldPath: Int] = [:]
    /// Slots asked for since the last `takeRequested` (those one
    /// expression reads).
    private var requested = Set<Int>()

    func slot(for path: FieldPath) -> Int {
        if let index = indices[path] {
            requested.insert(index)
            return index
        }
        paths.append(path)
        indices[path] = paths.count - 1
        requested.insert(paths.count - 1)
        return paths.count - 1
    }

    /// The slots asked for since the last call, in order.
    func takeRequested() -> [Int] {
        defer { requested.removeAll() }
        return requested.sorted()
    }
}
