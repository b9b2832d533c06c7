/// Reads a canonical snapshot file (`CanonicalSnapshotLayout`): checks its
/// frame when opened, then reads only the key-group blocks asked for.
///
/// # Thread safety
/// One thread at a time.
final class CanonicalSnapshotReader {
    struct Block {
        let keyGroup: Int
        let entryCount: Int
        let timerCount: Int
        let offset: Int
        let length: Int
    }

    typealias Layout = CanonicalSnapshotLayout
    let path: String
    let keyGroups: ClosedRange<Int>
    let descriptors: [StateDescriptor]
    let blocks: [Block]
    private let file: SnapshotInputFile

    /// Opens the file and checks its header, footer, state table and index.
    init(path: String, expectedBytes: Int) throws(StateError) {
        self.path = path
        file = try SnapshotInputFile(path: path, expectedBytes: expectedBytes)
        let size = file.byteSize
        guard size >= Layout.headerBytes + Layout.footerBytes + 8 else {
            throw .snapshot(path: path, offset: 0,
                            problem: "the file has \(size) bytes, fewer than an empty canonical snapshot")
        }

        var header = SnapshotByteReader(try file.read(at: 0, count: Layout.headerBytes, "the header"),
                                        fileOffset: 0, path: path)
        let magic = try header.bytes(8, "the magic number")
        guard magic == Layout.headerMagic else {
            throw header.damaged("bad magic number: not a canonical keyed-state snapshot", at: 0)
        }
        let version = try header.uint32("the version")
        _ = try header.uint32("the flags")
        let first = Int(try header.uint32("the first key group"))
        let last = Int(try header.uint32("the last key group"))
        _ = try header.uint32("reserved")
        try header.checkCRC(from: 0, "the header")
        guard version == Layout.version else {
            throw .snapshot(path: path, offset: 8,
                            problem: "format version \(version) is not one this build reads (it reads version "
                                + "\(Layout.version)); restore it with the streamhost that wrote it, or a newer one")
        }
        guard first <= last else {
            throw .snapshot(path: path, offset: 16, problem: "key-group range \(first)...\(last) is empty")
        }
        keyGroups = first...last

        let footerOffset = size - Layout.footerBytes
        var footer = SnapshotByteReader(try file.read(at: footerOffset, count: Layout.footerBytes, "the footer"),
                                        fileOffset: footerOffset, path: path)
        let indexOffset = try footer.uint64("the index offset")
        let indexLength = try footer.uint64("the index length")
        guard try footer.bytes(8, "the footer's magic number") == Layout.footerMagic else {
            throw footer.damaged("bad footer magic number: the file is truncated or not a canonical snapshot", at: 16)
        }
        _ = try footer.uint32("reserved")
        try footer.checkCRC(from: 0, "the footer")
        guard indexOffset <= UInt64(footerOffset), indexLength == UInt64(footerOffset) - indexOffset,
              indexLength >= UInt64(Layout.indexHeaderBytes + Layout.crcBytes) else {
            throw .snapshot(path: path, offset: footerOffset,
                            problem: "the footer's index (offset \(indexOffset), \(indexLength) bytes) does not end "
                                + "where the footer starts")
        }

        // The state table: its length first, then the whole table.
        var tableLength = SnapshotByteReader(
            try file.read(at: Layout.stateTableOffset, count: 4, "the state table's length"),
            fileOffset: Layout.stateTableOffset, path: path)
        let bodyLength = Int(try tableLength.uint32("the state table's length"))
        let tableEnd = Layout.stateTableOffset + 4 + bodyLength + Layout.crcBytes
        guard tableEnd <= Int(indexOffset) else {
            throw .snapshot(path: path, offset: Layout.stateTableOffset,
                            problem: "the state table's length \(bodyLength) runs past the index at \(indexOffset)")
        }
        var table = SnapshotByteReader(
            try file.read(at: Layout.stateTableOffset, count: tableEnd - Layout.stateTableOffset, "the state table"),
            fileOffset: Layout.stateTableOffset, path: path)
        table.position = 4 + bodyLength
        try table.checkCRC(from: 0, "the state table")
        table.position = 4
        let stateCount = Int(try table.uint32("the number of states"))
        var descriptors: [StateDescriptor] = []
        for index in 0..<stateCount {
            let at = table.position
            let kind = try table.uint8("the kind of state \(index)")
            let ttlMs = try table.int64("the TTL of state \(index)")
            let nameBytes = try table.lengthPrefixed("the name of state \(index)")
            guard kind <= 1, ttlMs >= 0, let name = String(validating: nameBytes, as: UTF8.self), !name.isEmpty else {
                throw table.damaged("state \(index) has kind \(kind), TTL \(ttlMs) ms and a name that is not "
                    + "valid UTF-8 or is empty", at: at)
            }
            descriptors.append(StateDescriptor(name: name, kind: kind == 1 ? .map : .value, ttlMs: ttlMs))
        }
        guard table.position == 4 + bodyLength else {
            throw table.damaged("the state table has \(4 + bodyLength - table.position) bytes after its last state")
        }
        self.descriptors = descriptors

        // The index, and that its blocks tile the file.
        var index = SnapshotByteReader(try file.read(at: Int(indexOffset), count: Int(indexLength), "the index"),
                                       fileOffset: Int(indexOffset), path: path)
        index.position = Int(indexLength) - Layout.crcBytes
        try index.checkCRC(from: 0, "the index")
        index.position = 0
        let blockCount = Int(try index.uint32("the number of blocks"))
        _ = try index.uint32("reserved")
        guard Layout.indexHeaderBytes + blockCount * Layout.indexEntryBytes + Layout.crcBytes == Int(indexLength) else {
            throw index.damaged("the index lists \(blockCount) blocks but has \(indexLength) bytes", at: 0)
        }
        var blocks: [Block] = []
        blocks.reserveCapacity(blockCount)
        var expectedOffset = tableEnd
        for number in 0..<blockCount {
            let at = index.position
            let keyGroup = Int(try index.uint32("a key group"))
            let entryCount = Int(try index.uint32("an entry count"))
            let timerCount = Int(try index.uint32("a timer count"))
            _ = try index.uint32("reserved")
            let offset = try index.uint64("a block offset")
            let length = try index.uint64("a block length")
            guard keyGroups.contains(keyGroup), blocks.last.map({ $0.keyGroup < keyGroup }) ?? true,
                  offset == UInt64(expectedOffset),
                  length >= UInt64(Layout.blockHeaderBytes + Layout.crcBytes),
                  length <= indexOffset - offset else {
                throw index.damaged("index entry \(number) (key group \(keyGroup), offset \(offset), \(length) bytes) "
                    + "does not follow the previous block or leaves the file's key groups \(first)...\(last)", at: at)
            }
            blocks.append(Block(keyGroup: keyGroup, entryCount: entryCount, timerCount: timerCount,
                                offset: Int(offset), length: Int(length)))
            expectedOffset = Int(offset + length)
        }
        guard expectedOffset == Int(indexOffset) else {
            throw .snapshot(path: path, offset: expectedOffset,
                            problem: "the blocks end at \(expectedOffset) but the index starts at \(indexOffset)")
        }
        self.blocks = blocks
    }

    /// Every entry and timer of the key groups in `range`, in key-group
    /// order, each block checked before any of its records is passed on.
    func forEachEntry(in range: ClosedRange<Int>, _ body: (StateEntry) throws(StateError) -> Void) throws(StateError) {
        for block in blocks where range.contains(block.keyGroup) {
            let bytes = try file.read(at: block.offset, count: block.length, "the block of key group \(block.keyGroup)")
            var reader = SnapshotByteReader(bytes, fileOffset: block.offset, path: path)
            reader.position = block.length - Layout.crcBytes
            try reader.checkCRC(from: 0, "the block of key group \(block.keyGroup)")
            reader.position = 0
            let keyGroup = Int(try reader.uint32("the block's key group"))
            let entryCount = Int(try reader.uint32("the block's entry count"))
            let timerCount = Int(try reader.uint32("the block's timer count"))
            _ = try reader.uint32("reserved")
            let payloadLength = try reader.uint64("the block's payload length")
            guard keyGroup == block.keyGroup, entryCount == block.entryCount, timerCount == block.timerCount,
                  payloadLength == UInt64(block.length - Layout.blockHeaderBytes - Layout.crcBytes) else {
                throw reader.damaged("the block's header (key group \(keyGroup), \(entryCount) entries, \(timerCount) "
                    + "timers, \(payloadLength) bytes) disagrees with the index", at: 0)
            }
            let payloadEnd = block.length - Layout.crcBytes
            var entries = 0
            var timers = 0
            var decoded: [StateEntry] = []
            decoded.reserveCapacity(entryCount + timerCount)
            while reader.position < payloadEnd {
                let at = reader.position
                let type = try reader.uint8("a record type")
                switch type {
                case Layout.recordValue, Layout.recordMap:
                    let stateIndex = Int(try reader.uint32("a state index"))
                    guard stateIndex < descriptors.count else {
                        throw reader.damaged("a record refers to state \(stateIndex); the file has \(descriptors.count)",
                                             at: at)
                    }
                    let descriptor = descriptors[stateIndex]
                    guard (type == Layout.recordMap) == (descriptor.kind == .map) else {
                        throw reader.damaged("a \(type == Layout.recordMap ? "map" : "value") record of state "
                            + "'\(descriptor.name)', which is \(descriptor.kind) state", at: at)
                    }
                    let expiresAt = try reader.int64("an expiry")
                    let key = try reader.lengthPrefixed("a key")
                    let userKey = type == Layout.recordMap ? try reader.lengthPrefixed("a user key") : nil
                    let value = try reader.lengthPrefixed("a value")
                    decoded.append(.value(state: descriptor, keyGroup: keyGroup, key: key, userKey: userKey,
                                          value: value, expiresAt: expiresAt == Layout.noExpiry ? nil : expiresAt))
                    entries += 1
                case Layout.recordEventTimer, Layout.recordProcessingTimer:
                    let time = try reader.int64("a timer's time")
                    let key = try reader.lengthPrefixed("a timer's key")
                    decoded.append(.timer(FiredTimer(
                        domain: type == Layout.recordEventTimer ? .eventTime : .processingTime,
                        time: time, keyGroup: keyGroup, key: key)))
                    timers += 1
                default:
                    throw reader.damaged("unknown record type \(type)", at: at)
                }
                guard reader.position <= payloadEnd else {
                    throw reader.damaged("a record runs past the end of its block's payload", at: at)
                }
            }
            guard entries == entryCount, timers == timerCount else {
                throw reader.damaged("the block of key group \(keyGroup) holds \(entries) entries and \(timers) timers; "
                    + "its header says \(entryCount) and \(timerCount)", at: 0)
            }
            // Records go on only once the whole block parsed, so a damaged
            // block adds nothing to the store.
            for entry in decoded { try body(entry) }
        }
    }
}
