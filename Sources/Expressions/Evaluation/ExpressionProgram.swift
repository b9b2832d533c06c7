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
    /// Every field path the expressions read.
    public let fieldPaths: [FieldPath]

    private let evaluators: [Evaluator]
    private let scanner: RecordFieldScanner
    private let frame: EvaluationFrame
    /// The slots of `locating`'s paths.
    private let locatedSlots: [Int]

    /// Compiles `sources`. `locating` names further paths whose place in
    /// each loaded record `location(of:)` tells, found in the same pass
    /// (`map` uses it to splice its results without walking the record again).
    public init(_ sources: [Source], library: any ExpressionFunctionLibrary = BuiltinFunctions(),
                locating: [FieldPath] = []) throws(Failure) {
        let slots = FieldSlotTable()
        var evaluators: [Evaluator] = []
        var types: [ExpressionType] = []
        for (index, source) in sources.enumerated() {
            do throws(ExpressionError) {
                let (type, evaluator) = try Self.compile(source, library: library, slots: slots)
                types.append(type)
                evaluators.append(evaluator)
            } catch {
                throw Failure(index: index, error: error)
            }
        }
        locatedSlots = locating.map { slots.slot(for: $0) }
        self.sources = sources
        self.types = types
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
        try compile(Source(text, expecting: expected), library: library, slots: FieldSlotTable()).0
    }

    static func compile(_ source: Source, library: any ExpressionFunctionLibrary,
                        slots: FieldSlotTable) throws(ExpressionError) -> (ExpressionType, Evaluator) {
        let (node, count) = try ExpressionParser.parse(source.text)
        var checker = ExpressionTypeChecker(text: source.text, nodeCount: count, library: library)
        let type = try checker.check(node)
        if let expected = source.expected, !type.mayBe(expected) {
            let role = expected == .boolean ? "a condition, which must be a boolean" : expected.withArticle
            throw ExpressionError(.type, at: node.position, "this is \(role), but `\(checker.source(node))` is \(type.withArticle)")
        }
        let compiler = ExpressionCompiler(text: source.text, checker: checker, slots: slots)
        return (type, try compiler.compile(node))
    }

    /// Makes `record` (a JSON object; nil for a tombstone, whose fields are
    /// all missing) the record the expressions read. Throws when the record
    /// is not a JSON object or is broken where the fields are looked for.
    public func load(record: UnsafeRawBufferPointer?, timestamp: Int64) throws(ExpressionRuntimeError) {
        frame.timestamp = timestamp
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
