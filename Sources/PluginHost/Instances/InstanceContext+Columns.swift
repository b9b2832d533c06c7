import Columns
import Core
import StreamhostABI

/// ABI 1.3 output: typed columns, selections and headers.
extension InstanceContext {
    /// `emit_columns`: takes the moved arrays, copies the rows' metadata.
    /// Inside process the arrays keep the input batch alive until their
    /// release callback has run: they may share its buffers (streamhost.h,
    /// `sh_batch`; map and project pass columns on that way).
    func emitColumns(schema: UnsafeMutablePointer<ArrowSchema>?, columns: UnsafeMutablePointer<ArrowArray>?,
                     rows: UnsafePointer<sh_batch>?) -> sh_status {
        // Take ownership first: the arrays are the host's whatever happens.
        var ownedSchema = ArrowSchema()
        if let schema, schema.pointee.release != nil {
            ownedSchema = schema.pointee
            schema.pointee.release = nil
        }
        defer { if let release = ownedSchema.release { release(&ownedSchema) } }
        var column: Column?
        var importError: ColumnsError?
        var readSchema: Schema?
        do throws(ColumnsError) {
            guard schema != nil, columns != nil else {
                throw ColumnsError(path: "", "schema and columns must not be NULL")
            }
            let parsed = try Schema(arrow: &ownedSchema)
            readSchema = parsed
            column = try Column.importing(moving: columns!, type: parsed.structType, keepingAlive: currentInput)
        } catch {
            importError = error
            // A failed import still released what it took; an array not
            // reached is released here.
            if let columns, let release = columns.pointee.release { release(columns) }
        }
        let status = checkEmit("emit_columns")
        guard status == Status.ok else { return status }
        if let importError {
            breach("\(label) called emit_columns with arrays the host cannot read: \(importError)")
            return Status.invalid
        }
        guard let rows else {
            breach("\(label) called emit_columns without rows (timestamps are required)")
            return Status.invalid
        }
        var meta = rows.pointee
        meta.format = UInt32(SH_FORMAT_BYTES)
        meta.schema = nil
        meta.columns = nil
        meta.value_offsets = nil
        meta.values = nil
        return appendTyped(meta, schema: readSchema!, values: column!, sharedFrom: nil)
    }

    /// `emit_batch` of a 1.3 batch with columns, a selection or headers.
    func emitWhole(_ b: sh_batch) -> sh_status {
        guard b.format != UInt32(SH_FORMAT_COLUMNS) else {
            guard let schemaPointer = b.schema, let array = b.columns else {
                setLastHostError("emit_batch: a columns batch needs schema and columns")
                breach("\(label) called emit_batch with a columns batch without schema or columns")
                return Status.invalid
            }
            if let input = currentInput?.columnar, input.isExported(array) {
                return appendTyped(b, schema: input.schema, values: input.values!, sharedFrom: input)
            }
            // Foreign arrays are COPIED: view them, then copy the rows.
            do throws(ColumnsError) {
                let schema = try Schema(arrow: schemaPointer)
                let view = try Column.viewing(array, type: schema.structType)
                let copy = Column(view.type, capacity: view.length)
                for row in 0..<view.length { copy.appendRow(of: view, at: row) }
                return appendTyped(b, schema: schema, values: copy, sharedFrom: nil)
            } catch {
                breach("\(label) called emit_batch with columns the host cannot read: \(error)")
                return Status.invalid
            }
        }
        return appendTyped(b, schema: Schema([]), values: nil, sharedFrom: nil)
    }

    /// Builds the output batch of rows `b` describes with `values` (nil:
    /// the values are b's bytes).
    /// `sharedFrom`: the input batch whose values these are (zero-copy
    /// pass-through: its Arrow exports are shared too).
    private func appendTyped(_ b: sh_batch, schema: Schema, values: Column?, sharedFrom input: ColumnarValues?) -> sh_status {
        let count = Int(b.count)
        guard count == 0 || b.timestamps != nil else {
            breach("\(label): a batch of \(count) rows without timestamps was emitted")
            return Status.invalid
        }
        if let values, values.length != count {
            breach("\(label) emitted columns of \(values.length) rows with count \(count)")
            return Status.invalid
        }
        var selection: [UInt32]?
        if let rows = b.selection {
            let list = [UInt32](UnsafeBufferPointer(start: rows, count: Int(b.selection_count)))
            var previous = -1
            for row in list {
                guard Int(row) > previous, Int(row) < count else {
                    breach("\(label) emitted a selection that is not strictly ascending row indexes below count \(count) "
                        + "(row \(row) after \(previous))")
                    return Status.invalid
                }
                previous = Int(row)
            }
            selection = list
        }
        var headers: Column?
        if let headersArray = b.headers {
            do throws(ColumnsError) {
                headers = try ColumnarValues.copyingHeaders(headersArray, rows: count)
            } catch {
                breach("\(label) emitted headers the host cannot read: \(error)")
                return Status.invalid
            }
        }
        // Rows: timestamps and keys copied; byte values copied when there
        // are no typed ones.
        let out = RecordBatch(recordCapacity: max(count, 1), valueBytesCapacity: 64)
        if count > 0 {
            if values == nil {
                guard b.value_offsets != nil else {
                    breach("\(label) emitted a bytes batch without value_offsets")
                    return Status.invalid
                }
                out.append(count: count, timestamps: b.timestamps, keyOffsets: b.key_offsets, keys: b.keys,
                           valueOffsets: b.value_offsets, values: b.values, flags: b.flags)
            } else {
                // Only key nulls carry over: a null value is a null struct
                // row. (No value offsets or flags copied per batch.)
                out.append(count: count, timestamps: b.timestamps, keyOffsets: b.key_offsets, keys: b.keys,
                           valueOffsets: nil, values: nil, flags: b.flags, flagMask: RecordBatch.keyNullFlag)
            }
        }
        out.columnar = ColumnarValues(schema: schema, values: values, selection: selection, headers: headers,
                                      exportsOf: input)
        // A source's output is cut at watermarks by row ranges: give it no
        // selection (its rows are copied once, here).
        appendOutput(kind == .source && selection != nil ? out.compacted() : out)
        return Status.ok
    }
}
