#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Columns
import JSONText

/// One compiled node of a columnar program: its values' kind, the most
/// digits after the point a decimal result can have, and the kernel.
struct CompiledKernel {
    typealias Kernel = (ColumnarFrame) -> ColumnVector
    let kind: ColumnVector.Kind
    let scaleMax: Int
    /// The kernel may return a decimal vector as units at one scale
    /// (`ColumnVector.unitScale`): only `compileScaled`'s callers get one.
    var scaled = false
    let kernel: Kernel
}

/// Turns a type-checked expression into column kernels: a loop per node
/// over the rows of a batch, on typed arrays.
///
/// Nodes over integers, decimals, doubles, booleans and strings (fields of
/// those column types, literals, arithmetic, comparison, and/or/not, `is
/// null`, `||`, `case`, `if`, `coalesce`, casts, and the built-in string
/// functions but the regular expressions and `split`: see
/// ColumnKernelCompiler+Strings.swift) get kernels that compute with
/// exactly the operations of the row evaluator (`ValueOperations`,
/// `DecimalNumber`, byte-wise where UTF-8 makes that the same); every other
/// node (other calls, in-lists, indexes, values read through their JSON
/// text) is an island: the row evaluator's own closure, run for each row
/// with the fields' values read from the columns. A row a kernel cannot
/// compute (an overflow, a division by zero, text a byte-wise kernel does
/// not handle) is evaluated by the row evaluator too, for its value or its
/// error message. So the two paths share every rule, and
/// `ColumnarProgramTests` checks that they agree.
struct ColumnKernelCompiler {
    let text: String
    let checker: ExpressionTypeChecker
    let slots: FieldSlotTable
    let rowCompiler: ExpressionCompiler
    /// The kind of each field path's values in the schema compiled for.
    let fieldKind: (FieldPath) -> ColumnFieldReader.LeafKind

    /// The kernel of `node`, its decimals as normalized `DecimalNumber`s.
    func compile(_ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel {
        let kernel = try compileScaled(node)
        guard kernel.scaled else { return kernel }
        return CompiledKernel(kind: kernel.kind, scaleMax: kernel.scaleMax) { frame in
            kernel.kernel(frame).normalizedDecimals()
        }
    }

    /// The kernel of `node`, whose decimal vectors may hold units at one
    /// scale (a decimal column's scaled Int64 as it is, and what
    /// comparison and + - * compute from them without a `DecimalNumber`
    /// per value): for the callers that read such vectors (comparison,
    /// arithmetic, and `ColumnarProgram`'s results).
    func compileScaled(_ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel {
        if let fast = try fastKernel(node) { return fast }
        return try island(node)
    }

    /// The row evaluator over `node`, run per row.
    func island(_ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel {
        let evaluator = try rowCompiler.compile(node)
        let used = fieldSlots(node)
        return CompiledKernel(kind: .generic, scaleMax: DecimalNumber.scaleMax) { frame in
            var out = ColumnVector(kind: .generic, count: frame.count)
            out.generic = [ExpressionValue](repeating: .null, count: frame.count)
            for row in 0..<frame.count {
                do throws(ExpressionRuntimeError) {
                    out.generic[row] = try Self.evaluateRow(evaluator, used, frame, row)
                } catch {
                    out.fail(row, error)
                }
            }
            return out
        }
    }

    /// Runs a row evaluator on row `row` of the frame.
    static func evaluateRow(_ evaluator: Evaluator, _ used: [Int], _ frame: ColumnarFrame,
                            _ row: Int) throws(ExpressionRuntimeError) -> ExpressionValue {
        let batchRow = frame.batchRow(row)
        let values = frame.rowFrame.fieldValues!
        for slot in used { values[slot] = frame.readers[slot].value(row: batchRow) }
        frame.rowFrame.timestamp = frame.timestamps.isEmpty ? 0 : frame.timestamps[batchRow]
        frame.rowFrame.headers = frame.headers.map { (column: $0, row: batchRow) }
        return try evaluator(frame.rowFrame)
    }

    /// The error the row evaluator reports for a row a kernel could not
    /// compute.
    static func rowError(_ evaluator: Evaluator, _ used: [Int], _ frame: ColumnarFrame, _ row: Int) -> ExpressionRuntimeError {
        do throws(ExpressionRuntimeError) {
            let value = try evaluateRow(evaluator, used, frame, row)
            preconditionFailure("a column kernel failed on a row the row evaluator computes (\(value))")
        } catch {
            return error
        }
    }

    /// The slots of the fields `node` reads.
    func fieldSlots(_ node: ExpressionNode) -> [Int] {
        var found: [Int] = []
        func walk(_ node: ExpressionNode) {
            if case .field(let path) = node.kind { found.append(slots.slot(for: path)) }
            node.children.forEach(walk)
        }
        walk(node)
        return Array(Set(found)).sorted()
    }

    // MARK: Kernels

    private func fastKernel(_ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel? {
        switch node.kind {
        case .literal(let value):
            return constant(value)
        case .field(let path):
            return field(path)
        case .unary(.not, let operand):
            let inner = try compile(operand)
            guard inner.kind == .boolean else { return nil }
            return CompiledKernel(kind: .boolean, scaleMax: 0) { frame in
                var out = inner.kernel(frame).expanded(frame.count)
                for row in 0..<out.count where !out.isNull(row) { out.booleans[row].toggle() }
                return out
            }
        case .unary(.negate, let operand):
            let inner = try compile(operand)
            guard inner.kind == .integer || inner.kind == .decimal || inner.kind == .double else { return nil }
            let fallback = try rowCompiler.compile(node)
            let used = fieldSlots(node)
            return CompiledKernel(kind: inner.kind, scaleMax: inner.scaleMax) { frame in
                var out = inner.kernel(frame).expanded(frame.count)
                for row in 0..<out.count where !out.isNull(row) {
                    switch out.kind {
                    case .integer:
                        if out.integers[row] == Int64.min {
                            out.fail(row, Self.rowError(fallback, used, frame, row))
                        } else {
                            out.integers[row] = -out.integers[row]
                        }
                    case .decimal: out.decimals[row] = out.decimals[row].negated!
                    default: out.doubles[row] = -out.doubles[row]
                    }
                }
                return out
            }
        case .isNull(let operand, let negated):
            let inner = try compile(operand)
            return CompiledKernel(kind: .boolean, scaleMax: 0) { frame in
                let value = inner.kernel(frame)
                var out = ColumnVector(kind: .boolean, count: frame.count)
                out.booleans = (0..<frame.count).map { value.isNull($0) != negated }
                for (row, error) in value.errors { out.fail(row, error) }
                return out
            }
        case .binary(let op, let left, let right):
            return try binary(op, left, right, node)
        case .caseWhen(let branches, let otherwise):
            return try caseWhen(branches, otherwise: otherwise)
        case .cast(let operand, let type, let isTry):
            return try cast(operand, to: type, isTry: isTry, node)
        case .call(let name, let arguments):
            return try call(name, arguments, node)
        case .index:
            return try splitPart(node)
        default:
            return nil
        }
    }

    private func constant(_ value: ExpressionValue) -> CompiledKernel? {
        var out: ColumnVector
        let scale: Int
        switch value {
        case .integer(let number):
            out = ColumnVector(kind: .integer, count: 1)
            out.integers = [number]
            scale = 0
        case .decimal(let number):
            out = ColumnVector(kind: .decimal, count: 1)
            out.decimals = [number]
            scale = number.scale
        case .double(let number):
            out = ColumnVector(kind: .double, count: 1)
            out.doubles = [number]
            scale = 0
        case .boolean(let flag):
            out = ColumnVector(kind: .boolean, count: 1)
            out.booleans = [flag]
            scale = 0
        case .string(let text):
            out = ColumnVector.constant(string: text)
            scale = 0
        default:
            return nil
        }
        out.isConstant = true
        let made = out
        return CompiledKernel(kind: made.kind, scaleMax: scale) { _ in made }
    }

    private func field(_ path: FieldPath) -> CompiledKernel? {
        let slot = slots.slot(for: path)
        switch fieldKind(path) {
        case .integer, .integer32:
            return CompiledKernel(kind: .integer, scaleMax: 0) { frame in
                Self.read(frame, slot, .integer, path) { column, at, row, out in
                    switch column.type {
                    case .int32: out.integers[row] = Int64(column.int32(at: at))
                    case .decimal128:
                        guard let units = column.decimal(at: at).int64Value else { return false }
                        out.integers[row] = units
                    default: out.integers[row] = column.int64(at: at)
                    }
                    return true
                }
            }
        case .decimal(let scale):
            return CompiledKernel(kind: .decimal, scaleMax: scale, scaled: true) { frame in
                Self.readUnits(frame, slot, scale: scale, path)
            }
        case .boolean:
            return CompiledKernel(kind: .boolean, scaleMax: 0) { frame in
                Self.read(frame, slot, .boolean, path) { column, at, row, out in
                    out.booleans[row] = column.bool(at: at)
                    return true
                }
            }
        case .string:
            return CompiledKernel(kind: .string, scaleMax: 0) { frame in Self.readStrings(frame, slot) }
        case .other:
            return nil
        }
    }

    /// Reads a typed leaf into a vector: `store` copies the value at a leaf
    /// row into a vector row, or
    /// returns false for a decimal holding more digits than its type's
    /// precision (a producer's mistake: the row fails, naming the field).
    private static func read(_ frame: ColumnarFrame, _ slot: Int, _ kind: ColumnVector.Kind, _ path: FieldPath,
                             _ store: (Column, Int, Int, inout ColumnVector) -> Bool) -> ColumnVector {
        let count = frame.count
        var out = ColumnVector(kind: kind, count: count)
        switch kind {
        case .integer: out.integers = [Int64](repeating: 0, count: count)
        case .decimal: out.decimals = [DecimalNumber](repeating: DecimalNumber(units: 0, scale: 0), count: count)
        default: out.booleans = [Bool](repeating: false, count: count)
        }
        guard case .leaf(let columns) = frame.readers[slot].access else {
            // The schema has no such field: every row is null.
            out.nulls = [Bool](repeating: true, count: count)
            return out
        }
        let leaf = columns[columns.count - 1]
        // A top-level field of a batch without tombstones: no parent to check.
        let direct = columns.count == 2 && columns[0].nullCount == 0
        for row in 0..<count {
            let batchRow = frame.batchRow(row)
            let at: Int? = direct ? (leaf.isNull(columns[0].childRow(batchRow)) ? nil : columns[0].childRow(batchRow))
                : ColumnFieldReader.leafRow(columns, batchRow)
            guard let at else {
                if out.nulls.isEmpty { out.nulls = [Bool](repeating: false, count: count) }
                out.nulls[row] = true
                continue
            }
            if !store(leaf, at, row, &out) {
                out.fail(row, ExpressionRuntimeError(
                    message: "field `\(path)` holds a value with more digits than its type \(leaf.type) allows"))
            }
        }
        return out
    }

    /// The units of a decimal leaf, as they are at the column's `scale`:
    /// one loop over the column's 128-bit values for a top-level field of
    /// a batch without nulls, `read` otherwise. A value with more than 18
    /// digits fails its row, as `read` fails it.
    private static func readUnits(_ frame: ColumnarFrame, _ slot: Int, scale: Int, _ path: FieldPath) -> ColumnVector {
        let count = frame.count
        guard case .leaf(let columns) = frame.readers[slot].access, columns.count == 2, columns[0].nullCount == 0,
              case let leaf = columns[1], leaf.nullCount == 0, case .decimal128 = leaf.type else {
            var out = read(frame, slot, .integer, path) { column, at, row, out in
                guard let units = column.decimal(at: at).int64Value, units.magnitude < unitsBound else { return false }
                out.integers[row] = units
                return true
            }
            out.kind = .decimal
            out.units = out.integers
            out.integers = []
            out.unitScale = scale
            return out
        }
        let structRow = columns[0].childRow(0)
        let values = leaf.fixedWidthValues
        var bad: [Int] = []
        let units = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            @inline(__always) func load(_ row: Int, from batchRow: Int) {
                let at = (structRow + batchRow) &* 16
                let low = Int64(bitPattern: values.load(fromByteOffset: at, as: UInt64.self))
                let high = values.load(fromByteOffset: at + 8, as: Int64.self)
                if high != low >> 63 || low.magnitude >= unitsBound {
                    bad.append(row)
                    buffer[row] = 0
                } else {
                    buffer[row] = low
                }
            }
            if let rows = frame.rows {
                for row in 0..<count { load(row, from: Int(rows[row])) }
            } else {
                for row in 0..<count { load(row, from: row) }
            }
            initialized = count
        }
        var out = ColumnVector.scaled(units: units, scale: scale, count: count)
        for row in bad {
            out.fail(row, ExpressionRuntimeError(
                message: "field `\(path)` holds a value with more digits than its type \(leaf.type) allows"))
        }
        return out
    }

    /// Decimal units a column may hold: 18 digits, as `DecimalNumber`.
    static var unitsBound: UInt64 { 1_000_000_000_000_000_000 }

    // MARK: Binary operators

    private func binary(_ op: ExpressionNode.BinaryOperator, _ left: ExpressionNode, _ right: ExpressionNode,
                        _ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel? {
        // Decimals may come as units at one scale: every kernel below that
        // does not compute on units normalizes them first.
        let a = try compileScaled(left)
        let b = try compileScaled(right)
        let numeric: Set<ColumnVector.Kind> = [.integer, .decimal, .double]
        switch op {
        case .and, .or:
            guard a.kind == .boolean, b.kind == .boolean else { return nil }
            let isAnd = op == .and
            return CompiledKernel(kind: .boolean, scaleMax: 0) { frame in
                let x = a.kernel(frame)
                let y = b.kernel(frame)
                var out = ColumnVector(kind: .boolean, count: frame.count)
                out.booleans = [Bool](repeating: false, count: frame.count)
                for row in 0..<frame.count {
                    // The row evaluator's order: the left side, then the
                    // right one only when the left does not decide.
                    if let error = x.errors[row] {
                        out.fail(row, error)
                        continue
                    }
                    let first: Bool? = x.isNull(row) ? nil : x.booleans[x.at(row)]
                    if first == !isAnd {
                        out.booleans[row] = !isAnd
                        continue
                    }
                    if let error = y.errors[row] {
                        out.fail(row, error)
                        continue
                    }
                    let second: Bool? = y.isNull(row) ? nil : y.booleans[y.at(row)]
                    if second == !isAnd {
                        out.booleans[row] = !isAnd
                    } else if first == nil || second == nil {
                        if out.nulls.isEmpty { out.nulls = [Bool](repeating: false, count: frame.count) }
                        out.nulls[row] = true
                    } else {
                        out.booleans[row] = isAnd
                    }
                }
                return out
            }
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            // (Not a `where` on the case: it would bind to its last pattern only.)
            if a.kind == .string && b.kind == .string { return stringComparison(op, a, b) }
            let bothNumeric = numeric.contains(a.kind) && numeric.contains(b.kind)
            guard bothNumeric || (a.kind == .boolean && b.kind == .boolean) else { return nil }
            return CompiledKernel(kind: .boolean, scaleMax: 0) { frame in
                var x = a.kernel(frame)
                var y = b.kernel(frame)
                var out = Self.combined(x, y, kind: .boolean, count: frame.count)
                if x.unitScale != nil || y.unitScale != nil {
                    if Self.compareUnits(&out, op, x, y) { return out }
                    x = x.normalizedDecimals()
                    y = y.normalizedDecimals()
                }
                func decide(_ order: Int) -> Bool { Self.decide(op, order) }
                if x.kind == .integer && y.kind == .integer {
                    Self.loop(&out, x, y) { p, q, row in
                        let (s, t) = (p.integers[p.at(row)], q.integers[q.at(row)])
                        return decide(s < t ? -1 : (s == t ? 0 : 1))
                    }
                } else if x.kind == .boolean {
                    Self.loop(&out, x, y) { p, q, row in
                        let (s, t) = (p.booleans[p.at(row)], q.booleans[q.at(row)])
                        return decide(s == t ? 0 : (!s ? -1 : 1))
                    }
                } else if x.kind == .double || y.kind == .double {
                    let (s, t) = (x.widenedDoubles(), y.widenedDoubles())
                    Self.loop(&out, s, t) { p, q, row in
                        let (u, v) = (p.doubles[p.at(row)], q.doubles[q.at(row)])
                        return decide(u < v ? -1 : (u == v ? 0 : 1))
                    }
                } else {
                    let (s, t) = (x.widenedDecimals(), y.widenedDecimals())
                    Self.loop(&out, s, t) { p, q, row in decide(p.decimals[p.at(row)].compare(q.decimals[q.at(row)])) }
                }
                return out
            }
        case .add, .subtract, .multiply, .divide, .remainder:
            guard numeric.contains(a.kind), numeric.contains(b.kind) else { return nil }
            let fallback = try rowCompiler.compile(node)
            let used = fieldSlots(node)
            let kind: ColumnVector.Kind
            if a.kind == .integer && b.kind == .integer {
                kind = .integer
            } else if a.kind == .double || b.kind == .double || op == .divide || op == .remainder {
                kind = .double
            } else {
                kind = .decimal
            }
            let scaleMax = op == .multiply ? min(DecimalNumber.scaleMax, a.scaleMax + b.scaleMax) : max(a.scaleMax, b.scaleMax)
            return CompiledKernel(kind: kind, scaleMax: kind == .decimal ? scaleMax : 0, scaled: kind == .decimal) { frame in
                var x = a.kernel(frame)
                var y = b.kernel(frame)
                var out = Self.combined(x, y, kind: kind, count: frame.count)
                if x.unitScale != nil || y.unitScale != nil {
                    if kind == .decimal, Self.arithmeticOnUnits(&out, op, x, y) { return out }
                    x = x.normalizedDecimals()
                    y = y.normalizedDecimals()
                }
                var failed: [Int] = []
                switch kind {
                case .integer:
                    out.integers = [Int64](repeating: 0, count: frame.count)
                    for row in 0..<frame.count where !out.isNull(row) {
                        let (p, q) = (x.integers[x.at(row)], y.integers[y.at(row)])
                        let result: (Int64, Bool)
                        switch op {
                        case .add: result = p.addingReportingOverflow(q)
                        case .subtract: result = p.subtractingReportingOverflow(q)
                        case .multiply: result = p.multipliedReportingOverflow(by: q)
                        case .divide: result = q == 0 ? (0, true) : p.dividedReportingOverflow(by: q)
                        default: result = q == 0 ? (0, true) : p.remainderReportingOverflow(dividingBy: q)
                        }
                        if result.1 { failed.append(row) } else { out.integers[row] = result.0 }
                    }
                case .double:
                    let (s, t) = (x.widenedDoubles(), y.widenedDoubles())
                    out.doubles = [Double](repeating: 0, count: frame.count)
                    for row in 0..<frame.count where !out.isNull(row) {
                        let (p, q) = (s.doubles[s.at(row)], t.doubles[t.at(row)])
                        let value: Double
                        switch op {
                        case .add: value = p + q
                        case .subtract: value = p - q
                        case .multiply: value = p * q
                        case .divide: value = q == 0 ? .nan : p / q
                        default: value = q == 0 ? .nan : fmod(p, q)
                        }
                        if value.isFinite { out.doubles[row] = value } else { failed.append(row) }
                    }
                default:
                    let (s, t) = (x.widenedDecimals(), y.widenedDecimals())
                    out.decimals = [DecimalNumber](repeating: DecimalNumber(units: 0, scale: 0), count: frame.count)
                    for row in 0..<frame.count where !out.isNull(row) {
                        let (p, q) = (s.decimals[s.at(row)], t.decimals[t.at(row)])
                        let value: DecimalNumber?
                        switch op {
                        case .add: value = p.adding(q)
                        case .subtract: value = p.subtracting(q)
                        default: value = p.multiplying(q)
                        }
                        if let value { out.decimals[row] = value } else { failed.append(row) }
                    }
                }
                for row in failed { out.fail(row, Self.rowError(fallback, used, frame, row)) }
                return out
            }
        case .concatenate:
            guard a.kind == .string, b.kind == .string else { return nil }
            return concatenation(a, b)
        }
    }

    // MARK: Decimals as units at one scale

    /// Compares two numeric vectors, one of them units at one scale
    /// (`ColumnVector.unitScale`), as Int64s at their common scale: exact,
    /// as `DecimalNumber.compare` is where both fit. False (and `out`
    /// unchanged) when a side is not exact at one scale or a value does not
    /// fit the common scale: the caller then compares `DecimalNumber`s.
    static func compareUnits(_ out: inout ColumnVector, _ op: ExpressionNode.BinaryOperator,
                             _ x: ColumnVector, _ y: ColumnVector) -> Bool {
        guard let xScale = x.exactScale, let yScale = y.exactScale else { return false }
        let scale = max(xScale, yScale)
        let count = out.count
        // A column against a constant (`amount > 500.0`): one loop over the
        // column's units against the constant's at the column's scale.
        if x.unitScale == scale, y.isConstant, let bound = y.units(0, at: scale) {
            x.units.withUnsafeBufferPointer { compare(&out.booleans, $0, count, op, bound) }
            return true
        }
        if y.unitScale == scale, x.isConstant, let bound = x.units(0, at: scale) {
            y.units.withUnsafeBufferPointer { compare(&out.booleans, $0, count, op.mirrored, bound) }
            return true
        }
        var booleans = out.booleans
        for row in 0..<count where !out.isNull(row) {
            guard let left = x.units(row, at: scale), let right = y.units(row, at: scale) else { return false }
            booleans[row] = decide(op, left < right ? -1 : (left == right ? 0 : 1))
        }
        out.booleans = booleans
        return true
    }

    /// `result[row] = units[row] op bound` for every row (null rows too:
    /// their value is never read).
    private static func compare(_ result: inout [Bool], _ units: UnsafeBufferPointer<Int64>, _ count: Int,
                                _ op: ExpressionNode.BinaryOperator, _ bound: Int64) {
        result.withUnsafeMutableBufferPointer { result in
            switch op {
            case .equal: for row in 0..<count { result[row] = units[row] == bound }
            case .notEqual: for row in 0..<count { result[row] = units[row] != bound }
            case .less: for row in 0..<count { result[row] = units[row] < bound }
            case .lessOrEqual: for row in 0..<count { result[row] = units[row] <= bound }
            case .greater: for row in 0..<count { result[row] = units[row] > bound }
            default: for row in 0..<count { result[row] = units[row] >= bound }
            }
        }
    }

    /// + - * of two numeric vectors, one of them units at one scale, as
    /// Int64s: a sum or difference at the larger scale, a product at the
    /// sum of the scales (at most 18), each exact, so the same value as
    /// `DecimalNumber`'s. False (and `out` unchanged) when a value
    /// overflows that (the row path may then round a product, or report
    /// the overflow): the caller computes the batch with `DecimalNumber`s.
    static func arithmeticOnUnits(_ out: inout ColumnVector, _ op: ExpressionNode.BinaryOperator,
                                  _ x: ColumnVector, _ y: ColumnVector) -> Bool {
        guard let xScale = x.exactScale, let yScale = y.exactScale else { return false }
        let count = out.count
        let nulls = out.nulls
        let scale: Int
        switch op {
        case .multiply:
            scale = xScale + yScale
            guard scale <= DecimalNumber.scaleMax else { return false }
        case .add, .subtract:
            scale = max(xScale, yScale)
        default:
            return false
        }
        // The units of each side at the scale the operation works at.
        let (left, right) = op == .multiply ? (xScale, yScale) : (scale, scale)
        var overflow = false
        let units = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            defer { initialized = count }
            // A column times a constant (`amount * 1.2`): one loop.
            let columnAndConstant = x.unitScale != nil && y.isConstant ? (x, y)
                : (y.unitScale != nil && x.isConstant ? (y, x) : nil)
            if op == .multiply, let (column, constant) = columnAndConstant,
               let factor = constant.units(0, at: constant.exactScale!) {
                column.units.withUnsafeBufferPointer { values in
                    for row in 0..<count {
                        let (product, over) = values[row].multipliedReportingOverflow(by: factor)
                        buffer[row] = product
                        // Int64.min has no magnitude the row path accepts.
                        if (over || product == Int64.min) && (nulls.isEmpty || !nulls[row]) { overflow = true }
                    }
                }
                return
            }
            for row in 0..<count {
                buffer[row] = 0
                if !nulls.isEmpty && nulls[row] { continue }
                guard let p = x.units(row, at: left), let q = y.units(row, at: right) else {
                    overflow = true
                    return
                }
                let (value, over): (Int64, Bool)
                switch op {
                case .multiply: (value, over) = p.multipliedReportingOverflow(by: q)
                case .add: (value, over) = p.addingReportingOverflow(q)
                // The row path negates the right side first.
                default: (value, over) = q == Int64.min ? (0, true) : p.subtractingReportingOverflow(q)
                }
                if over || value == Int64.min {
                    overflow = true
                    return
                }
                buffer[row] = value
            }
        }
        guard !overflow else { return false }
        out.units = units
        out.unitScale = scale
        return true
    }

    /// Whether comparison `op` holds for two values in `order` (-1, 0, 1).
    @inline(__always)
    static func decide(_ op: ExpressionNode.BinaryOperator, _ order: Int) -> Bool {
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        default: return order >= 0
        }
    }

    /// A vector of `kind` whose nulls and errors are those of `x` and `y`:
    /// a failure of the left side first, as the row evaluator evaluates it
    /// first; a null on either side makes the row null.
    static func combined(_ x: ColumnVector, _ y: ColumnVector, kind: ColumnVector.Kind, count: Int) -> ColumnVector {
        var out = ColumnVector(kind: kind, count: count)
        if kind == .boolean { out.booleans = [Bool](repeating: false, count: count) }
        if !x.nulls.isEmpty || !y.nulls.isEmpty {
            out.nulls = (0..<count).map { x.isNull($0) || y.isNull($0) }
        }
        for (row, error) in y.errors { out.errors[row] = error }
        for (row, error) in x.errors { out.errors[row] = error }
        return out
    }

    /// Sets each non-null row of a boolean `out` to `body(x, y, row)`.
    @inline(__always)
    static func loop(_ out: inout ColumnVector, _ x: ColumnVector, _ y: ColumnVector,
                             _ body: (ColumnVector, ColumnVector, Int) -> Bool) {
        if out.nulls.isEmpty {
            for row in 0..<out.count { out.booleans[row] = body(x, y, row) }
        } else {
            for row in 0..<out.count where !out.nulls[row] { out.booleans[row] = body(x, y, row) }
        }
    }
}

extension ColumnVector {
    /// A constant spread over `count` rows (others unchanged).
    func expanded(_ count: Int) -> ColumnVector {
        guard isConstant else { return self }
        var out = ColumnVector(kind: kind, count: count)
        switch kind {
        case .integer: out.integers = [Int64](repeating: integers[0], count: count)
        case .decimal: out.decimals = [DecimalNumber](repeating: decimals[0], count: count)
        case .double: out.doubles = [Double](repeating: doubles[0], count: count)
        case .boolean: out.booleans = [Bool](repeating: booleans[0], count: count)
        case .string:
            out = ColumnVector.strings(count: count, capacity: stringBytes.count * count)
            for _ in 0..<count { withString(0) { out.appendString(validUTF8: $0) } }
        case .generic: out.generic = [ExpressionValue](repeating: generic[0], count: count)
        }
        if !nulls.isEmpty { out.nulls = [Bool](repeating: nulls[0], count: count) }
        return out
    }

    /// The vector with its numbers as doubles (constant stays constant).
    func widenedDoubles() -> ColumnVector {
        var out = normalizedDecimals()
        out.doubles = asDoubles()
        out.kind = .double
        return out
    }

    /// The vector with its numbers as decimals (constant stays constant).
    func widenedDecimals() -> ColumnVector {
        var out = normalizedDecimals()
        out.decimals = asDecimals()
        out.kind = .decimal
        return out
    }
}
