/// The parameter and result types of a function.
public struct ExpressionFunctionSignature: Sendable, Equatable {
    /// The types of the parameters, in order.
    public var parameters: [ExpressionType]
    /// How many of `parameters` must be given (the rest are optional).
    public var requiredCount: Int
    /// The type of any number of further arguments, or nil for none.
    public var variadic: ExpressionType?
    public var result: ExpressionType
    /// Whether a null argument makes the result null without a call: SQL's
    /// rule, and every built-in function's.
    public var nullPropagating: Bool

    public init(_ parameters: [ExpressionType], required: Int? = nil, variadic: ExpressionType? = nil,
                result: ExpressionType, nullPropagating: Bool = true) {
        self.parameters = parameters
        self.requiredCount = required ?? parameters.count
        self.variadic = variadic
        self.result = result
        self.nullPropagating = nullPropagating
    }

    /// The type argument `index` must have, or nil past the end.
    public func parameterType(at index: Int) -> ExpressionType? {
        index < parameters.count ? parameters[index] : variadic
    }

    /// How a message shows the parameters: `(string, integer[, integer])`.
    public var parameterText: String {
        var text = ""
        for (index, type) in parameters.enumerated() {
            let separator = index == 0 ? "" : ", "
            text += index >= requiredCount ? "[\(separator)\(type)]" : "\(separator)\(type)"
        }
        if let variadic { text += (parameters.isEmpty ? "" : ", ") + "\(variadic)..." }
        return "(\(text))"
    }
}

/// A function failed on its arguments at run time (a bad regular expression
/// given as a field, a time text that does not parse). `argument` is the
/// index of the argument at fault, if one is.
public struct ExpressionFunctionError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let argument: Int?

    public init(_ message: String, argument: Int? = nil) {
        self.message = message
        self.argument = argument
    }

    public var description: String { message }
}

/// One call site of a function, ready to run: what `ExpressionFunction.bind`
/// returns.
///
/// # Thread safety
/// Called by one thread at a time (the thread evaluating the compiled
/// expression that holds it): a body may keep scratch state.
///
/// # Ownership
/// Arguments are BORROWED for the call; the result is owned by the caller.
public struct ExpressionFunctionBody {
    /// Calls the function on one set of arguments, already checked against
    /// the signature (numbers converted to the parameter's kind; no null
    /// when the signature propagates nulls).
    public let call: (_ arguments: UnsafeBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> ExpressionValue

    /// Optionally, the function over a whole batch: `columns[i][row]` is
    /// argument i of row `row`; write each row's result to `results[row]`.
    /// Nil: the caller loops over `call`. Native functions use this to make
    /// one foreign call per batch.
    public let callBatch: ((_ columns: [UnsafeBufferPointer<ExpressionValue>],
                            _ results: UnsafeMutableBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> Void)?

    public init(
        call: @escaping (_ arguments: UnsafeBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> ExpressionValue,
        callBatch: ((_ columns: [UnsafeBufferPointer<ExpressionValue>],
                     _ results: UnsafeMutableBufferPointer<ExpressionValue>) throws(ExpressionFunctionError) -> Void)? = nil
    ) {
        self.call = call
        self.callBatch = callBatch
    }
}

/// A function expressions can call: built-in ones, and native ones loaded
/// from shared libraries.
///
/// # Thread safety
/// A function is shared by every compiled expression of the process;
/// `bind` may be called from any thread. What `bind` returns belongs to one
/// compiled expression.
public protocol ExpressionFunction: Sendable {
    /// The name expressions call it by, lowercase.
    var name: String { get }
    var signature: ExpressionFunctionSignature { get }

    /// Prepares one call site at compile time. `constants[i]` is argument
    /// i's value when it is a literal (a regular expression can be compiled
    /// once, and a bad one reported at job start), else nil. Throw to refuse
    /// the constants: the error becomes a compile error at that argument.
    func bind(constants: [ExpressionValue?]) throws(ExpressionFunctionError) -> ExpressionFunctionBody
}

/// Where the compiler finds functions by name.
///
/// # Thread safety
/// Looked up from any thread.
public protocol ExpressionFunctionLibrary: Sendable {
    /// The function called `name` (lowercase), or nil.
    func function(named name: String) -> (any ExpressionFunction)?
    /// Every name, for messages ("did you mean").
    var functionNames: [String] { get }
}

/// Several libraries searched in order: the first that has a name wins.
public struct ExpressionFunctionLibraryChain: ExpressionFunctionLibrary {
    public let libraries: [any ExpressionFunctionLibrary]

    public init(_ libraries: [any ExpressionFunctionLibrary]) {
        self.libraries = libraries
    }

    public func function(named name: String) -> (any ExpressionFunction)? {
        for library in libraries {
            if let function = library.function(named: name) { return function }
        }
        return nil
    }

    public var functionNames: [String] { libraries.flatMap(\.functionNames) }
}
