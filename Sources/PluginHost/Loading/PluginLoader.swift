#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core
import StreamhostABI
import SwiftToolchain
import Synchronization

/// Loads plugin files with dlopen and checks them before anything runs.
///
/// The checks, in order: the file is readable, is an ELF shared object for
/// this architecture, dlopen accepts it, it exports the entry point, the
/// entry returns a descriptor with the right magic, ABI major and a minor no
/// newer than the host's, and every component is well formed (kind, unique
/// name, required callbacks, a config schema that is valid JSON Schema).
///
/// # Thread safety
/// `load` may be called from any thread; dlopen/dlerror pairs are serialized
/// by a lock so that one call's `dlerror()` is never another's.
public enum PluginLoader {
    private static let dlLock = Mutex(())

    /// Loads and checks one plugin file.
    /// - Parameter reportedPath: the path messages and the loaded plugin
    ///   name (default `file`): a hot swap loads a private copy of the file
    ///   the user gave, and names the user's file.
    public static func load(path file: String, reportedAs reportedPath: String? = nil) throws(PluginLoadError) -> LoadedPlugin {
        let path = reportedPath ?? file
        let header = try ELFHeader.read(path: file)
        switch header.fileType {
        case .sharedObject: break
        case .executable:
            throw .notASharedObject(path: path, detail: "it is an ELF executable")
        case .relocatable:
            throw .notASharedObject(path: path, detail: "it is an object file (.o); link it with -shared")
        case .core:
            throw .notASharedObject(path: path, detail: "it is a core dump")
        case .other(let type):
            throw .notASharedObject(path: path, detail: "ELF file type \(type)")
        }
        let hostIs64Bit = MemoryLayout<Int>.size == 8
        if header.machine != ELFHeader.hostMachine || header.is64Bit != hostIs64Bit {
            throw .wrongArchitecture(
                path: path, fileArchitecture: ELFHeader.machineName(header.machine, is64Bit: header.is64Bit),
                hostArchitecture: ELFHeader.machineName(ELFHeader.hostMachine, is64Bit: hostIs64Bit))
        }

        // dlerror() is per thread in glibc, but it is read right after each
        // call under one lock so that no other loader call in between can
        // replace the message.
        let (handle, entry): (UnsafeMutableRawPointer, UnsafeMutableRawPointer) = try dlLock.withLock {
            _ throws(PluginLoadError) in
            _ = dlerror()
            // Without a slash dlopen searches the library path instead of
            // opening the file the user named.
            let openPath = file.contains("/") ? file : "./" + file
            guard let handle = dlopen(openPath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
                let message = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
                if message.contains("cannot dynamically load position-independent executable")
                    || message.contains("PIE object") {
                    throw .notASharedObject(path: path, detail: "it is a position-independent executable")
                }
                throw .dlopenFailed(path: path, message: message)
            }
            _ = dlerror()
            guard let entry = dlsym(handle, PluginABI.entrySymbol) else {
                let message = dlerror().map { String(cString: $0) } ?? "symbol not found"
                throw .missingEntryPoint(path: path, message: message)
            }
            // A Swift plugin says which compiler built it; another
            // toolchain's Swift code must not run (no stable ABI on Linux).
            // dlopen has run its load-time initializers already; its entry
            // point and callbacks never run.
            if let symbol = dlsym(handle, SwiftToolchain.exportedSymbol) {
                let version = unsafeBitCast(symbol, to: (@convention(c) () -> UnsafePointer<CChar>?).self)
                let plugin = version().map { String(cString: $0) } ?? "(none)"
                let host = SwiftToolchain.compilerVersion.description
                guard plugin == host else { throw .swiftToolchainMismatch(path: path, plugin: plugin, host: host) }
            }
            return (handle, entry)
        }
        _ = handle  // Never closed: plugins are loaded with RTLD_NODELETE and never unloaded.

        return try load(entry: unsafeBitCast(entry, to: sh_plugin_entry_fn.self), reportedAs: path, loadedPath: file)
    }

    /// Checks a plugin linked into the process instead of loaded from a
    /// file (the plugin test harness tests a component linked into the
    /// test): calls its entry point with the host-API table, as `load` does
    /// after dlopen, and checks the descriptor the same way.
    /// - Parameter path: what messages and the plugin's path name it.
    /// - Parameter loadedPath: the file dlopen opened, when there is one
    ///   (nil: `path`).
    public static func load(
        entry: sh_plugin_entry_fn, reportedAs path: String, loadedPath: String? = nil
    ) throws(PluginLoadError) -> LoadedPlugin {
        guard let descriptor = entry(HostAPI.table) else { throw .entryReturnedNull(path: path) }
        return try check(descriptor: descriptor, path: path, loadedPath: loadedPath)
    }

    /// Checks a descriptor returned by a plugin's entry point.
    /// - Parameters:
    ///   - path: the file messages name (the user's file).
    ///   - loadedPath: the file dlopen opened (a hot swap's private copy);
    ///     nil: `path`.
    static func check(
        descriptor: UnsafePointer<sh_plugin_descriptor>, path: String, loadedPath: String? = nil
    ) throws(PluginLoadError)
        -> LoadedPlugin
    {
        let loadedPath = loadedPath ?? path
        // Read the first members only until the version is known: a plugin of
        // another major may lay out the rest differently.
        let raw = UnsafeRawPointer(descriptor)
        let magic = raw.loadUnaligned(as: UInt32.self)
        guard magic == PluginABI.magic else { throw .badMagic(path: path, found: magic) }
        let structSize = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let major = raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self)
        let minor = raw.loadUnaligned(fromByteOffset: 10, as: UInt16.self)
        let pluginVersion = "\(major).\(minor)"
        guard major == PluginABI.major else {
            throw .abiMajorMismatch(path: path, plugin: pluginVersion, host: PluginABI.versionString)
        }
        guard minor <= PluginABI.minor else {
            throw .abiMinorNewer(path: path, plugin: pluginVersion, host: PluginABI.versionString)
        }
        guard structSize >= PluginABI.descriptorSize10 else {
            throw .descriptorTooSmall(path: path, structSize: structSize)
        }
        let d = descriptor.pointee
        guard let namePointer = d.name, !String(cString: namePointer).isEmpty else {
            throw .invalidDescriptor(path: path, detail: "the plugin name is NULL or empty")
        }
        let name = String(cString: namePointer)
        let version = d.version.map { String(cString: $0) } ?? ""
        guard !version.isEmpty else {
            throw .invalidDescriptor(path: path, detail: "plugin '\(name)' has no version string")
        }
        guard d.component_count == 0 || d.components != nil else {
            throw .invalidDescriptor(path: path, detail: "component_count is \(d.component_count) but components is NULL")
        }
        guard d.component_count <= PluginABI.descriptorEntriesMax else {
            throw .invalidDescriptor(path: path, detail: "component_count \(d.component_count) is implausible")
        }
        guard d.function_count <= PluginABI.descriptorEntriesMax else {
            throw .invalidDescriptor(path: path, detail: "function_count \(d.function_count) is implausible")
        }

        var components: [Component] = []
        var seen = Set<String>()
        for index in 0..<Int(d.component_count) {
            guard let pointer = d.components[index] else {
                throw .invalidDescriptor(path: path, detail: "component #\(index) is NULL")
            }
            let component = try checkComponent(
                pointer, index: index, plugin: name, version: version, path: path, loadedPath: loadedPath)
            let identity = "\(component.kind)/\(component.name)"
            guard seen.insert(identity).inserted else {
                throw .duplicateComponent(path: path, kind: component.kind.rawValue, name: component.name)
            }
            components.append(component)
        }

        var functions: [ExportedFunction] = []
        if d.function_count > 0 {
            guard let list = d.functions else {
                throw .invalidDescriptor(path: path, detail: "function_count is \(d.function_count) but functions is NULL")
            }
            for index in 0..<Int(d.function_count) {
                guard let f = list[index] else {
                    throw .invalidDescriptor(path: path, detail: "function #\(index) is NULL or lacks name, symbol or signature")
                }
                // Read no member past what the plugin declared.
                let size = UnsafeRawPointer(f).loadUnaligned(as: UInt32.self)
                guard size >= PluginABI.functionSize10 else {
                    throw .invalidDescriptor(path: path, detail: "function #\(index) has struct_size \(size), "
                        + "smaller than ABI 1.0's \(PluginABI.functionSize10)")
                }
                guard let fname = f.pointee.name, let symbol = f.pointee.symbol, let signature = f.pointee.signature else {
                    throw .invalidDescriptor(path: path, detail: "function #\(index) is NULL or lacks name, symbol or signature")
                }
                functions.append(ExportedFunction(
                    name: String(cString: fname), symbol: String(cString: symbol),
                    signature: String(cString: signature), freeSymbol: f.pointee.free_symbol.map { String(cString: $0) },
                    isVectorized: f.pointee.flags & UInt32(SH_FUNCTION_VECTORIZED) != 0))
            }
        }
        return LoadedPlugin(
            path: path, loadedPath: loadedPath, name: name, version: version, abiMajor: major, abiMinor: minor,
            components: components, functions: functions)
    }

    private static func checkComponent(
        _ pointer: UnsafePointer<sh_component>, index: Int, plugin: String, version: String, path: String,
        loadedPath: String
    ) throws(PluginLoadError) -> Component {
        let c = pointer.pointee
        guard c.struct_size >= PluginABI.componentSize10 else {
            throw .invalidDescriptor(path: path, detail: "component #\(index) has struct_size \(c.struct_size), "
                + "smaller than ABI 1.0's \(PluginABI.componentSize10)")
        }
        guard let namePointer = c.name, !String(cString: namePointer).isEmpty else {
            throw .invalidDescriptor(path: path, detail: "component #\(index) has no name")
        }
        let name = String(cString: namePointer)
        guard let kind = ComponentKind(raw: c.kind) else {
            throw .invalidDescriptor(path: path, detail: "component '\(name)' has unknown kind \(c.kind.rawValue) "
                + "(expected SH_KIND_SOURCE, SH_KIND_OPERATOR or SH_KIND_SINK)")
        }
        guard let vtable = c.vtable else { throw .missingCallback(path: path, component: name, callback: "vtable") }
        let vtableSize = vtable.pointee.struct_size
        guard vtableSize >= PluginABI.vtableSize10 else {
            throw .invalidDescriptor(path: path, detail: "component '\(name)' has a vtable with struct_size "
                + "\(vtableSize), smaller than ABI 1.0's \(PluginABI.vtableSize10)")
        }
        let v = vtable.pointee
        if v.create == nil { throw .missingCallback(path: path, component: name, callback: "create") }
        if v.destroy == nil { throw .missingCallback(path: path, component: name, callback: "destroy") }
        switch kind {
        case .source:
            if v.poll == nil { throw .missingCallback(path: path, component: name, callback: "poll") }
        case .operator, .sink:
            if v.process == nil { throw .missingCallback(path: path, component: name, callback: "process") }
        }

        var schema: JSONSchema?
        var schemaText: String?
        if let text = c.config_schema {
            let string = String(cString: text)
            schemaText = string
            let value: JSONValue
            do {
                value = try JSONValue.parse(string)
            } catch {
                throw .invalidConfigSchema(path: path, component: name, detail: "not valid JSON: \(error)")
            }
            do {
                schema = try JSONSchema(value)
            } catch {
                throw .invalidConfigSchema(path: path, component: name, detail: "\(error)")
            }
        }
        guard c.state_version >= 1 else {
            throw .invalidDescriptor(path: path, detail: "component '\(name)' has state_version 0; versions start at 1")
        }
        // ABI 1.3: formats; a shorter struct (an older plugin) takes and
        // gives bytes.
        var inputFormats = DataFormats.bytes
        var outputFormats = DataFormats.bytes
        if c.struct_size >= PluginABI.componentSize13 {
            for (word, raw) in [("input_formats", c.input_formats), ("output_formats", c.output_formats)]
            where raw & ~DataFormats.all.rawValue != 0 {
                throw .invalidDescriptor(path: path, detail: "component '\(name)' has \(word) 0x\(String(raw, radix: 16)), "
                    + "with bits other than SH_FORMAT_BYTES and SH_FORMAT_COLUMNS")
            }
            if c.input_formats != 0 { inputFormats = DataFormats(rawValue: c.input_formats) }
            if c.output_formats != 0 { outputFormats = DataFormats(rawValue: c.output_formats) }
        }
        let outputSchema = vtableSize >= PluginABI.vtableSize13 ? v.output_schema : nil
        return Component(
            kind: kind, name: name, description: c.description.map { String(cString: $0) } ?? "",
            configSchema: schema, configSchemaText: schemaText, stateVersion: c.state_version,
            inputCount: max(Int(c.input_count), 1), pluginName: plugin, pluginVersion: version,
            pluginPath: path, loadedPath: loadedPath, inputFormats: inputFormats, outputFormats: outputFormats,
            raw: pointer, vtable: vtable, vtableSize: vtableSize, outputSchemaCallback: outputSchema)
    }
}
