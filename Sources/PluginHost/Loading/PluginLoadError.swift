/// Why a plugin file was refused. Every case names the file and says what to
/// do; `description` is the message shown to users.
public enum PluginLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path does not exist or cannot be read.
    case unreadable(path: String, reason: String)
    /// The file is not an ELF shared object (a text file, an archive, an
    /// executable...). `detail` says what it is instead.
    case notASharedObject(path: String, detail: String)
    /// The shared object was built for another CPU or word size.
    case wrongArchitecture(path: String, fileArchitecture: String, hostArchitecture: String)
    /// dlopen refused it (a missing dependency, an unresolved symbol...).
    case dlopenFailed(path: String, message: String)
    /// The file has no `streamhost_plugin_entry` function.
    case missingEntryPoint(path: String, message: String)
    /// The entry point returned NULL.
    case entryReturnedNull(path: String)
    /// The descriptor does not start with SH_PLUGIN_MAGIC.
    case badMagic(path: String, found: UInt32)
    /// The descriptor is smaller than any ABI version's.
    case descriptorTooSmall(path: String, structSize: UInt32)
    /// The plugin was built for another ABI major version.
    case abiMajorMismatch(path: String, plugin: String, host: String)
    /// The plugin was built against a newer ABI minor than this host has.
    case abiMinorNewer(path: String, plugin: String, host: String)
    /// A descriptor or component field is invalid (empty name, bad kind...).
    case invalidDescriptor(path: String, detail: String)
    /// Two components of one kind share a name inside one plugin.
    case duplicateComponent(path: String, kind: String, name: String)
    /// A callback the component kind needs is NULL.
    case missingCallback(path: String, component: String, callback: String)
    /// A component's config schema is not valid JSON or not a valid schema.
    case invalidConfigSchema(path: String, component: String, detail: String)
    /// A Swift plugin was built by another Swift toolchain than the host
    /// (Swift has no stable ABI on Linux).
    case swiftToolchainMismatch(path: String, plugin: String, host: String)
    /// Two plugin files provide a component of the same kind and name.
    case componentProvidedTwice(kind: String, name: String, firstPath: String, secondPath: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "cannot read plugin \(path): \(reason)"
        case let .notASharedObject(path, detail):
            return "\(path) is not a shared object (\(detail)); build plugins with `cc -shared -fPIC`"
        case let .wrongArchitecture(path, file, host):
            return "\(path) was built for \(file), but this host is \(host); rebuild the plugin for \(host)"
        case let .dlopenFailed(path, message):
            return "cannot load plugin \(path): \(message)"
        case let .missingEntryPoint(path, message):
            return "no entry point [streamhost_plugin_entry] in shared library [\(path)]: \(message); "
                + "a plugin must export `const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *)`"
        case let .entryReturnedNull(path):
            return "plugin \(path) refused to load: streamhost_plugin_entry returned NULL"
        case let .badMagic(path, found):
            return "plugin \(path) has a bad descriptor: magic is 0x\(String(found, radix: 16)), "
                + "expected 0x\(String(PluginABI.magic, radix: 16)) (SH_PLUGIN_MAGIC); is it built against streamhost.h?"
        case let .descriptorTooSmall(path, size):
            return "plugin \(path) has a bad descriptor: struct_size \(size) is smaller than ABI 1.0's"
        case let .abiMajorMismatch(path, plugin, host):
            return "plugin \(path) was built for ABI \(plugin), this host speaks ABI \(host); "
                + "major versions must match: rebuild the plugin against this host's SDK/include/streamhost.h"
        case let .abiMinorNewer(path, plugin, host):
            return "plugin \(path) was built for ABI \(plugin), newer than this host's ABI \(host); "
                + "upgrade streamhost, or rebuild the plugin against this host's SDK/include/streamhost.h"
        case let .invalidDescriptor(path, detail):
            return "plugin \(path) has an invalid descriptor: \(detail)"
        case let .duplicateComponent(path, kind, name):
            return "plugin \(path) declares the \(kind) '\(name)' twice; component names must be unique per kind"
        case let .missingCallback(path, component, callback):
            return "plugin \(path): component '\(component)' has no \(callback) callback, which it requires"
        case let .invalidConfigSchema(path, component, detail):
            return "plugin \(path): component '\(component)' has an invalid config schema: \(detail)"
        case let .swiftToolchainMismatch(path, plugin, host):
            return "plugin \(path) was built with Swift \(plugin), this host with Swift \(host); Swift has no "
                + "stable ABI on Linux, so a Swift plugin must be built with the host's toolchain: rebuild it with "
                + "Swift \(host) (`swift --version` names the one on PATH)"
        case let .componentProvidedTwice(kind, name, first, second):
            return "the \(kind) '\(name)' is provided by two plugins: \(first) and \(second); "
                + "load only one of them"
        }
    }
}
