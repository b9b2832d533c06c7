/// A function of the built-in library: a name, a signature and how to bind
/// a call site.
struct BuiltinFunction: ExpressionFunction {
    typealias Binder = @Sendable (_ constants: [ExpressionValue?]) throws(ExpressionFunctionError) -> ExpressionFunctionBody
    typealias Scalar = @Sendable (_ arguments: UnsafeBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> ExpressionValue

    let name: String
    let signature: ExpressionFunctionSignature
    let binder: Binder

    /// A function whose call sites need no preparation.
    init(_ name: String, _ signature: ExpressionFunctionSignature, _ scalar: @escaping Scalar) {
        self.name = name
        self.signature = signature
        self.binder = { _ throws(ExpressionFunctionError) in ExpressionFunctionBody(call: scalar) }
    }

    /// A function that prepares each call site from its constant arguments.
    init(_ name: String, _ signature: ExpressionFunctionSignature, binder: @escaping Binder) {
        self.name = name
        self.signature = signature
        self.binder = binder
    }

    func bind(constants: [ExpressionValue?]) throws(ExpressionFunctionError) -> ExpressionFunctionBody {
        try binder(constants)
    }
}

// Argument access for built-ins. The compiler has checked and converted the
// arguments against the signature, so a mismatch here is a bug in the
// compiler: it is reported as an error on the record, never a crash.
extension UnsafeBufferPointer<ExpressionValue> {
    func string(_ index: Int) throws(ExpressionFunctionError) -> String {
        guard case .string(let text) = self[index] else { throw mismatch(index, "a string") }
        return text
    }

    func integer(_ index: Int) throws(ExpressionFunctionError) -> Int64 {
        guard case .integer(let number) = self[index] else { throw mismatch(index, "an integer") }
        return number
    }

    func optionalInteger(_ index: Int) throws(ExpressionFunctionError) -> Int64? {
        index < count ? try integer(index) : nil
    }

    private func mismatch(_ index: Int, _ expected: String) -> ExpressionFunctionError {
        ExpressionFunctionError("internal error: argument \(index + 1) should be \(expected), got \(self[index].described)",
                                argument: index)
    }
}
