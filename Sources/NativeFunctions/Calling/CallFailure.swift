/// What went wrong inside a call, in a form that is cheap to pass along the
/// hot path (a few machine words, nothing to retain); the public API turns
/// it into a `NativeFunctionError` with its message.
///
/// Passing a `Result` of the large `NativeFunctionError` through the call
/// path instead cost more than libffi itself: its copies stalled on store
/// forwarding (see docs/BENCHMARKS.md, Benchmark 8).
struct CallFailure {
    enum Kind: UInt8 {
        case none
        /// Argument `index` is `.null`.
        case nullArgument
        /// Argument `index` holds a string with a NUL byte.
        case nulByte
        /// Argument `index` has a type its parameter does not take.
        case argumentType
        /// Argument `index` is out of int32's range.
        case argumentRange
        /// Argument `index` does not convert exactly to a double or float.
        case argumentInexact
        /// The function returned status `code`.
        case returnedError
        /// A string result of `index` bytes is not UTF-8.
        case invalidUTF8
    }

    var kind = Kind.none
    var index = 0
    var code: Int32 = 0

    var failed: Bool { kind != .none }
}

extension NativeFunction {
    /// The public error for a failure; `arguments` are a scalar call's, for
    /// messages that quote an argument.
    func error(_ failure: CallFailure, arguments: [NativeValue] = [], row: Int? = nil) -> NativeFunctionError {
        func argumentProblem(_ why: String) -> NativeFunctionError {
            let index = failure.index
            let value = index < arguments.count ? "\(arguments[index])" : "a value"
            return .badArguments(function: name, problem: "argument \(index + 1) is \(value), which does not fit its "
                + "parameter type \(signature.parameters[index])\(why) (\(signature))")
        }
        switch failure.kind {
        case .none:
            preconditionFailure("no failure to report")
        case .nullArgument:
            return .badArguments(function: name, problem: "argument \(failure.index + 1) is null; native functions "
                + "take no nulls (a null argument gives a null result without a call)")
        case .nulByte:
            return .badArguments(function: name, problem: "argument \(failure.index + 1) contains a NUL byte, which "
                + "a C string cannot carry")
        case .argumentType:
            return argumentProblem("")
        case .argumentRange:
            return argumentProblem(": out of int32's range")
        case .argumentInexact:
            return argumentProblem(": a \(signature.parameters[failure.index]) cannot hold it exactly")
        case .returnedError:
            return .returnedError(function: name, code: failure.code, row: row)
        case .invalidUTF8:
            return .invalidResult(function: name, problem: "returned a string that is not valid UTF-8 "
                + "(\(failure.index) bytes); native functions exchange UTF-8 text")
        }
    }
}
