import StreamhostABI

/// A request to rewrite one piece of old state from `fromVersion` to
/// `toVersion` of a component's state layout, given to
/// `Component.migrate(_:context:)`.
///
/// The host asks when it restores a checkpoint written with another
/// `stateVersion` than the component's current one: once per operator blob,
/// keyed value or map entry.
///
/// # Ownership
/// `key` and `data` are BORROWED from the host for the call: copy what you
/// keep. The strings are Swift copies.
public struct Migration {
    /// What the old data is.
    public enum Kind: Sendable, Equatable {
        /// A value of a keyed value state (`stateName`, `key`).
        case keyedValue
        /// An entry of a keyed map state (`stateName`, `key`).
        case mapEntry
        /// The operator-level blob written by `snapshot`.
        case operatorBlob
    }

    /// What the old data is.
    public var kind: Kind
    /// The state layout version the data was written with.
    public var fromVersion: UInt32
    /// The version to rewrite it to (the component's `stateVersion`).
    public var toVersion: UInt32
    /// The keyed state's name; `nil` for an operator blob.
    public var stateName: String?
    /// The version of the plugin that wrote the data ("" if the host did not
    /// say).
    public var fromPluginVersion: String
    /// The record key of a keyed value or map entry; `nil` for an operator
    /// blob. BORROWED for the call.
    public var key: UnsafeRawBufferPointer?
    /// The old value or blob. BORROWED for the call.
    public var data: UnsafeRawBufferPointer

    /// A request made in Swift (for tests of a component's migrate).
    public init(
        kind: Kind, fromVersion: UInt32, toVersion: UInt32, stateName: String? = nil, fromPluginVersion: String = "",
        key: UnsafeRawBufferPointer? = nil, data: UnsafeRawBufferPointer
    ) {
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.stateName = stateName
        self.fromPluginVersion = fromPluginVersion
        self.key = key
        self.data = data
    }

    /// Reads the host's request. Every member of `sh_migration` is 1.0, so a
    /// struct smaller than the 1.0 one, or a kind this kit does not know,
    /// is refused rather than guessed at.
    init(_ raw: UnsafePointer<sh_migration>) throws {
        let request = raw.pointee
        let size = MemoryLayout<sh_migration>.size
        guard Int(request.struct_size) >= size else {
            throw PluginError.failed(
                "migrate: the host's sh_migration has \(request.struct_size) bytes, the kit needs \(size) (ABI 1.0)")
        }
        let kind: Kind
        switch request.kind {
        case SH_MIGRATE_KEYED_VALUE: kind = .keyedValue
        case SH_MIGRATE_MAP_ENTRY: kind = .mapEntry
        case SH_MIGRATE_OPERATOR_BLOB: kind = .operatorBlob
        default:
            throw PluginError.failed("migrate: unknown migration kind \(request.kind.rawValue) from the host")
        }
        self.init(
            kind: kind, fromVersion: request.from_version, toVersion: request.to_version,
            stateName: request.state_name.map { String(cString: $0) },
            fromPluginVersion: request.from_plugin_version.map { String(cString: $0) } ?? "",
            key: kind == .operatorBlob ? nil : request.key.map { UnsafeRawBufferPointer(start: $0, count: request.key_len) },
            data: UnsafeRawBufferPointer(start: request.data, count: request.data == nil ? 0 : request.len))
    }
}
