import Columns

/// Several expressions compiled to column kernels over batches of one
/// schema: the columnar twin of `ExpressionProgram`, with the same parser,
/// type checker, rules, results and error messages (see
/// `ColumnKernelCompiler`).
///
/// ```swift
/// let program = try ColumnarProgram([.init("amount > 500.0", expecting: .boolean)], schema: schema)
/// let (kept, failures) = program.select(0, values: column, timestamps: times, rows: nil)
/// ```
///
/// Values are read as the row evaluator reads the same record written as
/// JSON by the host's columns → bytes conversion (`ColumnFieldReader`).
///
/// # Thread safety
/// Not thread-safe: one program per operator instance (it keeps scratch).
///
/// # Ownership
/// `evaluate` BORROWS its arguments for the call; the vectors it returns
/// own their values.
public final class ColumnarProgram {
    public let sources: [ExpressionProgram.Source]
    /// The schema of the batches the program reads.
    public let schema: Schema
    /// The static type of each expression's result, as the row path's.
    public let types: [ExpressionType]
    /// Per expression, the column type its results are written in (see
    /// `column(of:type:rows:)`), or nil when its values have no one type
    /// (a JSON value, a mix of kinds): such a result can only be written
    /// as JSON text.
    public let resultTypes: [ColumnType?]
    /// Every field path the expressions read.
    public var fieldPaths: [FieldPath] { slots.paths }

    private let kernels: [CompiledKernel]
    private let slots: FieldSlotTable
    private let frame: ColumnarFrame

    public init(_ sources: [ExpressionProgram.Source], schema: Schema,
                library: any ExpressionFunctionLibrary = BuiltinFunctions()) throws(ExpressionProgram.Failure) {
        let slots = FieldSlotTable()
        let probe = Column(schema.structType)
        var kernels: [CompiledKernel] = []
        var types: [ExpressionType] = []
        var fixedDecimals: [(precision: Int, scale: Int)?] = []
        for (index, source) in sources.enumerated() {
            do throws(ExpressionError) {
                let (node, checker, type) = try ExpressionProgram.parseAndCheck(source, library: library)
                fixedDecimals.append(node.fixedDecimal)
                // Calls prepared a batch at a time are not used here: an
                // island calls each function per row.
                let rowCompiler = ExpressionCompiler(text: source.text, checker: checker, slots: slots,
                                                     batchSites: BatchCallSiteTable())
                let compiler = ColumnKernelCompiler(text: source.text, checker: checker, slots: slots,
                                                    rowCompiler: rowCompiler,
                                                    fieldKind: { ColumnFieldReader(path: $0, values: probe).leafKind })
                kernels.append(try compiler.compileScaled(node))
                types.append(type)
                _ = slots.takeRequested()
            } catch {
                throw ExpressionProgram.Failure(index: index, error: error)
            }
        }
        self.sources = sources
        self.schema = schema
        self.types = types
        self.kernels = kernels
        self.slots = slots
        frame = ColumnarFrame(slotCount: slots.paths.count)
        resultTypes = zip(zip(kernels, types), fixedDecimals).map { compiled, fixed in
            let (kernel, type) = compiled
            // `cast(x as decimal(p, s))` is written with exactly s digits.
            if let fixed { return .decimal128(precision: fixed.precision, scale: fixed.scale) }
            switch kernel.kind {
            case .integer: return .int64
            case .decimal: return .decimal128(precision: ColumnType.decimalPrecisionMax, scale: kernel.scaleMax)
            case .double: return .float64
            case .boolean: return .bool
            case .string: return .utf8
            case .generic:
                switch type {
                case .integer: return .int64
                case .double: return .float64
                case .decimal: return .decimal128(precision: ColumnType.decimalPrecisionMax, scale: DecimalNumber.scaleMax)
                case .boolean: return .bool
                case .string: return .utf8
                default: return nil
                }
            }
        }
    }

    /// Evaluates every expression over `rows` of `values` (a struct column
    /// of `schema`; nil rows: all), with the rows' event times
    /// (`timestamps`, one per row of `values`) and Kafka headers (`headers`,
    /// the batch's headers column; nil: none). Vector row j is `rows[j]`.
    public func evaluate(values: Column, timestamps: UnsafeBufferPointer<Int64>,
                         rows: UnsafeBufferPointer<UInt32>?, headers: Column? = nil) -> [ColumnVector] {
        precondition(values.type == schema.structType, "a batch of another schema than the program's")
        frame.values = values
        frame.rows = rows
        frame.headers = headers
        frame.count = rows?.count ?? values.length
        frame.timestamps = timestamps
        frame.readers = slots.paths.map { ColumnFieldReader(path: $0, values: values) }
        defer {
            frame.values = nil
            frame.rows = nil
            frame.headers = nil
            frame.rowFrame.headers = nil
            frame.readers = []
            frame.timestamps = UnsafeBufferPointer(start: nil, count: 0)
        }
        return kernels.map { $0.kernel(frame).expanded(frame.count) }
    }

    /// Expression `index` as a filter over `rows` of `values`: the batch
    /// rows where it is true (ascending when `rows` is), and the rows it
    /// could not be evaluated on with the error, in order. False and null
    /// drop a row; a non-boolean value fails it, as `condition` does.
    public func select(_ index: Int, values: Column, timestamps: UnsafeBufferPointer<Int64>,
                       rows: UnsafeBufferPointer<UInt32>?, headers: Column? = nil)
        -> (selected: [UInt32], failures: [(row: Int, error: ExpressionRuntimeError)])
    {
        let vector = evaluate(values: values, timestamps: timestamps, rows: rows, headers: headers)[index]
        var failures: [(row: Int, error: ExpressionRuntimeError)] = []
        if vector.kind == .boolean, vector.errors.isEmpty {
            return (Self.kept(vector, rows: rows), failures)
        }
        var selected: [UInt32] = []
        selected.reserveCapacity(vector.count)
        for row in 0..<vector.count {
            let batchRow = rows.map { Int($0[row]) } ?? row
            do throws(ExpressionRuntimeError) {
                if try vector.condition(row) == true { selected.append(UInt32(batchRow)) }
            } catch {
                failures.append((batchRow, error))
            }
        }
        return (selected, failures)
    }
}

extension ColumnarProgram {
    /// The batch rows where a boolean vector without failures is true: one
    /// branch-free pass (each row written, the end advanced when kept),
    /// not an append per row.
    static func kept(_ vector: ColumnVector, rows: UnsafeBufferPointer<UInt32>?) -> [UInt32] {
        let count = vector.count
        return [UInt32](unsafeUninitializedCapacity: count) { buffer, initialized in
            var next = 0
            vector.booleans.withUnsafeBufferPointer { booleans in
                vector.nulls.withUnsafeBufferPointer { nulls in
                    @inline(__always) func keep(_ row: Int, as batchRow: UInt32) {
                        buffer[next] = batchRow
                        next &+= booleans[row] && (nulls.isEmpty || !nulls[row]) ? 1 : 0
                    }
                    if let rows {
                        for row in 0..<count { keep(row, as: rows[row]) }
                    } else {
                        for row in 0..<count { keep(row, as: UInt32(truncatingIfNeeded: row)) }
                    }
                }
            }
            initialized = next
        }
    }
}

extension ColumnVector {
    /// Writes the vector into a new column of `type` (one of
    /// `ColumnarProgram.resultTypes`) with `length` rows: vector row j at
    /// row `rows[j]` (at row j when `rows` is nil), null elsewhere. A row
    /// that failed, or whose value the type cannot hold (a double that is
    /// not finite, which JSON cannot hold either), is written null and
    /// returned with its error, for the caller to reject.
    public func column(type: ColumnType, length: Int, rows: UnsafeBufferPointer<UInt32>?)
        -> (column: Column, failures: [(row: Int, error: ExpressionRuntimeError)])
    {
        precondition((rows?.count ?? length) == count, "one vector row per row written")
        let column = Column(type, capacity: length)
        var failures: [(row: Int, error: ExpressionRuntimeError)] = []
        let scale: Int
        if case .decimal128(_, let columnScale) = type { scale = columnScale } else { scale = 0 }
        if kind == .decimal, let unitScale {
            // Units at one scale: written straight into the column's buffer.
            if errors.isEmpty, unitScale <= scale, scale - unitScale <= DecimalNumber.scaleMax {
                return (unitsColumn(type: type, length: length, rows: rows, factor: UInt64(DecimalNumber.powersOf10[scale - unitScale])), [])
            }
            return normalizedDecimals().column(type: type, length: length, rows: rows)
        }
        var next = 0
        for row in 0..<length {
            let index: Int
            if let rows {
                guard next < rows.count, Int(rows[next]) == row else {
                    column.appendNull()
                    continue
                }
                index = next
                next += 1
            } else {
                index = row
            }
            if let error = errors[index] {
                failures.append((row, error))
                column.appendNull()
                continue
            }
            if isNull(index) {
                column.appendNull()
                continue
            }
            // The kernels' kinds first, without making a value.
            switch (kind, type) {
            case (.decimal, .decimal128) where decimals[at(index)].scale <= scale:
                column.append(Self.decimal128(decimals[at(index)], scale: scale))
                continue
            case (.integer, .int64):
                column.append(integers[at(index)])
                continue
            case (.boolean, .bool):
                column.append(booleans[at(index)])
                continue
            case (.string, .utf8):
                withString(index) { column.append(bytes: $0) }
                continue
            default:
                break
            }
            let value = self.value(at: index)!
            switch (type, value) {
            case (.int64, .integer(let number)): column.append(number)
            case (.bool, .boolean(let flag)): column.append(flag)
            case (.float64, .double(let number)) where number.isFinite: column.append(number)
            case (.utf8, .string(let text)):
                var text = text
                text.withUTF8 { column.append(bytes: UnsafeRawBufferPointer($0)) }
            case (.decimal128, .decimal(let number)) where number.scale <= scale:
                column.append(Self.decimal128(number, scale: scale))
            default:
                // The row path cannot write it as JSON either (a double that
                // is not finite): the same message.
                var scratch: [UInt8] = []
                let message: String
                do throws(ExpressionRuntimeError) {
                    try value.appendJSON(to: &scratch)
                    message = "\(value.described) does not fit the result column's type \(type)"
                } catch {
                    message = error.message
                }
                failures.append((row, ExpressionRuntimeError(message: message)))
                column.appendNull()
            }
        }
        return (column, failures)
    }

    /// A decimal128 column of a vector of units without failures: `column`
    /// without a call per value, each value times `factor` (10^(the
    /// column's scale − `unitScale`)).
    private func unitsColumn(type: ColumnType, length: Int, rows: UnsafeBufferPointer<UInt32>?, factor: UInt64) -> Column {
        let nulls = self.nulls
        return units.withUnsafeBufferPointer { units in
            Column.writing(type, length: length) { values, validity in
                var nullCount = 0
                @inline(__always) func setNull(_ row: Int) {
                    validity[row >> 3] &= ~(UInt8(1) << UInt8(row & 7))
                    nullCount += 1
                }
                @inline(__always) func store(_ index: Int, at row: Int) {
                    if !nulls.isEmpty && nulls[index] {
                        setNull(row)
                        return
                    }
                    let value = factor == 1 ? Decimal128(units[index]) : Self.decimal128(units: units[index], factor: factor)
                    values.storeBytes(of: value.low, toByteOffset: row &* 16, as: UInt64.self)
                    values.storeBytes(of: value.high, toByteOffset: row &* 16 &+ 8, as: Int64.self)
                }
                if let rows {
                    // Rows outside the selection are null: clear them all,
                    // then store the selected ones.
                    validity.update(repeating: 0, count: (length + 7) / 8)
                    nullCount = length - rows.count
                    for index in 0..<rows.count {
                        let row = Int(rows[index])
                        validity[row >> 3] |= UInt8(1) << UInt8(row & 7)
                        store(index, at: row)
                    }
                } else {
                    for row in 0..<length { store(row, at: row) }
                }
                return nullCount
            }
        }
    }

    /// `number` as the unscaled value of a decimal128 with `scale` (≥ its
    /// own) digits after the point: exact, as 18 digits times 10^18 fit.
    static func decimal128(_ number: DecimalNumber, scale: Int) -> Decimal128 {
        decimal128(units: number.units, factor: UInt64(DecimalNumber.powersOf10[scale - number.scale]))
    }

    /// `units` × `factor` as a decimal128's unscaled value: exact.
    static func decimal128(units: Int64, factor: UInt64) -> Decimal128 {
        let (high, low) = units.magnitude.multipliedFullWidth(by: factor)
        var value = Decimal128(low: low, high: Int64(bitPattern: high))
        if units < 0 {
            // Two's complement of the 128-bit magnitude.
            let negatedLow = ~value.low &+ 1
            value = Decimal128(low: negatedLow, high: ~value.high &+ (negatedLow == 0 ? 1 : 0))
        }
        return value
    }
}
