#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension NativeFunction {
    /// Bytes per argument or result slot: every supported C type fits in 8.
    static let slotBytes = 8
    /// Slots a scalar call uses at most: see `call(_:)`.
    static let scalarSlotsMax = 2 * FunctionSignature.parametersMax + 6
    /// Argument pointers a scalar call passes at most.
    static let scalarPointersMax = FunctionSignature.parametersMax + 3

    /// Calls the function once.
    ///
    /// Arguments are converted to the parameter types as `NativeValue`
    /// describes; strings are lent to the callee as NUL-terminated pointers
    /// for the duration of the call. A `char*` result is copied and freed
    /// with the declared free function; a NULL string result is `.null`.
    /// No heap memory is allocated for the arguments: their storage is on
    /// the stack.
    ///
    /// - Throws: `.badArguments` when the arguments do not fit the signature,
    ///   `.returnedError` when a fallible function returns a non-zero status,
    ///   `.invalidResult` for a string result that is not UTF-8.
    ///
    /// # Thread safety
    /// Any thread, concurrently with other calls.
    public func call(_ arguments: [NativeValue]) throws(NativeFunctionError) -> NativeValue {
        let count = parameters.count
        guard arguments.count == count else {
            throw .badArguments(function: name, problem: "takes \(count) argument\(count == 1 ? "" : "s") "
                + "(\(signature)), got \(arguments.count)")
        }
        var failure = CallFailure()
        // Slots: the argument values; for a vectorized function a pointer to
        // each of them; then n, out, a pointer to out, errors, a pointer to
        // errors and the return value.
        // Constant sizes (for parametersMax) let the compiler put both on
        // the stack without a run-time size check.
        let value = withUnsafeTemporaryAllocation(byteCount: Self.scalarSlotsMax * Self.slotBytes, alignment: 16) {
            storage in
            withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: Self.scalarPointersMax) {
                pointers in
                bind(arguments, from: 0, storage: storage.baseAddress!, pointers: pointers.baseAddress!,
                     failure: &failure)
            }
        }
        if failure.failed { throw error(failure, arguments: arguments) }
        return value
    }

    /// Stores the arguments from `start` on into their slots, lending each
    /// string for as long as the call lasts, then calls.
    private func bind(
        _ arguments: [NativeValue], from start: Int, storage: UnsafeMutableRawPointer,
        pointers: UnsafeMutablePointer<UnsafeMutableRawPointer?>, failure: inout CallFailure
    ) -> NativeValue {
        var index = start
        while index < arguments.count {
            let slot = storage + index * Self.slotBytes
            pointers[index] = slot
            if case .string(let text) = arguments[index], parameters[index] == .borrowedString {
                // Recursion keeps every earlier string's pointer valid until
                // the call returns; its depth is bounded by parametersMax.
                return text.withCString { cString in
                    // A NUL inside the text would cut the C string short.
                    guard strlen(cString) == text.utf8.count else {
                        failure = CallFailure(kind: .nulByte, index: index)
                        return .null
                    }
                    slot.storeBytes(of: cString, as: UnsafePointer<CChar>.self)
                    return bind(arguments, from: index + 1, storage: storage, pointers: pointers, failure: &failure)
                }
            }
            let kind = store(arguments[index], parameter: parameters[index], into: slot)
            guard kind == .none else {
                failure = CallFailure(kind: kind, index: index)
                return .null
            }
            index += 1
        }
        return isVectorized
            ? invokeVectorizedOnce(storage: storage, pointers: pointers, failure: &failure)
            : invokeScalar(storage: storage, pointers: pointers, failure: &failure)
    }

    /// Converts one argument to its parameter's C type in `slot`.
    @inline(__always)
    private func store(_ value: NativeValue, parameter: NativeType, into slot: UnsafeMutableRawPointer)
        -> CallFailure.Kind
    {
        switch (parameter, value) {
        case (_, .null): return .nullArgument
        case (.int32, .int32(let v)): slot.storeBytes(of: v, as: Int32.self)
        case (.int32, .int64(let v)):
            guard let narrow = Int32(exactly: v) else { return .argumentRange }
            slot.storeBytes(of: narrow, as: Int32.self)
        case (.int64, .int64(let v)): slot.storeBytes(of: v, as: Int64.self)
        case (.int64, .int32(let v)): slot.storeBytes(of: Int64(v), as: Int64.self)
        case (.double, .double(let v)): slot.storeBytes(of: v, as: Double.self)
        case (.double, .float(let v)): slot.storeBytes(of: Double(v), as: Double.self)
        case (.double, .int32(let v)): slot.storeBytes(of: Double(v), as: Double.self)
        case (.double, .int64(let v)):
            guard let exact = Double(exactly: v) else { return .argumentInexact }
            slot.storeBytes(of: exact, as: Double.self)
        case (.float, .float(let v)): slot.storeBytes(of: v, as: Float.self)
        // A float parameter asks for float precision: rounding is expected.
        case (.float, .double(let v)): slot.storeBytes(of: Float(v), as: Float.self)
        case (.float, .int32(let v)):
            guard let exact = Float(exactly: v) else { return .argumentInexact }
            slot.storeBytes(of: exact, as: Float.self)
        case (.float, .int64(let v)):
            guard let exact = Float(exactly: v) else { return .argumentInexact }
            slot.storeBytes(of: exact, as: Float.self)
        case (.bool, .bool(let v)): slot.storeBytes(of: v ? 1 : 0, as: UInt8.self)
        default: return .argumentType
        }
        return .none
    }

    /// `R f(A...)` or, fallible, `int32_t f(A..., R *out)`.
    private func invokeScalar(
        storage: UnsafeMutableRawPointer, pointers: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
        failure: inout CallFailure
    ) -> NativeValue {
        let count = parameters.count
        let returned = storage + (2 * count + 5) * Self.slotBytes
        guard isFallible else {
            interface.call(function, result: returned, arguments: pointers)
            return readReturned(returned, failure: &failure)
        }
        let out = storage + (2 * count + 1) * Self.slotBytes
        let outPointer = storage + (2 * count + 2) * Self.slotBytes
        out.storeBytes(of: 0, as: UInt64.self)
        outPointer.storeBytes(of: out, as: UnsafeMutableRawPointer.self)
        pointers[count] = outPointer
        interface.call(function, result: returned, arguments: pointers)
        let status = Int32(truncatingIfNeeded: returned.load(as: UInt64.self))
        guard status == 0 else {
            // The host set out to NULL: a string written before the failure
            // is the callee's allocation and is freed, not leaked.
            if result.isString { release(out.load(as: UnsafeMutablePointer<CChar>?.self)) }
            failure = CallFailure(kind: .returnedError, code: status)
            return .null
        }
        return readOut(out, failure: &failure)
    }

    /// A vectorized function on a batch of one:
    /// `int32_t f(size_t 1, const A *a..., R *out[, int32_t *errors])`.
    private func invokeVectorizedOnce(
        storage: UnsafeMutableRawPointer, pointers: UnsafeMutablePointer<UnsafeMutableRawPointer?>,
        failure: inout CallFailure
    ) -> NativeValue {
        let count = parameters.count
        func slot(_ index: Int) -> UnsafeMutableRawPointer { storage + index * Self.slotBytes }
        let size = slot(2 * count), out = slot(2 * count + 1), outPointer = slot(2 * count + 2)
        let errors = slot(2 * count + 3), errorsPointer = slot(2 * count + 4), returned = slot(2 * count + 5)
        size.storeBytes(of: 1, as: UInt64.self)
        pointers[0] = size
        for index in 0..<count {
            // Each column of one element is the argument's own slot.
            slot(count + index).storeBytes(of: slot(index), as: UnsafeMutableRawPointer.self)
            pointers[1 + index] = slot(count + index)
        }
        out.storeBytes(of: 0, as: UInt64.self)
        outPointer.storeBytes(of: out, as: UnsafeMutableRawPointer.self)
        pointers[count + 1] = outPointer
        errors.storeBytes(of: 0, as: UInt64.self)
        errorsPointer.storeBytes(of: errors, as: UnsafeMutableRawPointer.self)
        if isFallible { pointers[count + 2] = errorsPointer }
        interface.call(function, result: returned, arguments: pointers)
        let status = Int32(truncatingIfNeeded: returned.load(as: UInt64.self))
        let rowStatus = errors.load(as: Int32.self)
        guard status == 0, rowStatus == 0 else {
            if result.isString { release(out.load(as: UnsafeMutablePointer<CChar>?.self)) }
            failure = CallFailure(kind: .returnedError, code: status != 0 ? status : rowStatus)
            return .null
        }
        return readOut(out, failure: &failure)
    }

    /// A result libffi returned: integers narrower than a register come
    /// widened to `ffi_arg`.
    @inline(__always)
    private func readReturned(_ slot: UnsafeMutableRawPointer, failure: inout CallFailure) -> NativeValue {
        switch result {
        case .int32: return .int32(Int32(truncatingIfNeeded: slot.load(as: UInt64.self)))
        case .bool: return .bool(UInt8(truncatingIfNeeded: slot.load(as: UInt64.self)) != 0)
        default: return readOut(slot, failure: &failure)
        }
    }

    /// A result the callee wrote through a pointer, in its own C type.
    @inline(__always)
    private func readOut(_ slot: UnsafeMutableRawPointer, failure: inout CallFailure) -> NativeValue {
        switch result {
        case .int32: return .int32(slot.load(as: Int32.self))
        case .int64: return .int64(slot.load(as: Int64.self))
        case .double: return .double(slot.load(as: Double.self))
        case .float: return .float(slot.load(as: Float.self))
        case .bool: return .bool(slot.load(as: UInt8.self) != 0)
        case .borrowedString, .ownedString:
            return takeString(slot.load(as: UnsafeMutablePointer<CChar>?.self), failure: &failure).map(NativeValue.string)
                ?? .null
        }
    }
}
