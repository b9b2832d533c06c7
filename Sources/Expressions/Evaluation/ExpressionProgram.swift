import Columns
import JSONText

/// Several expressions compiled together over one record: the fields they
/// read are found in one pass, then each is evaluated on its own.
///
/// ```swift
/// let program = try ExpressionProgram([.init("amount > 100 and category != 'test'", expecting: .boolean)])
/// try program.load(record: bytes, timestamp: 0)
/// if try program.condition(0) == true { ... }
/// ```
///
/// # Thread safety
/// Not thread-safe: one program per operator instance (it keeps per-record
/// scratch). Compile one per instance; compiling is cheap.
///
/// # Ownership
/// `load` BORROWS the record bytes until the next `load`; values returned
/// are owned by the caller.
public final class ExpressionProgram {
    /// One expression to compile.
    public struct Source: Sendable {
        public let text: String
        /// The type the result must be able to have (`.boolean` for a
        /// filter), or nil for anything.
        public let expected: ExpressionType?

        public init(_ text: String, expecting expected: ExpressionType? = nil) {
            self.text = text
            self.expected = expected
        }
    }

    /// A compile error and which source it is in.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let index: Int
        public let error: ExpressionError
        public var description: String { error.description }
    }

    public let sources: [Source]
    /// The static type of each expression's result.
    public let types: [ExpressionType]
    /// Per expression, the digits after the point its result is written
    /// with when it is a `cast(... as decimal(p, s))` (s), else nil: see
    /// `appendResult`.
    public let resultScales: [Int?]
    /// Every field path the expressions read.
    public let fieldPaths: [FieldPath]
    /// Per expression, the indices into `fieldPaths` of the paths it reads.
    public let fieldPathsRead: [[Int]]

    private let evaluators: [Evaluator]
    private let scanner: RecordFieldScanner
    private let frame: EvaluationFrame
    /// The slots of `locating`'s paths.
    private let locatedSlots: [Int]
    /// Calls prepared a batch at a time (native functions), by level.
    private let batchSites: [BatchCallSite]

    /// Compiles `sources`. `locating` names further paths whose place in
    /// each loaded record `location(of:)` tells, found in the same pass
    /// (`map` uses it to splice its results without walking the record again).
    public init(_ sources: [Source], library: any ExpressionFunctionLibrary = BuiltinFunctions(),
                locating: [FieldPath] = []) throws(Failure) {
        let slots = FieldSlotTable()
        let sites = BatchCallSiteTable()
        var evaluators: [Evaluator] = []
        var types: [ExpressionType] = []
        var read: [[Int]] = []
        var scales: [Int?] = []
        for (index, source) in sources.enumerated() {
            do throws(ExpressionError) {
                let (type, evaluator, node) = try Self.compile(source, library: library, slots: slots, batchSites: sites)
                types.append(type)
                scales.append(node.fixedDecimal?.scale)
                evaluators.append(evaluator)
                read.append(slots.takeRequested())
            } catch {
                throw Failure(index: index, error: error)
            }
        }
        fieldPathsRead = read
        locatedSlots = locating.map { slots.slot(for: $0) }
        batchSites = sites.sites.sorted { $0.level < $1.level }
        self.sources = sources
        self.types = types
        resultScales = scales
        self.evaluators = evaluators
        fieldPaths = slots.paths
        scanner = RecordFieldScanner(paths: slots.paths)
        frame = EvaluationFrame(slotCount: slots.paths.count)
    }

    /// Parses and type-checks `text` without keeping anything: what a host
    /// does at plan time to report mistakes with their place in the job file.
    @discardableResult
    public static func check(_ text: String, expecting expected: ExpressionType? = nil,
                             library: any ExpressionFunctionLibrary = BuiltinFunctions()) throws(ExpressionError) -> ExpressionType {
        try compile(Source(text, expecting: expected), library: library, slots: FieldSlotTable(),
                    batchSites: BatchCallSiteTable()).0
    }

    /// The field paths `text` reads, from its syntax alone (no function
    /// library: a native function's name is just a name here). For a
    /// planner that drops what nobody reads (the SQL planner's pruning).
    public static func fieldsRead(_ text: String) throws(ExpressionError) -> [FieldPath] {
        var paths: [FieldPath] = []
        var pending = [try ExpressionParser.parse(text).node]
        while let node = pending.popLast() {
            if case .field(let path) = node.kind { paths.append(path) }
            pending.append(contentsOf: node.children)
        }
        return paths
    }

    static func compile(_ source: Source, library: any ExpressionFunctionLibrary, slots: FieldSlotTable,
                        batchSites: BatchCallSiteTable) throws(ExpressionError) -> (ExpressionType, Evaluator, ExpressionNode) {
        let (node, checker, type) = try parseAndCheck(source, library: library)
        let compiler = ExpressionCompiler(text: source.text, checker: checker, slots: slots, batchSites: batchSites)
        return (type, try compiler.compile(node), node)
    }

    /// Parses and type-checks one source, checking its type against the
    /// expected one: the front half of compiling, for rows and columns alike.
    static func parseAndCheck(_ source: Source, library: any ExpressionFunctionLibrary)
        throws(ExpressionError) -> (ExpressionNode, ExpressionTypeChecker, ExpressionType)
    {
        let (node, count) = try ExpressionParser.parse(source.text)
        var checker = ExpressionTypeChecker(text: source.text, nodeCount: count, library: library)
        let type = try checker.check(node)
        if let expected = source.expected, !type.mayBe(expected) {
            let role = expected == .boolean ? "a condition, which must be a boolean" : expected.withArticle
            throw ExpressionError(.type, at: node.position, "this is \(role), but `\(checker.source(node))` is \(type.withArticle)")
        }
        return (node, checker, type)
    }

    /// Makes `record` (a JSON object; nil for a tombstone, whose fields are
    /// all missing) the record the expressions read. Throws when the record
    /// is not a JSON object or is broken where the fields are looked for.
    public func load(record: UnsafeRawBufferPointer?, timestamp: Int64) throws(ExpressionRuntimeError) {
        try load(record: record, timestamp: timestamp, row: -1)
    }

    /// Whether some expression calls a function that takes whole batches
    /// (then `prepareBatch` is worth calling).
    public var hasBatchCalls: Bool { !batchSites.isEmpty }

    /// Prepares the batch calls (native functions' `callBatch`) for `count`
    /// records: gathers every such call's arguments from each record
    /// (`record(row)` gives its value and timestamp) and makes one call per
    /// call site. Then `load(record:timestamp:row:)` with the same rows lets
    /// evaluation read the results; a row the batch could not serve is
    /// evaluated with a per-record call. Nothing is done without batch calls.
    public func prepareBatch(count: Int, headers: Column? = nil,
                             record: (Int) -> (value: UnsafeRawBufferPointer?, timestamp: Int64)) {
        guard !batchSites.isEmpty, count > 0 else { return }
        for site in batchSites { site.reset(count: count) }
        var start = 0
        while start < batchSites.count {
            // Sites of one level in one pass; deeper ones read their results.
            let level = batchSites[start].level
            var end = start
            while end < batchSites.count, batchSites[end].level == level { end += 1 }
            for row in 0..<count {
                let (value, timestamp) = record(row)
                guard (try? load(record: value, timestamp: timestamp, row: row, headers: headers.map { (column: $0, row: row) })) != nil
                else { continue }
                for index in start..<end { batchSites[index].gather(row: row, frame: frame) }
            }
            for index in start..<end { batchSites[index].run() }
            start = end
        }
        frame.row = -1
    }

    /// Forgets the prepared batch (the next `load` without a row evaluates
    /// every call per record).
    public func endBatch() {
        for site in batchSites { site.clear() }
        frame.row = -1
    }

    /// `load(record:timestamp:)` for row `row` of the batch `prepareBatch`
    /// prepared.
    public func load(record: UnsafeRawBufferPointer?, timestamp: Int64, row: Int) throws(ExpressionRuntimeError) {
        try load(record: record, timestamp: timestamp, row: row, headers: nil)
    }

    /// `load(record:timestamp:row:)` with the record's Kafka headers, which
    /// `header(name)` reads: row `headers.row` of a batch's headers column
    /// (`ColumnarValues.headersType`, BORROWED until the next load); nil:
    /// none.
    public func load(record: UnsafeRawBufferPointer?, timestamp: Int64, row: Int,
                     headers: (column: Column, row: Int)?) throws(ExpressionRuntimeError) {
        frame.row = row
        frame.timestamp = timestamp
        frame.headers = headers
        guard let record else {
            frame.record = UnsafeRawBufferPointer(start: nil, count: 0)
            for index in frame.slots.indices { frame.slots[index] = RecordFieldScanner.Slot() }
            return
        }
        frame.record = record
        do throws(JSONCursor.Failure) {
            try scanner.scan(record, into: frame.slots)
        } catch {
            throw ExpressionRuntimeError(message: error.description)
        }
    }

    /// Whether the loaded record has path `index` of `fieldPaths` (a null
    /// value counts: the field is there).
    public func hasField(_ index: Int) -> Bool {
        frame.slots[index].kind != .missing
    }

    /// Where path `index` of `locating` is in the loaded record: its value's
    /// byte range, and whether the member occurred more than once; nil when
    /// the record lacks it.
    public func location(of index: Int) -> (range: Range<Int>, repeated: Bool)? {
        let slot = frame.slots[locatedSlots[index]]
        guard slot.kind != .missing else { return nil }
        return (slot.start..<slot.end, slot.repeated)
    }

    /// Expression `index`'s value for the loaded record.
    @inline(__always)
    public func evaluate(_ index: Int) throws(ExpressionRuntimeError) -> ExpressionValue {
        try evaluators[index](frame)
    }

    /// Appends expression `index`'s value for the loaded record as JSON
    /// text: a `cast(... as decimal(p, s))` result with exactly s digits
    /// after the point (`10.50`), as SQL writes a DECIMAL(p, s).
    @inline(__always)
    public func appendResult(_ index: Int, to output: inout [UInt8]) throws(ExpressionRuntimeError) {
        let value = try evaluators[index](frame)
        if let scale = resultScales[index], case .decimal(let number) = value,
           let units = DecimalNumber.rescale(number.units, from: number.scale, to: scale) {
            JSONDecimalText.append(units, scale: scale, to: &output)
            return
        }
        try value.appendJSON(to: &output)
    }

    /// Expression `index` as a condition: true, false, or nil for null.
    /// A value that is not a boolean is an error.
    public func condition(_ index: Int) throws(ExpressionRuntimeError) -> Bool? {
        switch try evaluators[index](frame) {
        case .boolean(let flag): return flag
        case .null: return nil
        case let other:
            throw ExpressionRuntimeError(message: "the condition is \(other.described), not a boolean")
        }
    }
}

extension ExpressionValue {
    /// Appends the value as JSON text; a double that is not finite cannot be
    /// written and throws.
    public func appendJSON(to output: inout [UInt8]) throws(ExpressionRuntimeError) {
        do throws(ExpressionValueWriter.NotFinite) {
            try ExpressionValueWriter.append(self, to: &output)
        } catch {
            throw ExpressionRuntimeError(message: "\(self) is not a finite number, which JSON cannot hold")
        }
    }
}
