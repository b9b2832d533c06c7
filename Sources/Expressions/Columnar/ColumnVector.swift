import Columns
import JSONText

/// The values of one expression node over the rows a `ColumnarProgram`
/// evaluates: one typed array (by `kind`), which rows are null, and which
/// failed and why.
///
/// A failed row is also marked null, so that a kernel skips it; every
/// consumer looks at `errors` first, as the row evaluator stops at the
/// first failure.
public struct ColumnVector: Sendable {
    /// What the values are; `generic` holds `ExpressionValue`s (nulls
    /// included), the others a typed array and `nulls` (`string`: UTF-8
    /// in one buffer, see `stringBytes`).
    public enum Kind: Sendable, Equatable { case integer, decimal, double, boolean, string, generic }

    public internal(set) var kind: Kind
    /// Rows evaluated.
    public internal(set) var count: Int
    /// One value for every row (an expression without fields).
    var isConstant = false
    var integers: [Int64] = []
    var decimals: [DecimalNumber] = []
    /// A `decimal` vector read from a decimal column, or computed from
    /// one, may hold its values as `units` at one scale (`unitScale`)
    /// instead of `decimals`: the column's scaled Int64 as it is, without
    /// a `DecimalNumber` (normalized) per value. Only the kernels that
    /// know it get such vectors (see `ColumnKernelCompiler.compileScaled`);
    /// `normalizedDecimals()` turns one into `decimals`.
    var units: [Int64] = []
    var unitScale: Int?
    var doubles: [Double] = []
    var booleans: [Bool] = []
    var generic: [ExpressionValue] = []
    /// `string`: row i's text is `stringBytes[stringOffsets[i] ..<
    /// stringOffsets[i + 1]]` (empty for a null row), always valid UTF-8
    /// (a column's bytes that are not are read through `String`, as the
    /// row evaluator reads them), so that byte-wise kernels give exactly
    /// what `String` operations give.
    var stringBytes: [UInt8] = []
    var stringOffsets: [Int] = [0]
    /// true: the row is null (or failed); empty: no row is.
    var nulls: [Bool] = []
    /// The rows that could not be evaluated, with the row evaluator's error.
    public internal(set) var errors: [Int: ExpressionRuntimeError] = [:]

    init(kind: Kind, count: Int) {
        self.kind = kind
        self.count = count
    }

    /// Row `row`'s index into the arrays (0 for a constant).
    @inline(__always)
    func at(_ row: Int) -> Int { isConstant ? 0 : row }

    @inline(__always)
    func isNull(_ row: Int) -> Bool {
        if kind == .generic { return generic[at(row)].isNull }
        return !nulls.isEmpty && nulls[at(row)]
    }

    /// Marks row `row` failed (and null, so that kernels skip it).
    mutating func fail(_ row: Int, _ error: ExpressionRuntimeError) {
        errors[row] = error
        if kind == .generic {
            generic[row] = .null
        } else {
            if nulls.isEmpty { nulls = [Bool](repeating: false, count: count) }
            nulls[row] = true
        }
    }

    /// Row `row`'s value, as the row evaluator would give it (nil when the
    /// row failed: see `errors`).
    public func value(at row: Int) -> ExpressionValue? {
        if errors[row] != nil { return nil }
        if isNull(row) { return .null }
        let index = at(row)
        switch kind {
        case .integer: return .integer(integers[index])
        case .decimal:
            if let unitScale { return .decimal(DecimalNumber(units: units[index], scale: unitScale)) }
            return .decimal(decimals[index])
        case .double: return .double(doubles[index])
        case .boolean: return .boolean(booleans[index])
        case .string: return .string(string(row))
        case .generic: return generic[index]
        }
    }

    /// Row `row`'s integer without an `ExpressionValue`: nil unless the
    /// vector holds integers and the row neither failed nor is null (then
    /// `value(at:)` says what it is). The fast read of a result that is
    /// an event time, once per record.
    @inline(__always)
    public func integer(at row: Int) -> Int64? {
        guard kind == .integer, errors.isEmpty || errors[row] == nil, !isNull(row) else { return nil }
        return integers[at(row)]
    }

    /// Row `row` as a condition: true, false or nil (null), as
    /// `ExpressionProgram.condition` reads a value; a value that is not a
    /// boolean is the same error.
    func condition(_ row: Int) throws(ExpressionRuntimeError) -> Bool? {
        if let error = errors[row] { throw error }
        if kind == .boolean { return isNull(row) ? nil : booleans[at(row)] }
        switch value(at: row)! {
        case .boolean(let flag): return flag
        case .null: return nil
        case let other: throw ExpressionRuntimeError(message: "the condition is \(other.described), not a boolean")
        }
    }

    // MARK: Numbers widened, as ValueOperations widens them

    /// The values as doubles (integers and decimals converted).
    func asDoubles() -> [Double] {
        switch kind {
        case .double: return doubles
        case .integer: return integers.map { Double($0) }
        case .decimal:
            // Through the normalized value, so that a double rounds as the row path's does.
            if let unitScale { return units.map { DecimalNumber(units: $0, scale: unitScale).doubleValue } }
            return decimals.map(\.doubleValue)
        default: preconditionFailure("asDoubles on a \(kind) vector")
        }
    }

    /// The values as decimals (integers converted).
    func asDecimals() -> [DecimalNumber] {
        switch kind {
        case .decimal:
            if let unitScale { return units.map { DecimalNumber(units: $0, scale: unitScale) } }
            return decimals
        case .integer: return integers.map { DecimalNumber(units: $0, scale: 0) }
        default: preconditionFailure("asDecimals on a \(kind) vector")
        }
    }
}

// MARK: Decimals at one scale

extension ColumnVector {
    /// The vector with its decimals as `decimals` (one normalized
    /// `DecimalNumber` per value, as the row path keeps them): itself
    /// unless it holds `units`.
    func normalizedDecimals() -> ColumnVector {
        guard unitScale != nil else { return self }
        var out = self
        out.decimals = asDecimals()
        out.units = []
        out.unitScale = nil
        return out
    }

    /// A decimal vector of `count` rows holding `units` at `scale`.
    static func scaled(units: [Int64], scale: Int, count: Int) -> ColumnVector {
        var out = ColumnVector(kind: .decimal, count: count)
        out.units = units
        out.unitScale = scale
        return out
    }

    /// Row `row`'s units at `scale` (≥ the vector's: a constant decimal or
    /// integer, or units), or nil when they do not fit an Int64.
    @inline(__always)
    func units(_ row: Int, at scale: Int) -> Int64? {
        let index = at(row)
        switch kind {
        case .integer: return JSONDecimalText.rescale(integers[index], from: 0, to: scale)
        case .decimal:
            if let unitScale { return JSONDecimalText.rescale(units[index], from: unitScale, to: scale) }
            return JSONDecimalText.rescale(decimals[index].units, from: decimals[index].scale, to: scale)
        default: return nil
        }
    }

    /// The scale of this vector's values as units: `unitScale`, 0 for
    /// integers, a constant decimal's own; nil for other vectors.
    var exactScale: Int? {
        switch kind {
        case .integer: return 0
        case .decimal: return unitScale ?? (isConstant ? decimals[0].scale : nil)
        default: return nil
        }
    }
}

extension ExpressionNode.BinaryOperator {
    /// The comparison with its sides swapped (`a < b` is `b > a`).
    var mirrored: Self {
        switch self {
        case .less: return .greater
        case .lessOrEqual: return .greaterOrEqual
        case .greater: return .less
        case .greaterOrEqual: return .lessOrEqual
        default: return self
        }
    }
}

// MARK: Strings

extension ColumnVector {
    /// An empty `string` vector of `count` rows, to be appended to in order.
    static func strings(count: Int, capacity: Int = 0) -> ColumnVector {
        var out = ColumnVector(kind: .string, count: count)
        out.stringOffsets.reserveCapacity(count + 1)
        out.stringBytes.reserveCapacity(capacity)
        return out
    }

    /// A constant string.
    static func constant(string text: String) -> ColumnVector {
        var out = strings(count: 1)
        out.appendString(text)
        out.isConstant = true
        return out
    }

    /// Appends the next row's text: `bytes` must be valid UTF-8.
    @inline(__always)
    mutating func appendString(validUTF8 bytes: UnsafeRawBufferPointer) {
        stringBytes.append(contentsOf: bytes)
        stringOffsets.append(stringBytes.count)
    }

    mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { appendString(validUTF8: UnsafeRawBufferPointer($0)) }
    }

    /// Appends the next row as text of any bytes: ASCII as it is, other
    /// bytes through `String` (invalid sequences become U+FFFD, as the row
    /// evaluator reads them).
    @inline(__always)
    mutating func appendString(anyBytes bytes: UnsafeRawBufferPointer) {
        if Self.isASCII(bytes) {
            appendString(validUTF8: bytes)
        } else {
            appendString(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Appends an empty row and marks it null.
    @inline(__always)
    mutating func appendNullString(_ row: Int) {
        stringOffsets.append(stringBytes.count)
        markNull(row)
    }

    /// Marks row `row` null (a typed vector).
    @inline(__always)
    mutating func markNull(_ row: Int) {
        if nulls.isEmpty { nulls = [Bool](repeating: false, count: count) }
        nulls[row] = true
    }

    /// Calls `body` with row `row`'s UTF-8.
    @inline(__always)
    func withString<R>(_ row: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let index = at(row)
        return stringBytes.withUnsafeBytes { all in
            body(UnsafeRawBufferPointer(rebasing: all[stringOffsets[index]..<stringOffsets[index + 1]]))
        }
    }

    /// Row `row`'s text.
    func string(_ row: Int) -> String { withString(row) { String(decoding: $0, as: UTF8.self) } }

    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    /// Appends row `row` of `source` (same kind as this vector, or any kind
    /// into a generic one) as row `outRow`: its value, null, or its error.
    mutating func appendRow(of source: ColumnVector, _ row: Int, as outRow: Int) {
        if let error = source.errors[row] {
            if kind == .string { stringOffsets.append(stringBytes.count) }
            fail(outRow, error)
            return
        }
        if kind == .generic {
            generic[outRow] = source.value(at: row)!
            return
        }
        precondition(source.kind == kind, "a \(source.kind) row appended to a \(kind) vector")
        if source.isNull(row) {
            if kind == .string { stringOffsets.append(stringBytes.count) }
            markNull(outRow)
            return
        }
        let index = source.at(row)
        switch kind {
        case .integer: integers[outRow] = source.integers[index]
        case .decimal: decimals[outRow] = source.decimals[index]
        case .double: doubles[outRow] = source.doubles[index]
        case .boolean: booleans[outRow] = source.booleans[index]
        case .string: source.withString(row) { appendString(validUTF8: $0) }
        case .generic: break
        }
    }

    /// Stores `value` (of this vector's kind, or null) as row `outRow`; for
    /// a string vector rows are appended in order.
    mutating func store(_ value: ExpressionValue, as outRow: Int) {
        switch (kind, value) {
        case (.generic, _): generic[outRow] = value
        case (.string, .null): appendNullString(outRow)
        case (_, .null): markNull(outRow)
        case (.integer, .integer(let number)): integers[outRow] = number
        case (.decimal, .decimal(let number)): decimals[outRow] = number
        case (.double, .double(let number)): doubles[outRow] = number
        case (.boolean, .boolean(let flag)): booleans[outRow] = flag
        case (.string, .string(let text)): appendString(text)
        default: preconditionFailure("a \(value.described) stored in a \(kind) vector")
        }
    }

    /// An empty vector of `kind` with room for `count` rows (typed arrays
    /// filled with zeros, to be set by row; strings appended in order).
    static func empty(kind: Kind, count: Int) -> ColumnVector {
        switch kind {
        case .string: return strings(count: count)
        default:
            var out = ColumnVector(kind: kind, count: count)
            switch kind {
            case .integer: out.integers = [Int64](repeating: 0, count: count)
            case .decimal: out.decimals = [DecimalNumber](repeating: DecimalNumber(units: 0, scale: 0), count: count)
            case .double: out.doubles = [Double](repeating: 0, count: count)
            case .boolean: out.booleans = [Bool](repeating: false, count: count)
            default: out.generic = [ExpressionValue](repeating: .null, count: count)
            }
            return out
        }
    }
}
