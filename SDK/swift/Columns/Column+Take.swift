/// Bulk copies of rows: Arrow's "take" kernel, so that an operator that
/// keeps some columns of its input (map, project) copies them a buffer at a
/// time instead of a value at a time.
extension Column {
    /// A new column (owned buffers, offset 0) holding rows `rows` of this one
    /// in that order, or every row when `rows` is nil. Fixed-width values,
    /// bits, offsets and bytes are copied in typed loops; lists copy their
    /// elements row by row.
    public func take(_ rows: UnsafeBufferPointer<UInt32>?) -> Column {
        let count = rows?.count ?? length
        if let rows { precondition(rows.allSatisfy { Int($0) < length }, "take: a row beyond the column's length") }
        @inline(__always) func source(_ index: Int) -> Int { offset + (rows.map { Int($0[index]) } ?? index) }

        var validity: ColumnBuffer?
        var nullCount = 0
        if let bits = self.validity, self.nullCount > 0 {
            let taken = ColumnBuffer(capacity: (count + 7) / 8)
            taken.base.initializeMemory(as: UInt8.self, repeating: 0, count: (count + 7) / 8)
            taken.count = (count + 7) / 8
            for index in 0..<count {
                if bits.bit(source(index)) { taken.setBit(index, true) } else { nullCount += 1 }
            }
            validity = taken
        }

        let values: ColumnBuffer
        var data: ColumnBuffer?
        var children: [Column] = []
        switch type {
        case .struct:
            values = ColumnBuffer(capacity: 0)
            // A struct's row r is its children's row offset + r, which
            // `childRow` gives; the children's own offsets apply below.
            let childRows = (0..<count).map { UInt32(source($0)) }
            children = self.children.map { child in
                childRows.withUnsafeBufferPointer { child.take($0) }
            }
        case .list:
            let taken = Column(type, capacity: count)
            for index in 0..<count {
                let row = source(index) - offset
                if isNull(row) {
                    taken.appendNull()
                } else {
                    taken.appendRow(of: self, at: row)
                }
            }
            return taken
        case .utf8, .binary:
            values = ColumnBuffer(capacity: (count + 1) * 4)
            values.append(Int32(0))
            let bytes = ColumnBuffer(capacity: 0)
            for index in 0..<count {
                let row = source(index)
                let start = Int(self.values.load(at: row, as: Int32.self))
                let end = Int(self.values.load(at: row + 1, as: Int32.self))
                if end > start {
                    bytes.append(bytes: UnsafeRawBufferPointer(start: self.data!.base + start, count: end - start))
                }
                values.append(Int32(bytes.count))
            }
            precondition(bytes.count <= Int(Int32.max), "a utf8 or binary column larger than 2 GiB")
            data = bytes
        case .bool:
            values = ColumnBuffer(capacity: (count + 7) / 8)
            values.base.initializeMemory(as: UInt8.self, repeating: 0, count: (count + 7) / 8)
            values.count = (count + 7) / 8
            for index in 0..<count where self.values.bit(source(index)) { values.setBit(index, true) }
        default:
            let width = type.fixedWidth!
            values = ColumnBuffer(capacity: count * width)
            if rows == nil {
                values.base.copyMemory(from: self.values.base + offset * width, byteCount: count * width)
            } else {
                switch width {
                case 4: Self.gather(UInt32.self, from: self.values, to: values, count: count, source)
                case 8: Self.gather(UInt64.self, from: self.values, to: values, count: count, source)
                default:
                    for index in 0..<count {
                        (values.base + index * width).copyMemory(from: self.values.base + source(index) * width, byteCount: width)
                    }
                }
            }
            values.count = count * width
        }
        return Column(type: type, length: count, nullCount: nullCount, offset: 0, validity: validity,
                      values: values, data: data, children: children)
    }

    @inline(__always)
    private static func gather<T>(_: T.Type, from: ColumnBuffer, to: ColumnBuffer, count: Int, _ source: (Int) -> Int) {
        let input = from.base.assumingMemoryBound(to: T.self)
        let output = to.base.assumingMemoryBound(to: T.self)
        for index in 0..<count { output[index] = input[source(index)] }
    }

    /// A struct column over `children` (each of `length` rows, offset 0,
    /// not shared with a builder), with the null rows of `nullsOf` (a
    /// column of `length` rows, whose validity bits are copied) or none.
    public static func structOf(_ fields: [Field], children: [Column], length: Int, nullsOf: Column? = nil) -> Column {
        precondition(fields.count == children.count, "a struct column needs one child per field")
        for (field, child) in zip(fields, children) {
            precondition(child.type == field.type && child.length == length && child.offset == 0,
                         "the child for '\(field.name)' has another type, length or an offset")
        }
        var validity: ColumnBuffer?
        var nullCount = 0
        if let nullsOf, nullsOf.nullCount > 0 {
            precondition(nullsOf.length == length, "the null rows come from a column of another length")
            let bits = ColumnBuffer.allSet(bits: length, capacityBits: length)
            for row in 0..<length where nullsOf.isNull(row) {
                bits.setBit(row, false)
                nullCount += 1
            }
            validity = bits
        }
        return Column(type: .struct(fields), length: length, nullCount: nullCount, offset: 0, validity: validity,
                      values: ColumnBuffer(capacity: 0), data: nil, children: children)
    }
}

/// Whole-column access for vectorized kernels: a loop over a column's
/// values without a call per value, and a fixed-width column written in
/// place instead of appended to one value at a time.
extension Column {
    /// The values of a fixed-width column (int32, int64, float64,
    /// decimal128, date32, timestamp) from its first row on, the offset
    /// applied: row `r`'s value is `type.fixedWidth` bytes at `r` times
    /// that width. BORROWED: valid while the column lives.
    public var fixedWidthValues: UnsafeRawPointer {
        guard let width = type.fixedWidth else {
            preconditionFailure("fixedWidthValues of a \(type) column")
        }
        return UnsafeRawPointer(values.base) + offset * width
    }

    /// A new fixed-width column of `length` rows written in place. `body`
    /// gets the values (`length` × `type.fixedWidth` bytes, zeroed) and a
    /// validity bitmap with every row valid; it writes the valid rows'
    /// values, clears the bits of null rows, and returns how many rows it
    /// made null. (A column with no null row keeps no bitmap.)
    public static func writing(_ type: ColumnType, length: Int,
                               _ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<UInt8>) -> Int) -> Column {
        guard let width = type.fixedWidth else {
            preconditionFailure("Column.writing a \(type) column")
        }
        let values = ColumnBuffer(capacity: length * width)
        values.base.initializeMemory(as: UInt8.self, repeating: 0, count: length * width)
        values.count = length * width
        let validity = ColumnBuffer.allSet(bits: length, capacityBits: length)
        let nullCount = body(values.base, validity.base.assumingMemoryBound(to: UInt8.self))
        precondition((0...length).contains(nullCount), "Column.writing: a null count beyond the length")
        return Column(type: type, length: length, nullCount: nullCount, offset: 0,
                      validity: nullCount == 0 ? nil : validity, values: values, data: nil, children: [])
    }
}
