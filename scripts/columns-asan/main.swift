// The harness of scripts/columns-asan.sh (not part of any target).
import StreamhostABI

// Builds nested columns, exports and imports them many times, and drops
// everything: AddressSanitizer reports a use after free, LeakSanitizer a
// buffer or export box never freed.
func build(_ rows: Int) -> (Schema, Column) {
    let schema = Schema([
        Field("id", .int64, nullable: false), Field("name", .utf8), Field("amount", .decimal128(precision: 9, scale: 2)),
        Field("customer", .struct([Field("id", .int64), Field("city", .utf8)])),
        Field("tags", .list(Field("item", .utf8))), Field("ok", .bool),
    ])
    let column = Column(schema.structType)
    let c = column.children
    for row in 0..<rows {
        c[0].append(Int64(row))
        if row % 3 == 0 { c[1].appendNull() } else { Array("n\(row)".utf8).withUnsafeBytes { c[1].append(bytes: $0) } }
        c[2].append(Decimal128(Int64(row * 7)))
        if row % 5 == 0 { c[3].appendNull() } else {
            c[3].children[0].append(Int64(row))
            Array("city".utf8).withUnsafeBytes { c[3].children[1].append(bytes: $0) }
            c[3].appendStruct()
        }
        for item in 0..<(row % 4) { Array("t\(item)".utf8).withUnsafeBytes { c[4].children[0].append(bytes: $0) } }
        c[4].appendList()
        c[5].append(row % 2 == 0)
        column.appendStruct()
    }
    return (schema, column)
}

var checksum: Int64 = 0
for round in 0..<200 {
    let (schema, column) = build(100 + round)
    var arrowSchema = ArrowSchema()
    schema.export(to: &arrowSchema)
    let parsed = try! Schema(arrow: &arrowSchema)
    arrowSchema.release(&arrowSchema)
    var array = ArrowArray()
    column.export(to: &array)
    if round % 2 == 0 {
        // Moved in: released when the imported column goes.
        let imported = try! Column.importing(moving: &array, type: parsed.structType)
        for row in 0..<imported.length { checksum &+= imported.children[0].int64(at: row) }
        // A child moved out of an exported parent before release.
        var second = ArrowArray()
        imported.export(to: &second)
        var child = second.children[1]!.pointee
        second.children[1]!.pointee.release = nil
        second.release(&second)
        child.release(&child)
    } else {
        // Released by the consumer directly.
        array.release(&array)
    }
    // A failed import releases too.
    var bad = ArrowArray()
    column.export(to: &bad)
    _ = try? Column.importing(moving: &bad, type: .int64)
    let values = ColumnarValues(schema: schema, values: column, selection: [0, 2])
    checksum &+= Int64(values.arrow.values!.pointee.length)
}
print("checksum \(checksum)")
