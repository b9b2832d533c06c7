#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Core

/// The plugins a job may use, and their components by kind and name.
///
/// Plugins are found, in order, from `--plugin` paths, then the directories
/// or files in `STREAMHOST_PLUGIN_PATH`, then the host's own built plugins
/// (`libstreamhost-*.so` beside the executable, or in `../lib/streamhost`).
/// Explicit and environment plugins are all loaded, and two of them that
/// provide the same component are an error naming both. The built-in
/// directory is searched last and only for components still missing.
///
/// Replacement is per component: a component from `--plugin` (or the
/// environment) replaces the built-in component of the same kind and name,
/// and only that one: a built-in plugin loaded for its other components
/// contributes those and leaves out the replaced one. Each replacement is
/// listed in `replacements` for the CLI to print.
public struct PluginRegistry: Sendable {
    public private(set) var plugins: [LoadedPlugin] = []
    private var byIdentity: [String: Component] = [:]
    private var loadedPaths = Set<String>()
    /// Real paths of the plugins loaded from the built-in directories.
    private var builtinPaths = Set<String>()
    /// One line per built-in component left out because an explicit plugin
    /// provides it: "replaced built-in <kind> '<name>' (<builtin file>)
    /// with <file>".
    public private(set) var replacements: [String] = []

    public init() {}

    private static func identity(_ kind: ComponentKind, _ name: String) -> String { "\(kind)/\(name)" }

    /// Adds a loaded plugin, refusing a component another plugin provides.
    /// A built-in plugin (`builtin`) instead leaves out the components an
    /// explicit plugin already provides (they replace its own).
    public mutating func add(_ plugin: LoadedPlugin, builtin: Bool = false) throws(PluginLoadError) {
        var replaced = Set<String>()
        for component in plugin.components {
            let identity = Self.identity(component.kind, component.name)
            guard let existing = byIdentity[identity] else { continue }
            if builtin && !builtinPaths.contains(Self.realPath(existing.pluginPath)) {
                replaced.insert(identity)
                replacements.append("replaced built-in \(component.kind.rawValue) '\(component.name)' (\(plugin.path)) "
                    + "with \(existing.pluginPath)")
                continue
            }
            throw .componentProvidedTwice(
                kind: component.kind.rawValue, name: component.name,
                firstPath: existing.pluginPath, secondPath: plugin.path)
        }
        for component in plugin.components where !replaced.contains(Self.identity(component.kind, component.name)) {
            byIdentity[Self.identity(component.kind, component.name)] = component
        }
        if builtin { builtinPaths.insert(Self.realPath(plugin.path)) }
        plugins.append(plugin)
    }

    /// Loads the file at `path` (once, by real path) and adds it.
    @discardableResult
    public mutating func load(path: String, builtin: Bool = false) throws(PluginLoadError) -> LoadedPlugin? {
        let real = Self.realPath(path)
        guard loadedPaths.insert(real).inserted else { return nil }
        let plugin = try PluginLoader.load(path: path)
        try add(plugin, builtin: builtin)
        return plugin
    }

    /// The registry with `plugin` in place of the loaded plugin of the same
    /// name (a hot swap's new build); the other plugins stay as loaded.
    public func replacing(with plugin: LoadedPlugin) throws(PluginLoadError) -> PluginRegistry {
        var registry = PluginRegistry()
        try registry.add(plugin)
        registry.loadedPaths.insert(Self.realPath(plugin.path))
        for existing in plugins where existing.name != plugin.name {
            try registry.add(existing, builtin: builtinPaths.contains(Self.realPath(existing.path)))
            registry.loadedPaths.insert(Self.realPath(existing.path))
        }
        return registry
    }

    public func component(_ kind: ComponentKind, named name: String) -> Component? {
        byIdentity[Self.identity(kind, name)]
    }

    /// Every component, sorted by kind and name.
    public var components: [Component] {
        byIdentity.values.sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
    }

    /// Names of the components of one kind, for "did you mean" messages.
    public func names(of kind: ComponentKind) -> [String] {
        components.filter { $0.kind == kind }.map(\.name)
    }

    // MARK: Discovery

    /// Loads `--plugin` paths and `STREAMHOST_PLUGIN_PATH` entries. A
    /// directory contributes every `*.so` in it.
    public mutating func loadExplicit(paths: [String], environmentPath: String?) throws(PluginLoadError) {
        var files: [String] = []
        for path in paths { files += try Self.expand(path, pattern: { $0.hasSuffix(".so") }) }
        for entry in (environmentPath ?? "").split(separator: ":").map(String.init) where !entry.isEmpty {
            files += try Self.expand(entry, pattern: { $0.hasSuffix(".so") })
        }
        for file in files { try load(path: file) }
    }

    /// Loads built-in plugins until every `(kind, name)` in `needed` is
    /// provided. Returns the built-in directory searched, if any.
    public mutating func loadBuiltins(
        providing needed: [(ComponentKind, String)], directories: [String]
    ) throws(PluginLoadError) {
        let missing = needed.filter { component($0.0, named: $0.1) == nil }
        guard !missing.isEmpty else { return }
        for directory in directories {
            let files = (try? Self.expand(directory, pattern: { $0.hasPrefix("libstreamhost-") && $0.hasSuffix(".so") })) ?? []
            for file in files {
                if needed.allSatisfy({ component($0.0, named: $0.1) != nil }) { return }
                try load(path: file, builtin: true)
            }
        }
    }

    /// Loads every built-in plugin (for `plugin list` style commands).
    public mutating func loadAllBuiltins(directories: [String]) throws(PluginLoadError) {
        for directory in directories {
            let files = (try? Self.expand(directory, pattern: { $0.hasPrefix("libstreamhost-") && $0.hasSuffix(".so") })) ?? []
            for file in files { try load(path: file, builtin: true) }
        }
    }

    /// The directories holding this host's own plugins: beside the
    /// executable (a build directory), and `../lib/streamhost` (an install).
    public static func builtinDirectories(executablePath: String) -> [String] {
        let real = realPath(executablePath)
        let directory = real.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return [directory, directory + "/../lib/streamhost"]
    }

    /// The path of the running executable.
    public static var executablePath: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` with symbolic links and `.`/`..` resolved, or `path` itself
    /// when it does not exist.
    public static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A file as itself; a directory as its matching files, sorted.
    static func expand(_ path: String, pattern: (String) -> Bool) throws(PluginLoadError) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return [path] }
        guard let dir = opendir(path) else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if pattern(name) { names.append(name) }
        }
        return names.sorted().map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
    }
}
