import StreamhostABI

/// The ABI this host speaks, and Swift names for the header's constants.
public enum PluginABI {
    public static let major = UInt16(SH_ABI_MAJOR)
    public static let minor = UInt16(SH_ABI_MINOR)
    public static let magic = UInt32(SH_PLUGIN_MAGIC)
    public static let entrySymbol = SH_PLUGIN_ENTRY_SYMBOL
    public static var versionString: String { "\(major).\(minor)" }

    /// The size of an ABI 1.0 descriptor: anything smaller is refused.
    static let descriptorSize10 = UInt32(MemoryLayout<sh_plugin_descriptor>.size)
    /// Members every 1.0 component struct has (up to and including vtable;
    /// SDK/abi/abi_layout.c asserts the offsets). Fixed numbers, not
    /// today's struct sizes, which grow with each minor version.
    static let componentSize10: UInt32 = 48
    /// A vtable must at least reach `close`, the last 1.0 member.
    static let vtableSize10: UInt32 = 8 + 14 * 8
    /// Members every 1.0 function struct has (up to and including
    /// free_symbol): struct_size, flags and four pointers. Fixed, like the
    /// sizes above.
    static let functionSize10: UInt32 = 4 + 4 + 4 * 8
    /// The most components, and the most functions, one descriptor may list:
    /// a larger count is a corrupt descriptor, and walking it would read
    /// far past the plugin's arrays.
    static let descriptorEntriesMax: UInt32 = 10_000
    /// Where the 1.3 members start: a component struct, a vtable or an
    /// emitted sh_batch shorter than this was built against 1.2 or older.
    static let componentSize13 = UInt32(MemoryLayout<sh_component>.size)
    /// A vtable reaching `output_schema`, the first 1.3 member (fixed, as
    /// the 1.0 sizes: the struct grew again within 1.3).
    static let vtableSize13: UInt32 = 8 + 15 * 8
    /// A vtable reaching `output_schema_of_input` (1.3, after output_schema).
    static let vtableSizeOutputSchemaOfInput: UInt32 = 8 + 16 * 8
    static let batchSize13 = UInt32(MemoryLayout<sh_batch>.size)
}

/// Status codes of streamhost.h as Swift constants.
public enum Status {
    public static let ok = sh_status(SH_OK)
    public static let error = sh_status(SH_ERROR)
    public static let idle = sh_status(SH_IDLE)
    public static let end = sh_status(SH_END)
    public static let unsupported = sh_status(SH_UNSUPPORTED)
    public static let notFound = sh_status(SH_NOT_FOUND)
    public static let invalid = sh_status(SH_INVALID)
    public static let wrongType = sh_status(SH_WRONG_TYPE)
    public static let closed = sh_status(SH_CLOSED)
    /// A call outside the callbacks of the instance its ctx names (rule 8).
    public static let wrongThread = sh_status(SH_WRONG_THREAD)

    public static func name(_ status: sh_status) -> String {
        switch status {
        case ok: return "SH_OK"
        case error: return "SH_ERROR"
        case idle: return "SH_IDLE"
        case end: return "SH_END"
        case unsupported: return "SH_UNSUPPORTED"
        case notFound: return "SH_NOT_FOUND"
        case invalid: return "SH_INVALID"
        case wrongType: return "SH_WRONG_TYPE"
        case closed: return "SH_CLOSED"
        case wrongThread: return "SH_WRONG_THREAD"
        default: return "status \(status)"
        }
    }
}
