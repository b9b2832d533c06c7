import StreamhostABI

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the C `sh_component` of each registered component type, once per
/// (kind, type) in the process image, and finds the registration again from
/// the `sh_component` pointer the host passes to create and migrate.
///
/// Each component is one allocation, laid out as
///
///     offset 0                      sh_component  (what the descriptor lists)
///     stride(sh_component)          UInt64 tag    ("SHKITREG")
///     stride(sh_component) + 8      pointer to the kept ComponentRegistration
///
/// The header promises that create and migrate receive the very pointer the
/// plugin put in its descriptor, so the registration sits right behind the
/// C struct: one create and one migrate function serve every component,
/// with no table to search and no lock taken per call, and there is no cap
/// on the number of components. `registration(of:)` checks a pointer
/// before following it: first that the component's vtable is one of the
/// kit's (its `create` is this kit's: another plugin's component is
/// refused without reading past its structs), then the tag (so a host that passes a
/// copy of the struct, against the header, is refused instead of followed
/// into whatever memory lies behind its copy).
///
/// A type registered again (a second `PluginDefinition` naming it, as tests
/// do) gets the same `sh_component`.
///
/// # Thread safety
/// Registration runs under one lock: definitions may be built on any
/// thread. `registration(of:)` takes no lock: what it reads is written once,
/// before the descriptor naming the component is returned to the host.
///
/// # Ownership
/// The components, their registrations and their C strings are allocated
/// once and never freed: the host reads them for the life of the process
/// (plugins are never unloaded).
enum ComponentRegistry {
    private struct Key: Hashable {
        let kind: UInt32
        let type: ObjectIdentifier
    }

    private static let lock = KitLock()
    nonisolated(unsafe) private static var components: [Key: UnsafePointer<sh_component>] = [:]

    /// "SHKITREG" read as a little-endian 64-bit number: marks the memory
    /// behind a kit-built `sh_component`.
    static let tag: UInt64 = 0x4745_5254_494B_4853

    private static let tagOffset = MemoryLayout<sh_component>.stride
    private static let registrationOffset = tagOffset + MemoryLayout<UInt64>.stride
    private static let allocationBytes = registrationOffset + MemoryLayout<UnsafeRawPointer>.stride
    private static let allocationAlignment = max(
        MemoryLayout<sh_component>.alignment, MemoryLayout<UInt64>.alignment, MemoryLayout<UnsafeRawPointer>.alignment)

    /// The `sh_component` of `registration`, built on first use.
    static func component(for registration: ComponentRegistration) -> UnsafePointer<sh_component> {
        lock.withLock {
            let key = Key(kind: registration.kind.rawValue, type: registration.type)
            if let existing = components[key] { return existing }

            let kept = UnsafeMutablePointer<ComponentRegistration>.allocate(capacity: 1)
            kept.initialize(to: registration)

            var component = sh_component()
            component.struct_size = UInt32(MemoryLayout<sh_component>.size)
            component.kind = registration.kind
            component.name = permanentCString(registration.name)
            component.description = permanentCString(registration.description)
            component.config_schema = registration.configSchema.map(permanentCString)
            component.state_version = registration.stateVersion
            component.input_count = registration.inputCount
            component.input_formats = registration.inputFormats.rawValue
            component.output_formats = registration.outputFormats.rawValue
            component.vtable = VTableThunks.makeVTable(kind: registration.kind, callbacks: registration.callbacks)

            let memory = UnsafeMutableRawPointer.allocate(byteCount: allocationBytes, alignment: allocationAlignment)
            let pointer = memory.initializeMemory(as: sh_component.self, repeating: component, count: 1)
            (memory + tagOffset).initializeMemory(as: UInt64.self, repeating: tag, count: 1)
            (memory + registrationOffset).initializeMemory(
                as: UnsafeRawPointer.self, repeating: UnsafeRawPointer(kept), count: 1)
            components[key] = UnsafePointer(pointer)
            return UnsafePointer(pointer)
        }
    }

    /// The registration behind a component the kit built, or `nil` when
    /// `component` is NULL, another plugin's, or a copy (see the type's
    /// comment).
    static func registration(of component: UnsafePointer<sh_component>?) -> UnsafePointer<ComponentRegistration>? {
        guard let component, VTableThunks.isKitVTable(component.pointee.vtable) else { return nil }
        let memory = UnsafeRawPointer(component)
        guard memory.load(fromByteOffset: tagOffset, as: UInt64.self) == tag else { return nil }
        return memory.load(fromByteOffset: registrationOffset, as: UnsafeRawPointer.self)
            .assumingMemoryBound(to: ComponentRegistration.self)
    }

    /// A C string that lives as long as the process.
    static func permanentCString(_ text: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(text)!)
    }
}
