/// What a written keyed-state snapshot is made of, and what restoring it
/// needs: a value the checkpoint coordinator keeps in its manifest, as JSON
/// (`StateSnapshotHandle+JSON.swift`).
///
/// Paths are relative to the directory the snapshot was written to, so the
/// checkpoint storage may move the directory.
public struct StateSnapshotHandle: Sendable, Hashable {
    /// One file of a snapshot.
    public struct File: Sendable, Hashable {
        /// Relative to the snapshot's directory.
        public var relativePath: String
        public var byteSize: Int
        /// CRC-32C (Castagnoli) of the whole file.
        public var crc32c: UInt32
        /// False when an earlier snapshot of the same store already had
        /// this file (the same immutable RocksDB SST file): storage that
        /// keeps both may share it.
        public var isNew: Bool

        public init(relativePath: String, byteSize: Int, crc32c: UInt32, isNew: Bool) {
            self.relativePath = relativePath
            self.byteSize = byteSize
            self.crc32c = crc32c
            self.isNew = isNew
        }
    }

    /// A registered state as the snapshot knows it.
    public struct State: Sendable, Hashable {
        public var name: String
        /// "value" or "map".
        public var kind: String
        public var ttlMs: Int64

        public init(_ descriptor: StateDescriptor) {
            name = descriptor.name
            kind = descriptor.kind == .map ? "map" : "value"
            ttlMs = descriptor.ttlMs
        }

        /// The descriptor, or nil for a kind this build does not know.
        public var descriptor: StateDescriptor? {
            switch kind {
            case "value": return StateDescriptor(name: name, kind: .value, ttlMs: ttlMs)
            case "map": return StateDescriptor(name: name, kind: .map, ttlMs: ttlMs)
            default: return nil
            }
        }
    }

    public var format: StateSnapshotFormat
    /// `CanonicalSnapshotLayout.formatName` or `RocksDBNativeSnapshot.formatName`.
    public var formatName: String
    public var formatVersion: Int
    /// The backend that wrote it ("memory" or "rocksdb").
    public var backend: String
    /// The key groups of the store it was taken from.
    public var firstKeyGroup: Int
    public var lastKeyGroup: Int
    public var files: [File]
    /// The store's registered states, in registration order (a native
    /// RocksDB snapshot keys its entries by that order).
    public var states: [State]
    /// Value and map entries (nil when counting would need a scan: native
    /// RocksDB snapshots).
    public var entryCount: Int?
    /// Timers of both domains (nil as for `entryCount`).
    public var timerCount: Int?
    /// Bytes of all files.
    public var totalBytes: Int
    /// Bytes of the files marked `isNew`: what this snapshot added to the
    /// previous one of the same store.
    public var newBytes: Int

    public init(format: StateSnapshotFormat, formatName: String, formatVersion: Int, backend: String,
                keyGroups: ClosedRange<Int>, files: [File], states: [State], entryCount: Int?, timerCount: Int?) {
        self.format = format
        self.formatName = formatName
        self.formatVersion = formatVersion
        self.backend = backend
        firstKeyGroup = keyGroups.lowerBound
        lastKeyGroup = keyGroups.upperBound
        self.files = files
        self.states = states
        self.entryCount = entryCount
        self.timerCount = timerCount
        totalBytes = files.reduce(0) { $0 + $1.byteSize }
        newBytes = files.reduce(0) { $0 + ($1.isNew ? $1.byteSize : 0) }
    }

    /// The key groups of the store it was taken from.
    public var keyGroups: ClosedRange<Int> { firstKeyGroup...lastKeyGroup }

    /// The registered states as descriptors; throws for a state this build
    /// cannot read.
    func descriptors(directory: String) throws(StateError) -> [StateDescriptor] {
        var descriptors: [StateDescriptor] = []
        for state in states {
            guard let descriptor = state.descriptor else {
                throw .snapshot(path: directory, offset: nil,
                                problem: "state '\(state.name)' has kind '\(state.kind)', which this build does not know "
                                    + "(the snapshot was written by a newer streamhost)")
            }
            descriptors.append(descriptor)
        }
        return descriptors
    }
}
