import Columns
import StreamhostKit
import Testing

/// The kit's column helpers: a columnar batch read as typed columns, and
/// typed columns emitted with the rows of a batch.
@Suite struct BatchColumnsTests {
    static let schema = Schema([Field("id", .int64), Field("name", .utf8)])

    /// A columnar sh_batch of `values` (ids 0..<count, names "n<id>") with
    /// `selection`, handed to `body`.
    static func withColumnarBatch<T>(count: Int, selection: [UInt32]?, _ body: (UnsafePointer<sh_batch>) throws -> T) rethrows -> T {
        let values = Column(schema.structType)
        for id in 0..<count {
            values.children[0].append(Int64(id))
            Array("n\(id)".utf8).withUnsafeBytes { values.children[1].append(bytes: $0) }
            values.appendStruct()
        }
        var arrowSchema = ArrowSchema()
        var arrowArray = ArrowArray()
        schema.export(to: &arrowSchema)
        values.export(to: &arrowArray)
        defer {
            arrowSchema.release?(&arrowSchema)
            arrowArray.release?(&arrowArray)
        }
        let timestamps = (0..<count).map { Int64($0) * 10 }
        return try timestamps.withUnsafeBufferPointer { times in
            try (selection ?? []).withUnsafeBufferPointer { rows in
                var batch = sh_batch()
                batch.struct_size = UInt32(MemoryLayout<sh_batch>.size)
                batch.count = UInt32(count)
                batch.timestamps = times.baseAddress
                batch.format = UInt32(SH_FORMAT_COLUMNS)
                if selection != nil {
                    batch.selection = rows.baseAddress
                    batch.selection_count = UInt32(rows.count)
                }
                return try withUnsafePointer(to: &arrowSchema) { schemaPointer in
                    try withUnsafePointer(to: &arrowArray) { arrayPointer in
                        batch.schema = schemaPointer
                        batch.columns = arrayPointer
                        return try body(&batch)
                    }
                }
            }
        }
    }

    @Test func aColumnarBatchReadsAsTypedColumns() throws {
        try Self.withColumnarBatch(count: 5, selection: [1, 3]) { pointer in
            let batch = Batch(pointer)
            #expect(batch.isColumnar)
            #expect(try batch.schema() == Self.schema)
            let values = try batch.columns()
            #expect(values.length == 5)
            #expect(values.child(named: "id")?.int64(at: 3) == 3)
            #expect(values.child(named: "name").map { String(decoding: $0.bytes(at: 4), as: UTF8.self) } == "n4")
            #expect(batch.recordRows == [1, 3])
            #expect(Array(batch.timestamps) == [0, 10, 20, 30, 40])
        }
    }

    @Test func aByteBatchIsNotColumnar() throws {
        withBatch([SeenRecord(value: "{}")]) { pointer in
            let batch = Batch(pointer)
            #expect(!batch.isColumnar)
            #expect(batch.selection == nil)
            #expect(throws: PluginError.self) { try batch.columns() }
        }
    }

    @Test func emittedColumnsReachTheHostWithTheBatchRowsAndSelection() throws {
        let fake = FakeContext()
        try Self.withColumnarBatch(count: 4, selection: nil) { pointer in
            let batch = Batch(pointer)
            let input = try batch.columns()
            // A column computed from the input, plus a copy of its ids.
            let doubled = Column(.int64)
            for row in 0..<4 { doubled.append(input.children[0].int64(at: row) * 2) }
            let schema = Schema([Field("id", .int64), Field("doubled", .int64)])
            let output = Column.structOf(schema.fields, children: [input.children[0].take(nil), doubled], length: 4,
                                         nullsOf: input)
            try fake.context.emit(columns: output, schema: schema, rowsOf: batch, selection: [0, 2])
        }
        #expect(fake.emittedColumns.count == 1)
        let emitted = fake.emittedColumns[0]
        #expect(emitted.schema.fields.map(\.name) == ["id", "doubled"])
        #expect(emitted.selection == [0, 2])
        #expect(emitted.timestamps == [0, 10, 20, 30])
        // The copy outlives the input batch's buffers.
        #expect((0..<4).map { emitted.values.children[0].int64(at: $0) } == [0, 1, 2, 3])
        #expect((0..<4).map { emitted.values.children[1].int64(at: $0) } == [0, 2, 4, 6])
    }
}
