/// A call of a function that can take a whole batch at once (a native
/// function's `callBatch`): before the records of a batch are evaluated one
/// by one, `ExpressionProgram.prepareBatch` gathers this call's arguments for
/// every record and makes one call; the per-record evaluation then reads the
/// result.
///
/// Arguments are gathered for every record, also for records whose
/// evaluation would not reach the call (behind `and`, `case`...): the
/// functions are expected to be pure, as the SDK asks. A record whose
/// arguments cannot be gathered (an error, a value of the wrong type) or
/// whose batch call failed is left to the per-record call, which reports
/// its error only if the evaluation reaches it.
///
/// # Thread safety
/// Belongs to one program, used by one thread at a time.
final class BatchCallSite {
    /// 0 when no batch call is among the arguments; otherwise one more than
    /// the deepest such call, which must be prepared first.
    let level: Int
    private let arguments: [Evaluator]
    private let parameterTypes: [ExpressionType]
    private let propagatesNull: Bool
    private let callBatch: (_ columns: [UnsafeBufferPointer<ExpressionValue>],
                            _ results: UnsafeMutableBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> Void

    /// `columns[argument][row]`, valid where `gathered[row]`.
    private var columns: [[ExpressionValue]] = []
    private var gathered: [Bool] = []
    /// The result of each row, valid where `ready[row]`.
    @exclusivity(unchecked) private(set) var results: [ExpressionValue] = []
    @exclusivity(unchecked) private(set) var ready: [Bool] = []

    init(level: Int, arguments: [Evaluator], parameterTypes: [ExpressionType], propagatesNull: Bool,
         callBatch: @escaping (_ columns: [UnsafeBufferPointer<ExpressionValue>],
                               _ results: UnsafeMutableBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> Void) {
        self.level = level
        self.arguments = arguments
        self.parameterTypes = parameterTypes
        self.propagatesNull = propagatesNull
        self.callBatch = callBatch
    }

    /// Forgets the last batch and makes room for `count` rows.
    func reset(count: Int) {
        columns = [[ExpressionValue]](repeating: [ExpressionValue](repeating: .null, count: count), count: arguments.count)
        gathered = [Bool](repeating: false, count: count)
        results = [ExpressionValue](repeating: .null, count: count)
        ready = [Bool](repeating: false, count: count)
    }

    /// Forgets the batch: records evaluated afterwards take the per-record call.
    func clear() {
        ready.removeAll(keepingCapacity: true)
    }

    /// Evaluates the arguments for `row` (the frame holds its record).
    func gather(row: Int, frame: EvaluationFrame) {
        for index in arguments.indices {
            guard let value = try? arguments[index](frame) else { return }
            if value.isNull, propagatesNull {
                results[row] = .null
                ready[row] = true
                return
            }
            guard let converted = ValueOperations.argument(value, as: parameterTypes[index]) else { return }
            columns[index][row] = converted
        }
        gathered[row] = true
    }

    /// One call for every gathered row.
    func run() {
        let rows = gathered.indices.filter { gathered[$0] }
        guard !rows.isEmpty else { return }
        let packed = columns.map { column in rows.map { column[$0] } }
        var out = [ExpressionValue](repeating: .null, count: rows.count)
        var succeeded = false
        withBuffers(packed) { buffers in
            out.withUnsafeMutableBufferPointer { results in
                succeeded = (try? callBatch(buffers, results)) != nil
            }
        }
        guard succeeded else { return }
        for (index, row) in rows.enumerated() {
            results[row] = out[index]
            ready[row] = true
        }
    }

    private func withBuffers(_ columns: [[ExpressionValue]], _ body: ([UnsafeBufferPointer<ExpressionValue>]) -> Void) {
        func lend(_ index: Int, _ lent: [UnsafeBufferPointer<ExpressionValue>]) {
            guard index < columns.count else { return body(lent) }
            columns[index].withUnsafeBufferPointer { lend(index + 1, lent + [$0]) }
        }
        lend(0, [])
    }
}

/// The batch call sites of a program, in the order they were compiled
/// (arguments before the calls that take them).
final class BatchCallSiteTable {
    private(set) var sites: [BatchCallSite] = []

    func add(_ site: BatchCallSite) {
        sites.append(site)
    }

    /// The deepest level among the sites added from `start` on (nil: none).
    func level(from start: Int) -> Int? {
        sites[start...].map(\.level).max()
    }
}
