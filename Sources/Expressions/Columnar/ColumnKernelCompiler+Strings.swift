#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Columns

/// Column kernels for strings, `case` / `if` / `coalesce`, and casts.
///
/// Strings are UTF-8 in one buffer per vector (`ColumnVector.stringBytes`).
/// The built-in string functions work on bytes wherever UTF-8 makes that
/// the same as the row evaluator's `String` code (and `timestamp_text` /
/// `timestamp_ms` write and read their text in bytes): `length` counts scalars
/// (the bytes that start one), `concat`, `||`, `replace`, `starts_with`,
/// `ends_with` and `contains` compare and copy bytes (the built-ins do too);
/// `lower`, `upper`, `trim` and `substring` take ASCII rows byte-wise and
/// hand other rows, and every row a kernel would fail on, to the row
/// evaluator, which gives the value or the error message. Equality of
/// non-ASCII text is `String`'s (canonical equivalence); order is by bytes,
/// as `ValueOperations.compare` orders strings.
///
/// `case`, `if` and `coalesce` evaluate every branch's kernel over the
/// batch and choose per row in the row evaluator's order: a condition's
/// failure counts only if the earlier conditions did not decide, a result's
/// only on the rows it is chosen for. Their vector has the branches' kind
/// when all agree, else holds values (`generic`). Casts convert each row's
/// value with `ValueOperations.cast`, the row evaluator's own function.
extension ColumnKernelCompiler {
    // MARK: Fields

    /// Reads a utf8 field into a string vector.
    static func readStrings(_ frame: ColumnarFrame, _ slot: Int) -> ColumnVector {
        let count = frame.count
        var out = ColumnVector.strings(count: count)
        guard case .leaf(let columns) = frame.readers[slot].access else {
            for row in 0..<count { out.appendNullString(row) }
            return out
        }
        let leaf = columns[columns.count - 1]
        for row in 0..<count {
            guard let at = ColumnFieldReader.leafRow(columns, frame.batchRow(row)) else {
                out.appendNullString(row)
                continue
            }
            out.appendString(anyBytes: leaf.bytes(at: at))
        }
        return out
    }

    // MARK: Operators

    /// `=`, `!=`, `<`, ... of two strings: equal bytes are equal; otherwise
    /// ASCII text differs and orders by bytes, other text is equal when
    /// `String` says so (canonical equivalence) and orders by bytes.
    func stringComparison(_ op: ExpressionNode.BinaryOperator, _ a: CompiledKernel, _ b: CompiledKernel) -> CompiledKernel {
        CompiledKernel(kind: .boolean, scaleMax: 0) { frame in
            let x = a.kernel(frame)
            let y = b.kernel(frame)
            var out = Self.combined(x, y, kind: .boolean, count: frame.count)
            Self.loop(&out, x, y) { p, q, row in
                let order = p.withString(row) { s in
                    q.withString(row) { t -> Int in
                        if s.count == t.count, s.count == 0 || memcmp(s.baseAddress!, t.baseAddress!, s.count) == 0 { return 0 }
                        if !ColumnVector.isASCII(s) || !ColumnVector.isASCII(t),
                           String(decoding: s, as: UTF8.self) == String(decoding: t, as: UTF8.self) {
                            return 0
                        }
                        return s.lexicographicallyPrecedes(t) ? -1 : 1
                    }
                }
                return Self.decide(op, order)
            }
            return out
        }
    }

    /// `a || b` of two strings: both sides' failures first (the left's
    /// wins), then a null side makes the row null.
    func concatenation(_ a: CompiledKernel, _ b: CompiledKernel) -> CompiledKernel {
        CompiledKernel(kind: .string, scaleMax: 0) { frame in
            let x = a.kernel(frame)
            let y = b.kernel(frame)
            let flags = Self.combined(x, y, kind: .boolean, count: frame.count)
            var out = ColumnVector.strings(count: frame.count)
            out.errors = flags.errors
            for row in 0..<frame.count {
                if flags.isNull(row) || flags.errors[row] != nil {
                    out.appendNullString(row)
                    continue
                }
                x.withString(row) { out.stringBytes.append(contentsOf: $0) }
                y.withString(row) { out.stringBytes.append(contentsOf: $0) }
                out.stringOffsets.append(out.stringBytes.count)
            }
            return out
        }
    }

    // MARK: case, if, coalesce

    func caseWhen(_ branches: [(condition: ExpressionNode, result: ExpressionNode)],
                  otherwise: ExpressionNode?) throws(ExpressionError) -> CompiledKernel? {
        var conditions: [CompiledKernel] = []
        var results: [CompiledKernel] = []
        for branch in branches {
            let condition = try compile(branch.condition)
            // A condition of another kind fails with the row path's own
            // message: left to it.
            guard condition.kind == .boolean else { return nil }
            conditions.append(condition)
            results.append(try compile(branch.result))
        }
        if let otherwise { results.append(try compile(otherwise)) }
        let hasElse = otherwise != nil
        return Self.choosing(conditions: conditions, results: results, hasElse: hasElse)
    }

    /// `if(c, a, b)`, `case when c then a else b end`.
    private func ifCall(_ arguments: [ExpressionNode]) throws(ExpressionError) -> CompiledKernel? {
        guard arguments.count == 3 else { return nil }
        let condition = try compile(arguments[0])
        guard condition.kind == .boolean else { return nil }
        return Self.choosing(conditions: [condition], results: [try compile(arguments[1]), try compile(arguments[2])],
                             hasElse: true)
    }

    /// Per row the result of the first true condition (the else result, or
    /// null, when none is); a condition's failure fails the row when the
    /// conditions before it were false or null.
    private static func choosing(conditions: [CompiledKernel], results: [CompiledKernel], hasElse: Bool) -> CompiledKernel {
        let kind = Self.commonKind(results)
        let scaleMax = results.map(\.scaleMax).max() ?? 0
        return CompiledKernel(kind: kind, scaleMax: scaleMax) { frame in
            let tests = conditions.map { $0.kernel(frame) }
            let values = results.map { $0.kernel(frame) }
            var out = ColumnVector.empty(kind: kind, count: frame.count)
            rows: for row in 0..<frame.count {
                for (index, test) in tests.enumerated() {
                    if let error = test.errors[row] {
                        if kind == .string { out.stringOffsets.append(out.stringBytes.count) }
                        out.fail(row, error)
                        continue rows
                    }
                    if !test.isNull(row), test.booleans[test.at(row)] {
                        out.appendRow(of: values[index], row, as: row)
                        continue rows
                    }
                }
                if hasElse {
                    out.appendRow(of: values[values.count - 1], row, as: row)
                } else {
                    out.store(.null, as: row)
                }
            }
            return out
        }
    }

    /// `coalesce(a, b, ...)`: per row the first argument that is not null,
    /// failing with the first failure met before it.
    private func coalesce(_ arguments: [ExpressionNode]) throws(ExpressionError) -> CompiledKernel? {
        guard !arguments.isEmpty else { return nil }
        var kernels: [CompiledKernel] = []
        for argument in arguments { kernels.append(try compile(argument)) }
        let kind = Self.commonKind(kernels)
        let scaleMax = kernels.map(\.scaleMax).max() ?? 0
        return CompiledKernel(kind: kind, scaleMax: scaleMax) { frame in
            let values = kernels.map { $0.kernel(frame) }
            var out = ColumnVector.empty(kind: kind, count: frame.count)
            rows: for row in 0..<frame.count {
                for value in values where value.errors[row] != nil || !value.isNull(row) {
                    out.appendRow(of: value, row, as: row)
                    continue rows
                }
                out.store(.null, as: row)
            }
            return out
        }
    }

    /// The kind every kernel has, or `generic` when they differ.
    private static func commonKind(_ kernels: [CompiledKernel]) -> ColumnVector.Kind {
        guard let first = kernels.first?.kind, kernels.allSatisfy({ $0.kind == first }) else { return .generic }
        return first
    }

    // MARK: Casts

    func cast(_ operand: ExpressionNode, to type: ExpressionType, isTry: Bool,
              _ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel? {
        let kind: ColumnVector.Kind
        switch type {
        case .boolean: kind = .boolean
        case .integer: kind = .integer
        case .decimal: kind = .decimal
        case .double: kind = .double
        case .string: kind = .string
        default: return nil
        }
        let inner = try compile(operand)
        let fallback = try rowCompiler.compile(node)
        let used = fieldSlots(node)
        return CompiledKernel(kind: kind, scaleMax: kind == .decimal ? DecimalNumber.scaleMax : 0) { frame in
            let values = inner.kernel(frame)
            var out = ColumnVector.empty(kind: kind, count: frame.count)
            for row in 0..<frame.count {
                guard let value = values.value(at: row) else {
                    out.appendRow(of: values, row, as: row)  // its failure
                    continue
                }
                if let converted = ValueOperations.cast(value, to: type) {
                    out.store(converted, as: row)
                } else if isTry {
                    out.store(.null, as: row)
                } else {
                    if kind == .string { out.stringOffsets.append(out.stringBytes.count) }
                    out.fail(row, Self.rowError(fallback, used, frame, row))
                }
            }
            return out
        }
    }

    /// `split(s, 'sep')[i]` with a literal separator and a literal index
    /// (SQL's SPLIT_INDEX): the i-th part's bytes, without making the list;
    /// null past the last part, as indexing the list gives.
    func splitPart(_ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel? {
        guard case .index(let list, let position) = node.kind, case .call(let name, let arguments) = list.kind,
              name == "split", arguments.count == 2,
              let function = checker.functions[list.id] as? BuiltinFunction, function.name == "split",
              case .literal(.string(let separator)) = arguments[1].kind, !separator.isEmpty,
              case .literal(.integer(let wanted)) = position.kind, wanted >= 0 else { return nil }
        let text = try compile(arguments[0])
        guard text.kind == .string else { return nil }
        let needle = Array(separator.utf8)
        return CompiledKernel(kind: .string, scaleMax: 0) { frame in
            let values = text.kernel(frame)
            var out = ColumnVector.empty(kind: .string, count: frame.count)
            needle.withUnsafeBytes { separator in
                for row in 0..<frame.count {
                    if let error = values.errors[row] {
                        out.stringOffsets.append(out.stringBytes.count)
                        out.fail(row, error)
                        continue
                    }
                    if values.isNull(row) {
                        out.store(.null, as: row)
                        continue
                    }
                    let found = values.withString(row) { bytes -> Bool in
                        var start = 0
                        var part: Int64 = 0
                        while true {
                            let end = StringOperation.find(separator, in: bytes, from: start) ?? bytes.count
                            if part == wanted {
                                out.appendString(validUTF8: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                                return true
                            }
                            guard end < bytes.count else { return false }
                            start = end + separator.count
                            part += 1
                        }
                    }
                    if !found { out.store(.null, as: row) }
                }
            }
            return out
        }
    }

    // MARK: Calls

    func call(_ name: String, _ arguments: [ExpressionNode], _ node: ExpressionNode) throws(ExpressionError) -> CompiledKernel? {
        switch name {
        case "coalesce": return try coalesce(arguments)
        case "if": return try ifCall(arguments)
        default: break
        }
        // Only the built-ins of those names (a library may bring its own).
        guard let function = checker.functions[node.id] as? BuiltinFunction, function.name == name,
              let operation = StringOperation(rawValue: name) else { return nil }
        var kernels: [CompiledKernel] = []
        for argument in arguments { kernels.append(try compile(argument)) }
        guard operation.accepts(kernels.map(\.kind)) else { return nil }
        let fallback = try rowCompiler.compile(node)
        let used = fieldSlots(node)
        let kind = operation.resultKind
        return CompiledKernel(kind: kind, scaleMax: 0) { frame in
            let values = kernels.map { $0.kernel(frame) }
            var out = ColumnVector.empty(kind: kind, count: frame.count)
            rows: for row in 0..<frame.count {
                // The row evaluator's order: arguments left to right, a
                // failure fails the row, a null makes it null (the string
                // functions propagate nulls) and stops there.
                for value in values {
                    if let error = value.errors[row] {
                        if kind == .string { out.stringOffsets.append(out.stringBytes.count) }
                        out.fail(row, error)
                        continue rows
                    }
                    if value.isNull(row) {
                        out.store(.null, as: row)
                        continue rows
                    }
                }
                if !operation.apply(values, row, into: &out) {
                    // A row the bytes do not settle: the row evaluator's value or error.
                    do throws(ExpressionRuntimeError) {
                        out.store(try Self.evaluateRow(fallback, used, frame, row), as: row)
                    } catch {
                        if kind == .string { out.stringOffsets.append(out.stringBytes.count) }
                        out.fail(row, error)
                    }
                }
            }
            return out
        }
    }
}

/// The built-in string functions with byte-wise kernels.
enum StringOperation: String {
    case lower, upper, length, trim, concat, substring, replace
    case startsWith = "starts_with", endsWith = "ends_with", contains
    case timestampText = "timestamp_text", timestampMs = "timestamp_ms"

    var resultKind: ColumnVector.Kind {
        switch self {
        case .length, .timestampMs: return .integer
        case .startsWith, .endsWith, .contains: return .boolean
        default: return .string
        }
    }

    /// Whether arguments of `kinds` are what the function takes as they
    /// are (no conversion the row evaluator would make).
    func accepts(_ kinds: [ColumnVector.Kind]) -> Bool {
        switch self {
        case .lower, .upper, .length, .trim: return kinds == [.string]
        case .concat: return !kinds.isEmpty && kinds.allSatisfy { $0 == .string }
        case .substring: return kinds == [.string, .integer] || kinds == [.string, .integer, .integer]
        case .replace: return kinds == [.string, .string, .string]
        case .startsWith, .endsWith, .contains: return kinds == [.string, .string]
        case .timestampText: return kinds == [.integer]
        case .timestampMs: return kinds == [.string]
        }
    }

    /// Computes row `row` (no argument null or failed) into `out`; false,
    /// having appended nothing, for a row the row evaluator must compute.
    func apply(_ values: [ColumnVector], _ row: Int, into out: inout ColumnVector) -> Bool {
        switch self {
        case .lower, .upper:
            return values[0].withString(row) { text -> Bool in
                guard ColumnVector.isASCII(text) else { return false }
                let upper = self == .upper
                let start = out.stringBytes.count
                out.stringBytes.append(contentsOf: text)
                out.stringBytes.withUnsafeMutableBufferPointer { bytes in
                    for index in start..<bytes.count {
                        let byte = bytes[index]
                        if upper, byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") {
                            bytes[index] = byte - 32
                        } else if !upper, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                            bytes[index] = byte + 32
                        }
                    }
                }
                out.stringOffsets.append(out.stringBytes.count)
                return true
            }
        case .length:
            // Valid UTF-8: one scalar per byte that is not a continuation byte.
            out.integers[row] = values[0].withString(row) { text -> Int64 in
                var scalars: Int64 = 0
                for byte in text where byte & 0xC0 != 0x80 { scalars += 1 }
                return scalars
            }
            return true
        case .trim:
            return values[0].withString(row) { text -> Bool in
                guard ColumnVector.isASCII(text) else { return false }
                // The ASCII characters with Unicode's White_Space property.
                func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
                var start = 0
                var end = text.count
                while start < end, isSpace(text[start]) { start += 1 }
                while end > start, isSpace(text[end - 1]) { end -= 1 }
                out.appendString(validUTF8: UnsafeRawBufferPointer(rebasing: text[start..<end]))
                return true
            }
        case .concat:
            for value in values { value.withString(row) { out.stringBytes.append(contentsOf: $0) } }
            out.stringOffsets.append(out.stringBytes.count)
            return true
        case .substring:
            return values[0].withString(row) { text -> Bool in
                guard ColumnVector.isASCII(text) else { return false }
                // SQL: positions from 1; a start before 1 eats into the length.
                let start = values[1].integers[values[1].at(row)]
                var end = Int64(text.count) + 1
                if values.count > 2 {
                    let length = values[2].integers[values[2].at(row)]
                    guard length >= 0 else { return false }  // the row evaluator's error
                    let (sum, overflow) = start.addingReportingOverflow(length)
                    end = overflow ? end : min(end, sum)
                }
                let from = max(start, 1)
                guard from < end, from <= Int64(text.count) else {
                    out.appendString(validUTF8: UnsafeRawBufferPointer(start: nil, count: 0))
                    return true
                }
                out.appendString(validUTF8: UnsafeRawBufferPointer(rebasing: text[Int(from - 1)..<Int(end - 1)]))
                return true
            }
        case .replace:
            values[0].withString(row) { (text: UnsafeRawBufferPointer) -> Void in
                values[1].withString(row) { (target: UnsafeRawBufferPointer) -> Void in
                    values[2].withString(row) { (replacement: UnsafeRawBufferPointer) -> Void in
                        var position = 0
                        if !target.isEmpty {
                            while let found = Self.find(target, in: text, from: position) {
                                out.stringBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[position..<found]))
                                out.stringBytes.append(contentsOf: replacement)
                                position = found + target.count
                            }
                        }
                        out.stringBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[position...]))
                        out.stringOffsets.append(out.stringBytes.count)
                    }
                }
            }
            return true
        case .timestampText:
            SQLTimestampText.append(values[0].integers[values[0].at(row)], to: &out.stringBytes)
            out.stringOffsets.append(out.stringBytes.count)
            return true
        case .timestampMs:
            // Text that is not a timestamp: the row evaluator's error.
            guard let milliseconds = values[0].withString(row, SQLTimestampText.milliseconds) else { return false }
            out.integers[row] = milliseconds
            return true
        case .startsWith, .endsWith, .contains:
            out.booleans[row] = values[0].withString(row) { text -> Bool in
                values[1].withString(row) { part -> Bool in
                    guard part.count <= text.count else { return false }
                    switch self {
                    case .startsWith: return part.isEmpty || memcmp(text.baseAddress!, part.baseAddress!, part.count) == 0
                    case .endsWith:
                        return part.isEmpty || memcmp(text.baseAddress! + (text.count - part.count), part.baseAddress!, part.count) == 0
                    default: return Self.find(part, in: text, from: 0) != nil
                    }
                }
            }
            return true
        }
    }

    /// The byte offset of the first `needle` in `text` at or after `start`
    /// (`start` itself for an empty needle), as `BuiltinFunctions.find`.
    static func find(_ needle: UnsafeRawBufferPointer, in text: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard !needle.isEmpty else { return start }
        guard text.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= text.count {
            if text[index] == needle[0], memcmp(text.baseAddress! + index, needle.baseAddress!, needle.count) == 0 {
                return index
            }
            index += 1
        }
        return nil
    }
}
