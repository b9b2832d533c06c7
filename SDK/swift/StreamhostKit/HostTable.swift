import StreamhostABI

/// The host-API table the plugin got in `streamhost_plugin_entry`.
///
/// # Thread safety
/// Written by `PluginDefinition.entry` before the host creates any
/// instance, read by create; the table is static in the host, so a second
/// entry call writes the same pointer. `nonisolated(unsafe)` because the
/// ordering comes from the host (entry happens before create), not from
/// Swift.
///
/// # Ownership
/// The table is the host's and lives as long as the process.
enum HostTable {
    nonisolated(unsafe) static var current: UnsafePointer<sh_host_api>? = nil

    /// The size of the table in the header the kit was built with (1.1):
    /// the kit calls members up to its end.
    static let requiredSize = MemoryLayout<sh_host_api>.size

    /// Whether the kit can work with `host`: same ABI major, a table at
    /// least as large as the 1.0 one, the core service, and every core
    /// function present. Returns the reason when not.
    static func incompatibility(_ host: UnsafePointer<sh_host_api>?) -> String? {
        guard let host else { return "no host table" }
        let table = host.pointee
        if Int32(table.abi_major) != SH_ABI_MAJOR {
            return "host ABI \(table.abi_major).\(table.abi_minor), plugin built for \(SH_ABI_MAJOR).\(SH_ABI_MINOR)"
        }
        if Int(table.struct_size) < requiredSize {
            return "host table of \(table.struct_size) bytes, the kit needs \(requiredSize)"
        }
        if table.services & UInt64(SH_SERVICE_CORE) == 0 {
            return "the host does not implement the core service"
        }
        let core: [Bool] = [
            table.emit != nil, table.emit_batch != nil, table.reject != nil, table.set_error != nil,
            table.last_error != nil, table.log != nil, table.alloc != nil, table.free != nil,
            table.wakeup != nil, table.counter_register != nil, table.counter_add != nil,
            table.config_string != nil, table.config_int64 != nil, table.config_double != nil,
            table.config_bool != nil, table.config_json != nil, table.current_watermark != nil,
            table.processing_time != nil,
        ]
        if core.contains(false) { return "the host table lacks a core function" }
        return nil
    }
}
