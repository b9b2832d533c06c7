import CFFI

/// A prepared libffi call interface (`ffi_cif`) and the type list it points to.
///
/// # Thread safety
/// Immutable after `init`: `ffi_call` only reads the cif, so any number of
/// threads may call through one interface at once.
///
/// # Ownership
/// Owns the cif and its argument-type array and frees both on deinit; the
/// `ffi_type`s themselves are libffi's static ones.
final class CallInterface: @unchecked Sendable {
    let cif: UnsafeMutablePointer<ffi_cif>
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>
    let argumentCount: Int

    /// Prepares a cif; returns ffi_prep_cif's status on failure.
    init(result: UnsafeMutablePointer<ffi_type>, arguments: [UnsafeMutablePointer<ffi_type>]) throws(CallInterfaceError) {
        cif = .allocate(capacity: 1)
        argumentCount = arguments.count
        argumentTypes = .allocate(capacity: max(arguments.count, 1))
        for (index, type) in arguments.enumerated() { argumentTypes[index] = type }
        let status = ffi_prep_cif(cif, sh_ffi_default_abi(), UInt32(arguments.count), result, argumentTypes)
        guard status == FFI_OK else {
            cif.deallocate()
            argumentTypes.deallocate()
            throw CallInterfaceError(status: Int(status.rawValue))
        }
    }

    deinit {
        cif.deallocate()
        argumentTypes.deallocate()
    }

    /// Calls `function` with `arguments` (one pointer to each argument's
    /// value) and writes the result to `result`, which must hold at least
    /// `resultBytesMin` bytes.
    @inline(__always)
    func call(
        _ function: @convention(c) () -> Void, result: UnsafeMutableRawPointer,
        arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) {
        ffi_call(cif, function, result, arguments)
    }

    /// libffi widens integer results narrower than a register to `ffi_arg`,
    /// so the result buffer is at least that large.
    static let resultBytesMin = max(MemoryLayout<ffi_arg>.size, 8)

    /// The libffi type of a C value of `type`.
    static func ffiType(_ type: NativeType) -> UnsafeMutablePointer<ffi_type> {
        switch type {
        case .int32: return sh_ffi_type_sint32()
        case .int64: return sh_ffi_type_sint64()
        case .double: return sh_ffi_type_double()
        case .float: return sh_ffi_type_float()
        // C's bool is one byte holding 0 or 1 on every ABI streamhost runs on.
        case .bool: return sh_ffi_type_uint8()
        case .borrowedString, .ownedString: return sh_ffi_type_pointer()
        }
    }

    static var pointerType: UnsafeMutablePointer<ffi_type> { sh_ffi_type_pointer() }
    static var int32Type: UnsafeMutablePointer<ffi_type> { sh_ffi_type_sint32() }
    /// `size_t`: 64 bits on every platform the host builds for (the plugin
    /// loader refuses 32-bit code too).
    static var sizeType: UnsafeMutablePointer<ffi_type> { sh_ffi_type_uint64() }
}

/// ffi_prep_cif refused a call interface.
struct CallInterfaceError: Error {
    let status: Int
}
