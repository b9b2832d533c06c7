import StreamhostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the C `sh_component` of each registered component type, once per
/// (kind, type) in the process image.
///
/// A type registered again (a second `PluginDefinition` naming it, as tests
/// do) gets the same `sh_component`, so registrations never run out of
/// create slots.
///
/// # Thread safety
/// All of it runs under one lock: definitions may be built on any thread.
///
/// # Ownership
/// The components, their vtables and their C strings are allocated once and
/// never freed: the host reads them for the life of the process (plugins
/// are never unloaded).
enum ComponentRegistry {
    private struct Key: Hashable {
        let kind: UInt32
        let type: ObjectIdentifier
    }

    private static let lock = KitLock()
    nonisolated(unsafe) private static var components: [Key: UnsafePointer<sh_component>] = [:]
    nonisolated(unsafe) private static var nextSlot = 0

    /// The `sh_component` of `registration`, built on first use.
    static func component(for registration: ComponentRegistration) -> UnsafePointer<sh_component> {
        lock.withLock {
            let key = Key(kind: registration.kind.rawValue, type: registration.type)
            if let existing = components[key] { return existing }
            precondition(
                nextSlot < CreateSlots.capacity,
                "StreamhostKit: more than \(CreateSlots.capacity) component types in one library")
            let slot = nextSlot
            nextSlot += 1
            CreateSlots.factories[slot] = registration.make

            var component = sh_component()
            component.struct_size = UInt32(MemoryLayout<sh_component>.size)
            component.kind = registration.kind
            component.name = permanentCString(registration.name)
            component.description = permanentCString(registration.description)
            component.config_schema = registration.configSchema.map(permanentCString)
            component.state_version = registration.stateVersion
            component.input_count = registration.inputCount
            component.vtable = VTableThunks.make(kind: registration.kind, create: CreateSlots.functions[slot])
            let pointer = UnsafeMutablePointer<sh_component>.allocate(capacity: 1)
            pointer.initialize(to: component)
            components[key] = UnsafePointer(pointer)
            return UnsafePointer(pointer)
        }
    }

    /// A C string that lives as long as the process.
    static func permanentCString(_ text: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(text)!)
    }
}
