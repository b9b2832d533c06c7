import Columns
import StreamhostABI
import Testing

/// Builds a column of every type the host reads, nulls included.
func sampleValues() -> (Schema, Column) {
    let schema = Schema([
        Field("flag", .bool), Field("small", .int32), Field("id", .int64, nullable: false), Field("ratio", .float64),
        Field("amount", .decimal128(precision: 9, scale: 2)), Field("name", .utf8), Field("blob", .binary),
        Field("at", .timestampMs), Field("day", .date32),
        Field("customer", .struct([Field("id", .int64), Field("city", .utf8)])),
        Field("tags", .list(Field("item", .utf8))),
    ])
    let column = Column(schema.structType)
    let c = column.children
    for row in 0..<5 {
        let isNull = row == 3
        if isNull { c[0].appendNull() } else { c[0].append(row % 2 == 0) }
        if isNull { c[1].appendNull() } else { c[1].append(int32: Int32(row) - 2) }
        c[2].append(Int64(row) * 1_000_000_007)
        if isNull { c[3].appendNull() } else { c[3].append(Double(row) / 4) }
        if isNull { c[4].appendNull() } else { c[4].append(Decimal128(Int64(row) * 12345 - 20000)) }
        if isNull { c[5].appendNull() } else { "name-\(row)-é".utf8CString.withUnsafeBytes { c[5].append(bytes: UnsafeRawBufferPointer(rebasing: $0.dropLast())) } }
        if isNull { c[6].appendNull() } else { [UInt8(row), 0, 255].withUnsafeBytes { c[6].append(bytes: $0) } }
        if isNull { c[7].appendNull() } else { c[7].append(Int64(1_767_225_600_000 + row)) }
        if isNull { c[8].appendNull() } else { c[8].append(int32: Int32(20454 + row)) }
        if row == 1 {
            c[9].appendNull()
        } else {
            c[9].children[0].append(Int64(row))
            if row == 2 { c[9].children[1].appendNull() } else { "city\(row)".utf8CString.withUnsafeBytes { c[9].children[1].append(bytes: UnsafeRawBufferPointer(rebasing: $0.dropLast())) } }
            c[9].appendStruct()
        }
        if row == 4 {
            c[10].appendNull()
        } else {
            for item in 0..<row { "t\(item)".utf8CString.withUnsafeBytes { c[10].children[0].append(bytes: UnsafeRawBufferPointer(rebasing: $0.dropLast())) } }
            c[10].appendList()
        }
        column.appendStruct()
    }
    return (schema, column)
}

/// Every value of row `row` of a column as text, recursively (for comparing
/// two columns without caring how their buffers are laid out).
func describe(_ column: Column, _ row: Int) -> String {
    if column.isNull(row) { return "null" }
    switch column.type {
    case .bool: return "\(column.bool(at: row))"
    case .int32, .date32: return "\(column.int32(at: row))"
    case .int64, .timestampMs: return "\(column.int64(at: row))"
    case .float64: return "\(column.double(at: row))"
    case .decimal128: return "\(column.decimal(at: row))"
    case .utf8, .binary: return "\(Array(column.bytes(at: row)))"
    case .list: return "[" + column.listRange(at: row).map { describe(column.children[0], $0) }.joined(separator: ",") + "]"
    case .struct: return "{" + column.children.map { describe($0, column.childRow(row)) }.joined(separator: ",") + "}"
    }
}

/// `column` exported and imported again as rows offset ..< offset + length
/// of its buffers (the array's offset set, the null count left to count).
func importedWithOffset(_ column: Column, offset: Int, length: Int) throws -> Column {
    var array = ArrowArray()
    column.export(to: &array)
    array.offset = Int64(offset)
    array.length = Int64(length)
    array.null_count = -1
    return try Column.importing(moving: &array, type: column.type)
}

/// Counts release calls by standing between an array and its producer's
/// release callback.
final class ReleaseCounter {
    nonisolated(unsafe) static var calls = 0
    let original: @convention(c) (UnsafeMutablePointer<ArrowArray>?) -> Void
    let originalData: UnsafeMutableRawPointer?

    init(wrapping array: UnsafeMutablePointer<ArrowArray>) {
        original = array.pointee.release
        originalData = array.pointee.private_data
        array.pointee.private_data = Unmanaged.passRetained(self).toOpaque()
        array.pointee.release = { array in
            let counter = Unmanaged<ReleaseCounter>.fromOpaque(array!.pointee.private_data!).takeRetainedValue()
            ReleaseCounter.calls += 1
            array!.pointee.private_data = counter.originalData
            counter.original(array)
        }
    }
}

/// What an import keeps alive for the test above; notes how many
/// releases had run when it went.
final class Lender {
    nonisolated(unsafe) static var releasesAtDeinit: Int?
    deinit { Lender.releasesAtDeinit = ReleaseCounter.calls }
}

@Suite(.serialized) struct ColumnTests {
    @Test func buildsAndReadsEveryType() {
        let (_, column) = sampleValues()
        #expect(column.length == 5)
        #expect(column.nullCount == 0)
        #expect(column.children[0].nullCount == 1)
        #expect(column.children[4].decimal(at: 1).int64Value == -7655)
        #expect(Array(column.children[5].bytes(at: 2)) == Array("name-2-é".utf8))
        #expect(column.children[9].isNull(1))
        #expect(column.children[9].children[1].isNull(2))
        #expect(describe(column.children[10], 3) == "[\(Array("t0".utf8)),\(Array("t1".utf8)),\(Array("t2".utf8))]")
        #expect(column.children[10].isNull(4))
    }

    @Test func exportThenImportGivesTheSameValuesAndReleasesOnce() throws {
        ReleaseCounter.calls = 0
        weak var weakOriginal: Column?
        var expected: [String] = []
        do {
            let (schema, column) = sampleValues()
            weakOriginal = column
            expected = (0..<column.length).map { describe(column, $0) }
            let arrowSchema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            defer { arrowSchema.deallocate() }
            schema.export(to: arrowSchema)
            let readSchema = try Schema(arrow: arrowSchema)
            arrowSchema.pointee.release(arrowSchema)
            #expect(arrowSchema.pointee.release == nil)
            #expect(readSchema == schema)

            let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            defer { array.deallocate() }
            column.export(to: array)
            _ = ReleaseCounter(wrapping: array)
            let imported = try Column.importing(moving: array, type: readSchema.structType)
            #expect(array.pointee.release == nil, "importing moves the array")
            #expect((0..<imported.length).map { describe(imported, $0) } == expected)
            #expect(ReleaseCounter.calls == 0, "not released while the imported column lives")
        }
        #expect(ReleaseCounter.calls == 1, "released exactly once")
        #expect(weakOriginal == nil, "the release let go of the exported column: nothing leaks")
    }

    /// A batch passed on with the same values (a filter's selection)
    /// shares the exports of the batch it came from, which stay valid
    /// while either lives and are released once, after both.
    @Test func passedOnValuesShareTheirSourcesExports() throws {
        weak var weakColumn: Column?
        do {
            let (schema, column) = sampleValues()
            weakColumn = column
            let expected = (0..<column.length).map { describe(column, $0) }
            var first: ColumnarValues? = ColumnarValues(schema: schema, values: column)
            let second = ColumnarValues(schema: schema, values: column, selection: [0, 2], exportsOf: first)
            let third = ColumnarValues(schema: schema, values: column, selection: [2], exportsOf: second)
            #expect(second.arrow.values == first!.arrow.values && second.arrow.schema == first!.arrow.schema)
            #expect(third.arrow.values == first!.arrow.values)
            #expect(third.isExported(first!.arrow.values!))
            let other = ColumnarValues(schema: schema, values: sampleValues().1, exportsOf: first)
            #expect(other.arrow.values != first!.arrow.values, "other values get exports of their own")
            first = nil
            let view = try Column.viewing(third.arrow.values!, type: try Schema(arrow: third.arrow.schema!).structType)
            #expect((0..<view.length).map { describe(view, $0) } == expected)
            #expect(weakColumn != nil)
        }
        #expect(weakColumn == nil, "the shared exports were released once all batches were gone")
    }

    /// The host imports a plugin's emitted columns keeping the input batch
    /// of the call alive (the columns may share its buffers): until the
    /// producer's release has run, also while only a child is left.
    @Test func anImportKeepsItsLenderUntilTheProducerReleased() throws {
        ReleaseCounter.calls = 0
        Lender.releasesAtDeinit = nil
        weak var weakLender: Lender?
        let (schema, column) = sampleValues()
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        column.export(to: array)
        _ = ReleaseCounter(wrapping: array)
        var lender: Lender? = Lender()
        weakLender = lender
        var imported: Column? = try Column.importing(moving: array, type: schema.structType, keepingAlive: lender)
        lender = nil
        var child: Column? = imported!.children[5]
        imported = nil
        #expect(weakLender != nil, "a column over the array's buffers keeps the lender")
        #expect(ReleaseCounter.calls == 0)
        #expect(child.map { Array($0.bytes(at: 2)) } == Array("name-2-é".utf8))
        child = nil
        #expect(weakLender == nil)
        #expect(ReleaseCounter.calls == 1)
        #expect(Lender.releasesAtDeinit == 1, "the lender outlived the producer's release callback")
    }

    @Test func aFailedImportStillReleasesOnce() throws {
        ReleaseCounter.calls = 0
        let column = Column(.utf8)
        "abc".utf8CString.withUnsafeBytes { column.append(bytes: UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
        defer { array.deallocate() }
        column.export(to: array)
        _ = ReleaseCounter(wrapping: array)
        #expect(throws: ColumnsError.self) { try Column.importing(moving: array, type: .int64) }
        #expect(ReleaseCounter.calls == 1)
    }

    @Test func importRefusesDecreasingOffsets() throws {
        let offsets: [Int32] = [0, 3, 2]
        let bytes: [UInt8] = Array("abc".utf8)
        try offsets.withUnsafeBufferPointer { offsetPointer in
            try bytes.withUnsafeBufferPointer { bytePointer in
                var buffers: [UnsafeRawPointer?] = [nil, UnsafeRawPointer(offsetPointer.baseAddress), UnsafeRawPointer(bytePointer.baseAddress)]
                try buffers.withUnsafeMutableBufferPointer { list in
                    var array = ArrowArray(length: 2, null_count: 0, offset: 0, n_buffers: 3, n_children: 0,
                                           buffers: list.baseAddress, children: nil, dictionary: nil,
                                           release: { $0?.pointee.release = nil }, private_data: nil)
                    let error = #expect(throws: ColumnsError.self) { try Column.viewing(&array, type: .utf8) }
                    #expect(error?.message.contains("offsets decrease at row 1") == true)
                }
            }
        }
    }

    @Test func importHonoursTheArrayOffset() throws {
        let column = Column(.int64)
        for value in [10, 20, 30, 40] as [Int64] { column.append(value) }
        column.appendNull()
        let view = try importedWithOffset(column, offset: 2, length: 3)
        #expect((0..<3).map { describe(view, $0) } == ["30", "40", "null"])
        #expect(view.nullCount == 1)
    }

    /// appendRows (the hash exchange's bulk gather) gives what appendRow
    /// gives row by row: every type, nulls (into a column that had none
    /// yet), a nested struct and a list, rows out of order and repeated,
    /// after a row already there.
    @Test func appendRowsGivesWhatAppendRowGivesRowByRow() {
        let (schema, column) = sampleValues()
        let rows: [UInt32] = [4, 1, 3, 3, 0, 2]
        let one = Column(schema.structType)
        let bulk = Column(schema.structType)
        one.appendRow(of: column, at: 2)
        bulk.appendRow(of: column, at: 2)
        for row in rows { one.appendRow(of: column, at: Int(row)) }
        rows.withUnsafeBufferPointer { bulk.appendRows(of: column, rows: $0) }
        #expect(bulk.length == one.length && bulk.nullCount == one.nullCount)
        #expect((0..<bulk.length).map { describe(bulk, $0) } == (0..<one.length).map { describe(one, $0) })
        #expect(bulk.children[0].nullCount == 2 && bulk.children[5].nullCount == 2)
    }

    /// appendRows reads an imported array through its offset.
    @Test func appendRowsHonoursTheSourceOffset() throws {
        let column = Column(.utf8)
        for text in ["a", "bb", "ccc", "dddd"] {
            text.utf8CString.withUnsafeBytes { column.append(bytes: UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        }
        column.appendNull()
        let view = try importedWithOffset(column, offset: 2, length: 3)
        let gathered = Column(.utf8)
        [UInt32(2), 0, 1].withUnsafeBufferPointer { gathered.appendRows(of: view, rows: $0) }
        #expect((0..<3).map { describe(gathered, $0) } == ["null", "\(Array("ccc".utf8))", "\(Array("dddd".utf8))"])
        #expect(gathered.nullCount == 1)
    }

    @Test func truncateUndoesAPartialRow() {
        let (schema, column) = sampleValues()
        let copy = Column(schema.structType)
        for row in 0..<3 { copy.appendRow(of: column, at: row) }
        copy.children[0].append(true)
        copy.children[5].appendNull()
        copy.truncate(to: 3)
        copy.appendRow(of: column, at: 3)
        #expect((0..<4).map { describe(copy, $0) } == (0..<4).map { describe(column, $0) })
        #expect(copy.children[5].nullCount == column.children[5].nullCount - (column.children[5].isNull(4) ? 1 : 0))
    }
}
