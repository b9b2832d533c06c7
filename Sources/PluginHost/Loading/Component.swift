import Columns
import Core
import StreamhostABI

/// The three kinds of components.
public enum ComponentKind: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    case source, `operator`, sink

    init?(raw: sh_component_kind) {
        switch raw {
        case SH_KIND_SOURCE: self = .source
        case SH_KIND_OPERATOR: self = .operator
        case SH_KIND_SINK: self = .sink
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// A component a loaded plugin provides: its metadata and its vtable.
///
/// # Thread safety
/// Immutable; the vtable and strings point into the plugin's static
/// descriptor, which lives as long as the process (plugins are never
/// unloaded).
public struct Component: @unchecked Sendable {
    public let kind: ComponentKind
    public let name: String
    public let description: String
    /// The parsed config schema; nil when the component takes no config.
    public let configSchema: JSONSchema?
    /// The schema's text as the plugin declared it.
    public let configSchemaText: String?
    public let stateVersion: UInt32
    /// Inputs an operator takes (1 unless it declares more).
    public let inputCount: Int
    public let pluginName: String
    public let pluginVersion: String
    public let pluginPath: String
    /// The file the host loaded: a hot swap's private copy of
    /// `pluginPath` (`PluginLoader.loadCopy`), else `pluginPath` itself.
    public let loadedPath: String
    /// ABI 1.3: the formats process accepts and the instance emits (bytes
    /// for components of older plugins).
    public let inputFormats: DataFormats
    public let outputFormats: DataFormats
    /// The component as the plugin's descriptor lists it (passed to create).
    let raw: UnsafePointer<sh_component>
    let vtable: UnsafePointer<sh_component_vtable>
    let vtableSize: UInt32
    /// ABI 1.3: the optional `output_schema` callback.
    let outputSchemaCallback: (@convention(c) (
        UnsafePointer<sh_component>?, UnsafePointer<CChar>?, Int, UnsafeMutablePointer<ArrowSchema>?
    ) -> sh_status)?

    /// ABI 1.3: the schema the component says its output has when
    /// configured with `config` (the validated config), through its
    /// `output_schema` callback; nil when it has none or answers
    /// SH_NOT_FOUND.
    public func declaredOutputSchema(config: JSONValue) throws(ColumnsError) -> Schema? {
        guard let callback = outputSchemaCallback else { return nil }
        let text = config.serialized()
        var arrow = ArrowSchema()
        let status = text.withCString { callback(raw, $0, text.utf8.count, &arrow) }
        if status == Status.notFound { return nil }
        guard status == Status.ok else {
            throw ColumnsError(path: "", "component '\(name)' (\(pluginPath)): output_schema returned \(Status.name(status))")
        }
        defer { if let release = arrow.release { release(&arrow) } }
        do {
            return try Schema(arrow: &arrow)
        } catch {
            throw ColumnsError(path: error.path, "component '\(name)' (\(pluginPath)) declares an output schema the host "
                + "cannot read: \(error.message)")
        }
    }

    /// Names of the optional callbacks the component provides.
    public var providedCallbacks: [String] {
        let table: [(String, Bool)] = [
            ("open", vtable.pointee.open != nil), ("process", vtable.pointee.process != nil),
            ("poll", vtable.pointee.poll != nil), ("on_watermark", vtable.pointee.on_watermark != nil),
            ("on_timer", vtable.pointee.on_timer != nil), ("snapshot", vtable.pointee.snapshot != nil),
            ("restore", vtable.pointee.restore != nil), ("migrate", vtable.pointee.migrate != nil),
            ("on_checkpoint", vtable.pointee.on_checkpoint != nil),
            ("on_checkpoint_complete", vtable.pointee.on_checkpoint_complete != nil),
            ("on_checkpoint_abort", vtable.pointee.on_checkpoint_abort != nil),
            ("close", vtable.pointee.close != nil),
            ("output_schema", outputSchemaCallback != nil),
        ]
        return table.filter(\.1).map(\.0)
    }
}

/// The formats records cross the ABI in (`SH_FORMAT_*` bits).
public struct DataFormats: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Key and value bytes: every ABI 1.x plugin.
    public static let bytes = DataFormats(rawValue: UInt32(SH_FORMAT_BYTES))
    /// Typed columns: an Arrow struct array (ABI 1.3).
    public static let columns = DataFormats(rawValue: UInt32(SH_FORMAT_COLUMNS))
    public static let all: DataFormats = [.bytes, .columns]

    public var description: String {
        switch self {
        case .bytes: return "bytes"
        case .columns: return "columns"
        case .all: return "bytes, columns"
        default: return "none"
        }
    }
}

/// A plugin file that passed every check.
public struct LoadedPlugin: Sendable {
    /// The file as the user named it.
    public let path: String
    /// The file the host loaded: a hot swap's private copy of `path`,
    /// else `path` itself.
    public let loadedPath: String
    public let name: String
    public let version: String
    public let abiMajor: UInt16
    public let abiMinor: UInt16
    public let components: [Component]
    /// UDFs the plugin exports (name, symbol, signature): used by expressions.
    public let functions: [ExportedFunction]
}

/// A C function a plugin declares for expressions.
public struct ExportedFunction: Sendable, Hashable {
    public let name: String
    public let symbol: String
    public let signature: String
    public let freeSymbol: String?
    public let isVectorized: Bool
}
