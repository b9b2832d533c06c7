import StreamhostABI

/// A plugin: its name, version and components, and the descriptor the host
/// gets from `streamhost_plugin_entry`.
///
/// Declare it as a global and export the entry point with one function:
///
/// ```swift
/// import StreamhostKit
///
/// let plugin = PluginDefinition(
///     name: "file", version: "1.0.0", components: [.source(FileSource.self), .sink(FileSink.self)])
///
/// @_cdecl("streamhost_plugin_entry")
/// public func streamhost_plugin_entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? { plugin.entry(host) }
/// ```
///
/// # Thread safety
/// Building a definition is thread-safe (a global `let` is built once, on
/// first use). `entry` may be called again; it returns the same descriptor.
///
/// # Ownership
/// The descriptor, the component structs, their vtables and every C string
/// are allocated once and never freed: the host reads them for the life of
/// the process and never unloads a plugin.
public struct PluginDefinition: @unchecked Sendable {
    /// The plugin's name.
    public let name: String
    /// The plugin's own version, such as "1.0.0".
    public let version: String
    /// The C descriptor, the same on every `entry` call.
    public let descriptor: UnsafePointer<sh_plugin_descriptor>

    /// Builds the descriptor. Two components of one kind with the same name
    /// or a config schema that is not valid JSON are programmer errors and
    /// stop the process with a message.
    public init(name: String, version: String, components: [ComponentRegistration]) {
        precondition(!name.isEmpty, "StreamhostKit: a plugin needs a name")
        var seen = Set<String>()
        for registration in components {
            precondition(!registration.name.isEmpty, "StreamhostKit: plugin \(name) has a component without a name")
            precondition(
                seen.insert("\(registration.kindName) \(registration.name)").inserted,
                "StreamhostKit: plugin \(name) declares two \(registration.kindName)s named '\(registration.name)'")
            if let schema = registration.configSchema {
                precondition(
                    JSONView.isValid(schema),
                    "StreamhostKit: the config schema of \(registration.kindName) '\(registration.name)' is not valid JSON")
            }
        }
        self.name = name
        self.version = version

        let list = UnsafeMutablePointer<UnsafePointer<sh_component>?>.allocate(capacity: max(components.count, 1))
        list.initialize(repeating: nil, count: max(components.count, 1))
        for (index, registration) in components.enumerated() {
            list[index] = ComponentRegistry.component(for: registration)
        }

        var descriptor = sh_plugin_descriptor()
        descriptor.magic = SH_PLUGIN_MAGIC
        descriptor.struct_size = UInt32(MemoryLayout<sh_plugin_descriptor>.size)
        descriptor.abi_major = UInt16(SH_ABI_MAJOR)
        descriptor.abi_minor = UInt16(SH_ABI_MINOR)
        descriptor.component_count = UInt32(components.count)
        descriptor.name = ComponentRegistry.permanentCString(name)
        descriptor.version = ComponentRegistry.permanentCString(version)
        descriptor.components = UnsafePointer(list)
        descriptor.function_count = 0
        descriptor.functions = nil
        let pointer = UnsafeMutablePointer<sh_plugin_descriptor>.allocate(capacity: 1)
        pointer.initialize(to: descriptor)
        self.descriptor = UnsafePointer(pointer)
    }

    /// The body of `streamhost_plugin_entry`: keeps the host table for the
    /// instances to come and returns the descriptor, or `nil` (refusing to
    /// load) when the host's ABI major differs, its table is smaller than
    /// the 1.0 one, or it lacks the core service.
    public func entry(_ host: UnsafePointer<sh_host_api>?) -> UnsafePointer<sh_plugin_descriptor>? {
        guard HostTable.incompatibility(host) == nil, let host else { return nil }
        // The table is static in the host: a later call passes the same
        // pointer, and skipping the write keeps repeated entry calls from
        // racing with instances being created.
        if HostTable.current != host { HostTable.current = host }
        return descriptor
    }

    /// Why `entry` would refuse `host`, or `nil` if it accepts it. The
    /// entry point cannot explain a refusal to the host (there is no
    /// context yet); this is for tests and diagnostics.
    public static func incompatibility(of host: UnsafePointer<sh_host_api>?) -> String? {
        HostTable.incompatibility(host)
    }
}
