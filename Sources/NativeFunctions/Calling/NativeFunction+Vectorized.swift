#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension NativeFunction {
    /// Calls the function on `count` records at once: one element of each
    /// argument column per record, one result per record.
    ///
    /// A vectorized C function is called once for the whole batch; a scalar
    /// one once per record, with its arguments read in place from the
    /// columns. Columns hold no nulls: the caller leaves out records with a
    /// null argument (their result is null without a call).
    ///
    /// For a fallible function (`R!(...)`), `rowErrors[i]` receives record
    /// i's status (0: success; its result element is then left as it was).
    /// Without `rowErrors`, the first failing record throws. The returned
    /// number is the count of failed records.
    ///
    /// - Throws: `.badArguments` when the columns do not match the signature
    ///   or are shorter than `count`; `.returnedError` (row nil) when a
    ///   vectorized function fails the whole call; `.invalidResult` for a
    ///   string result that is not UTF-8.
    ///
    /// # Thread safety
    /// Any thread, concurrently with other calls.
    ///
    /// # Ownership
    /// The columns and buffers are borrowed for the call.
    @discardableResult
    public func callBatch(
        count: Int, arguments: [NativeColumn], results: NativeResultColumn,
        rowErrors: UnsafeMutableBufferPointer<Int32>? = nil
    ) throws(NativeFunctionError) -> Int {
        try checkBatch(count: count, arguments: arguments, results: results, rowErrors: rowErrors)
        guard count > 0 else { return 0 }
        if let rowErrors { rowErrors.baseAddress!.update(repeating: 0, count: count) }
        guard signature.isFallible, rowErrors == nil else {
            return try dispatch(count: count, arguments: arguments, results: results, rowErrors: rowErrors)
        }
        // The caller did not ask for per-record statuses: collect them here
        // and report the first failure.
        let outcome: Result<Int, NativeFunctionError> = withUnsafeTemporaryAllocation(of: Int32.self, capacity: count) {
            errors in
            errors.initialize(repeating: 0)
            do throws(NativeFunctionError) {
                _ = try dispatch(count: count, arguments: arguments, results: results, rowErrors: errors)
            } catch {
                return .failure(error)
            }
            if let row = errors.firstIndex(where: { $0 != 0 }) {
                return .failure(.returnedError(function: name, code: errors[row], row: row))
            }
            return .success(0)
        }
        return try outcome.get()
    }

    private func dispatch(
        count: Int, arguments: [NativeColumn], results: NativeResultColumn,
        rowErrors: UnsafeMutableBufferPointer<Int32>?
    ) throws(NativeFunctionError) -> Int {
        if isVectorized {
            return try callVectorized(count: count, arguments: arguments, results: results, rowErrors: rowErrors)
        }
        return try callScalarPerRecord(count: count, arguments: arguments, results: results, rowErrors: rowErrors)
    }

    private func checkBatch(
        count: Int, arguments: [NativeColumn], results: NativeResultColumn,
        rowErrors: UnsafeMutableBufferPointer<Int32>?
    ) throws(NativeFunctionError) {
        let parameters = signature.parameters
        guard count >= 0 else { throw .badArguments(function: name, problem: "a batch of \(count) records") }
        guard arguments.count == parameters.count else {
            throw .badArguments(function: name, problem: "takes \(parameters.count) argument column"
                + "\(parameters.count == 1 ? "" : "s") (\(signature)), got \(arguments.count)")
        }
        for (index, column) in arguments.enumerated() {
            guard column.type == parameters[index] else {
                throw .badArguments(function: name, problem: "argument column \(index + 1) holds \(column.type) "
                    + "values, but the parameter is \(parameters[index]) (\(signature))")
            }
            guard column.count >= count else {
                throw .badArguments(function: name, problem: "argument column \(index + 1) has \(column.count) "
                    + "elements for a batch of \(count) records")
            }
        }
        guard results.accepts(signature.result) else {
            throw .badArguments(function: name, problem: "the result column holds \(results.typeName) values, "
                + "but the function returns \(signature.result) (\(signature))")
        }
        guard results.count >= count else {
            throw .badArguments(function: name, problem: "the result column has \(results.count) elements for a "
                + "batch of \(count) records")
        }
        if let rowErrors, rowErrors.count < count {
            throw .badArguments(function: name, problem: "the row-error buffer has \(rowErrors.count) elements "
                + "for a batch of \(count) records")
        }
    }

    /// `int32_t f(size_t n, const A *a..., R *out[, int32_t *errors])`, once.
    private func callVectorized(
        count: Int, arguments: [NativeColumn], results: NativeResultColumn,
        rowErrors: UnsafeMutableBufferPointer<Int32>?
    ) throws(NativeFunctionError) -> Int {
        let parameters = signature.parameters.count
        // Slots: n, a pointer per column, out, errors, the return value.
        let outcome: Result<Int, NativeFunctionError> = withUnsafeTemporaryAllocation(
            byteCount: (parameters + 4) * Self.slotBytes, alignment: 16
        ) { raw in
            withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: parameters + 3) { pointers in
                let storage = raw.baseAddress!
                func slot(_ index: Int) -> UnsafeMutableRawPointer { storage + index * Self.slotBytes }
                slot(0).storeBytes(of: UInt64(count), as: UInt64.self)
                pointers[0] = slot(0)
                for (index, column) in arguments.enumerated() {
                    slot(1 + index).storeBytes(of: column.baseAddress, as: UnsafeRawPointer?.self)
                    pointers[1 + index] = slot(1 + index)
                }
                let out = slot(parameters + 1), errors = slot(parameters + 2), returned = slot(parameters + 3)
                pointers[parameters + 1] = out
                errors.storeBytes(of: UnsafeMutableRawPointer(rowErrors?.baseAddress), as: UnsafeMutableRawPointer?.self)
                pointers[parameters + 2] = errors

                func run(_ destination: UnsafeMutableRawPointer) -> Int32 {
                    out.storeBytes(of: destination, as: UnsafeMutableRawPointer.self)
                    interface.call(function, result: returned, arguments: pointers.baseAddress!)
                    return Int32(truncatingIfNeeded: returned.load(as: UInt64.self))
                }
                let status: Int32
                switch results {
                case .int32(let buffer): status = run(UnsafeMutableRawPointer(buffer.baseAddress!))
                case .int64(let buffer): status = run(UnsafeMutableRawPointer(buffer.baseAddress!))
                case .double(let buffer): status = run(UnsafeMutableRawPointer(buffer.baseAddress!))
                case .float(let buffer): status = run(UnsafeMutableRawPointer(buffer.baseAddress!))
                case .bool(let buffer): status = run(UnsafeMutableRawPointer(buffer.baseAddress!))
                case .string(let buffer):
                    // The callee fills an array of C strings; the host copies
                    // each into the caller's buffer and frees the callee's.
                    return withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<CChar>?.self, capacity: count) {
                        strings in
                        strings.initialize(repeating: nil)
                        let status = run(UnsafeMutableRawPointer(strings.baseAddress!))
                        return collectStrings(strings, status: status, into: buffer, rowErrors: rowErrors)
                    }
                }
                guard status == 0 else { return .failure(.returnedError(function: name, code: status, row: nil)) }
                return .success(rowErrors.map(Self.failures) ?? 0)
            }
        }
        return try outcome.get()
    }

    /// Copies and frees the strings a vectorized call returned: every one,
    /// even when the call failed, so that nothing leaks.
    private func collectStrings(
        _ strings: UnsafeMutableBufferPointer<UnsafeMutablePointer<CChar>?>, status: Int32,
        into buffer: UnsafeMutableBufferPointer<String?>, rowErrors: UnsafeMutableBufferPointer<Int32>?
    ) -> Result<Int, NativeFunctionError> {
        var firstProblem: NativeFunctionError?
        for row in strings.indices {
            let failed = status != 0 || (rowErrors.map { $0[row] != 0 } ?? false)
            if failed || firstProblem != nil {
                release(strings[row])
                continue
            }
            var failure = CallFailure()
            let string = takeString(strings[row], failure: &failure)
            if failure.failed { firstProblem = error(failure) } else { buffer[row] = string }
        }
        if status != 0 { return .failure(.returnedError(function: name, code: status, row: nil)) }
        if let firstProblem { return .failure(firstProblem) }
        return .success(rowErrors.map(Self.failures) ?? 0)
    }

    private static func failures(_ errors: UnsafeMutableBufferPointer<Int32>) -> Int {
        errors.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
    }

    /// A scalar C function once per record, its arguments read in place from
    /// the columns.
    private func callScalarPerRecord(
        count: Int, arguments: [NativeColumn], results: NativeResultColumn,
        rowErrors: UnsafeMutableBufferPointer<Int32>?
    ) throws(NativeFunctionError) -> Int {
        let parameters = signature.parameters.count
        let strides = arguments.map { column -> Int in
            switch column {
            case .int32: return 4
            case .int64, .double: return 8
            case .float: return 4
            case .bool: return 1
            case .string: return MemoryLayout<UnsafePointer<CChar>>.stride
            }
        }
        let bases = arguments.map { UnsafeMutableRawPointer(mutating: $0.baseAddress!) }
        let fallible = isFallible
        // Slots: out, a pointer to out, the return value.
        let outcome: Result<Int, NativeFunctionError> = withUnsafeTemporaryAllocation(
            byteCount: 3 * Self.slotBytes, alignment: 16
        ) { raw in
            withUnsafeTemporaryAllocation(of: UnsafeMutableRawPointer?.self, capacity: parameters + 1) { pointers in
                let out = raw.baseAddress!, outPointer = out + Self.slotBytes, returned = out + 2 * Self.slotBytes
                outPointer.storeBytes(of: out, as: UnsafeMutableRawPointer.self)
                if fallible { pointers[parameters] = outPointer }
                var failed = 0
                var firstFailure: NativeFunctionError?
                for row in 0..<count {
                    for index in 0..<parameters { pointers[index] = bases[index] + row * strides[index] }
                    let value: UnsafeMutableRawPointer
                    if fallible {
                        out.storeBytes(of: 0, as: UInt64.self)
                        interface.call(function, result: returned, arguments: pointers.baseAddress!)
                        let status = Int32(truncatingIfNeeded: returned.load(as: UInt64.self))
                        if status != 0 {
                            if result.isString { release(out.load(as: UnsafeMutablePointer<CChar>?.self)) }
                            rowErrors?[row] = status
                            failed += 1
                            continue
                        }
                        value = out
                    } else {
                        interface.call(function, result: returned, arguments: pointers.baseAddress!)
                        value = returned
                    }
                    if let problem = store(from: value, widened: !fallible, row: row, into: results) {
                        firstFailure = firstFailure ?? problem
                    }
                }
                if let firstFailure { return .failure(firstFailure) }
                return .success(failed)
            }
        }
        return try outcome.get()
    }

    /// Moves one result into the result column.
    @inline(__always)
    private func store(
        from slot: UnsafeMutableRawPointer, widened: Bool, row: Int, into results: NativeResultColumn
    ) -> NativeFunctionError? {
        switch results {
        case .int32(let buffer):
            buffer[row] = widened ? Int32(truncatingIfNeeded: slot.load(as: UInt64.self)) : slot.load(as: Int32.self)
        case .int64(let buffer): buffer[row] = slot.load(as: Int64.self)
        case .double(let buffer): buffer[row] = slot.load(as: Double.self)
        case .float(let buffer): buffer[row] = slot.load(as: Float.self)
        case .bool(let buffer):
            buffer[row] = (widened ? UInt8(truncatingIfNeeded: slot.load(as: UInt64.self)) : slot.load(as: UInt8.self)) != 0
        case .string(let buffer):
            var failure = CallFailure()
            let string = takeString(slot.load(as: UnsafeMutablePointer<CChar>?.self), failure: &failure)
            if failure.failed { return error(failure) }
            buffer[row] = string
        }
        return nil
    }
}
