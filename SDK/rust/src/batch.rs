//! Borrowed views of the batches `process` receives, and records.
use crate::sys;
use std::ffi::CStr;
use std::ptr;
use std::slice;

/// One record: for reading (borrowed from a batch) and for emit/reject (the
/// host copies it). `None` is a null key or a null value (a tombstone);
/// `Some(&[])` is an empty one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Event time, ms since the Unix epoch.
    pub timestamp: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
}

impl<'a> Record<'a> {
    pub fn new(timestamp: i64, key: Option<&'a [u8]>, value: Option<&'a [u8]>) -> Self {
        Record { timestamp, key, value }
    }

    pub(crate) fn raw(&self) -> sys::sh_record {
        // A non-NULL pointer for an empty key or value: NULL means null.
        fn parts(bytes: Option<&[u8]>) -> (*const u8, usize) {
            match bytes {
                None => (ptr::null(), 0),
                Some(b) if b.is_empty() => (ptr::NonNull::<u8>::dangling().as_ptr() as *const u8, 0),
                Some(b) => (b.as_ptr(), b.len()),
            }
        }
        let (key, key_len) = parts(self.key);
        let (value, value_len) = parts(self.value);
        sys::sh_record { timestamp: self.timestamp, key, key_len, value, value_len }
    }
}

/// The format a batch's values come in (ABI 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Key and value byte columns (JSON or CSV text...).
    Bytes,
    /// Typed columns: an Arrow struct array (`Batch::columns`).
    Columns,
}

/// A read-only batch, BORROWED for the callback that received it.
///
/// Its records are the rows its selection lists (every row without one);
/// `records()` walks them in order without allocating.
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    raw: &'a sys::sh_batch,
}

impl<'a> Batch<'a> {
    /// # Safety
    /// `raw` is a batch valid as the header says for `'a`.
    pub unsafe fn from_raw(raw: &'a sys::sh_batch) -> Self {
        Batch { raw }
    }

    /// The raw batch.
    pub fn raw(&self) -> &'a sys::sh_batch {
        self.raw
    }

    /// Which input of the step it came from (0 unless it has several).
    pub fn input(&self) -> u32 {
        self.raw.input
    }

    pub fn format(&self) -> Format {
        // Batches of ABI 1.2 and older end before `format`.
        if (self.raw.struct_size as usize) >= std::mem::size_of::<sys::sh_batch>()
            && self.raw.format == sys::SH_FORMAT_COLUMNS
        {
            Format::Columns
        } else {
            Format::Bytes
        }
    }

    fn selection(&self) -> Option<&'a [u32]> {
        if (self.raw.struct_size as usize) < std::mem::size_of::<sys::sh_batch>() || self.raw.selection.is_null() {
            None
        } else {
            // SAFETY: selection_count entries, valid for 'a.
            Some(unsafe { slice::from_raw_parts(self.raw.selection, self.raw.selection_count as usize) })
        }
    }

    /// Rows of the batch, selected or not.
    pub fn row_count(&self) -> u32 {
        self.raw.count
    }

    /// Records of the batch (its selection applied).
    pub fn len(&self) -> usize {
        match self.selection() {
            Some(rows) => rows.len(),
            None => self.raw.count as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row of record `index`.
    pub fn row(&self, index: usize) -> u32 {
        match self.selection() {
            Some(rows) => rows[index],
            None => {
                assert!(index < self.raw.count as usize, "record {} of a batch of {}", index, self.raw.count);
                index as u32
            }
        }
    }

    /// Row `row`'s record. Its value is `None` in a columns batch: read the
    /// values there with `columns()`.
    pub fn record_at_row(&self, row: u32) -> Record<'a> {
        assert!(row < self.raw.count, "row {} of a batch of {}", row, self.raw.count);
        let i = row as usize;
        let b = self.raw;
        // SAFETY: every pointer is valid for `count` rows ('a); NULL
        // columns and flags are handled as the header says.
        unsafe {
            let flags = if b.flags.is_null() { 0 } else { *b.flags.add(i) };
            let key = if b.key_offsets.is_null() || flags & sys::SH_RECORD_KEY_NULL != 0 {
                None
            } else {
                let start = *b.key_offsets.add(i) as usize;
                let end = *b.key_offsets.add(i + 1) as usize;
                Some(bytes(b.keys, start, end))
            };
            let value = if self.format() == Format::Columns
                || b.value_offsets.is_null()
                || flags & sys::SH_RECORD_VALUE_NULL != 0
            {
                None
            } else {
                let start = *b.value_offsets.add(i) as usize;
                let end = *b.value_offsets.add(i + 1) as usize;
                Some(bytes(b.values, start, end))
            };
            Record { timestamp: *b.timestamps.add(i), key, value }
        }
    }

    /// Record `index` (its selection applied).
    pub fn get(&self, index: usize) -> Record<'a> {
        self.record_at_row(self.row(index))
    }

    /// The records in order.
    pub fn records(&self) -> Records<'a> {
        Records { batch: *self, next: 0, end: self.len() }
    }

    /// The values as typed columns, for a columns batch.
    pub fn columns(&self) -> Option<Columns<'a>> {
        if self.format() != Format::Columns || self.raw.columns.is_null() || self.raw.schema.is_null() {
            return None;
        }
        // SAFETY: BORROWED for 'a.
        unsafe { Some(Columns { schema: &*self.raw.schema, array: &*self.raw.columns }) }
    }

    /// Kafka's record headers of the batch as an Arrow list array (NULL: no
    /// record has any), for reading with the raw bindings.
    pub fn headers(&self) -> Option<&'a sys::ArrowArray> {
        if (self.raw.struct_size as usize) < std::mem::size_of::<sys::sh_batch>() || self.raw.headers.is_null() {
            None
        } else {
            // SAFETY: BORROWED for 'a.
            Some(unsafe { &*self.raw.headers })
        }
    }
}

/// # Safety
/// `base[start..end]` is valid for `'a` (base may be NULL when empty).
unsafe fn bytes<'a>(base: *const u8, start: usize, end: usize) -> &'a [u8] {
    if end <= start || base.is_null() {
        &[]
    } else {
        slice::from_raw_parts(base.add(start), end - start)
    }
}

impl<'a> IntoIterator for &Batch<'a> {
    type Item = Record<'a>;
    type IntoIter = Records<'a>;
    fn into_iter(self) -> Records<'a> {
        self.records()
    }
}

/// The records of a batch, in order.
pub struct Records<'a> {
    batch: Batch<'a>,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;
    fn next(&mut self) -> Option<Record<'a>> {
        if self.next >= self.end {
            return None;
        }
        let record = self.batch.get(self.next);
        self.next += 1;
        Some(record)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.end - self.next, Some(self.end - self.next))
    }
}

impl<'a> ExactSizeIterator for Records<'a> {}

/// The typed values of a columns batch: an Arrow struct array, one child per
/// field, BORROWED for the callback.
#[derive(Clone, Copy)]
pub struct Columns<'a> {
    schema: &'a sys::ArrowSchema,
    array: &'a sys::ArrowArray,
}

impl<'a> Columns<'a> {
    pub fn schema(&self) -> &'a sys::ArrowSchema {
        self.schema
    }

    pub fn array(&self) -> &'a sys::ArrowArray {
        self.array
    }

    /// Whether row `row`'s value is present (not a tombstone).
    pub fn is_valid(&self, row: u32) -> bool {
        // SAFETY: the struct array has count rows and a validity buffer slot.
        self.array.n_buffers > 0 && unsafe { sys::sh_arrow_is_valid(self.array, row as i64) }
    }

    /// The number of fields.
    pub fn field_count(&self) -> usize {
        self.schema.n_children.max(0) as usize
    }

    /// Field `index`: its name, Arrow format and array.
    pub fn field(&self, index: usize) -> Column<'a> {
        assert!(index < self.field_count(), "field {} of {}", index, self.field_count());
        // SAFETY: n_children children, valid for 'a.
        unsafe {
            let schema = &**self.schema.children.add(index);
            let array = &**self.array.children.add(index);
            Column { schema, array, struct_offset: self.array.offset }
        }
    }

    /// The field named `name`.
    pub fn field_named(&self, name: &str) -> Option<Column<'a>> {
        (0..self.field_count()).map(|i| self.field(i)).find(|column| column.name() == name)
    }
}

/// One typed column of a columns batch.
#[derive(Clone, Copy)]
pub struct Column<'a> {
    schema: &'a sys::ArrowSchema,
    array: &'a sys::ArrowArray,
    struct_offset: i64,
}

impl<'a> Column<'a> {
    pub fn name(&self) -> &'a str {
        // SAFETY: a NUL-terminated string, valid for 'a.
        unsafe { c_text(self.schema.name) }
    }

    /// The Arrow format string ("l" int64, "g" float64, "u" utf8...).
    pub fn format(&self) -> &'a str {
        // SAFETY: as name.
        unsafe { c_text(self.schema.format) }
    }

    pub fn schema(&self) -> &'a sys::ArrowSchema {
        self.schema
    }

    pub fn array(&self) -> &'a sys::ArrowArray {
        self.array
    }

    fn index(&self, row: u32) -> i64 {
        self.struct_offset + row as i64
    }

    /// Whether the value at batch row `row` is not null.
    pub fn is_valid(&self, row: u32) -> bool {
        // SAFETY: the child has the struct's rows; buffers[0] is validity.
        unsafe { sys::sh_arrow_is_valid(self.array, self.index(row)) }
    }

    fn fixed<T: Copy>(&self, format: &str, row: u32) -> Option<T> {
        if self.format() != format || !self.is_valid(row) {
            return None;
        }
        // SAFETY: buffers[1] holds length + offset values of T.
        unsafe {
            let values = *self.array.buffers.add(1) as *const T;
            Some(*values.add((self.array.offset + self.index(row)) as usize))
        }
    }

    /// An int64 ("l") value; `None` when null or of another type.
    pub fn i64(&self, row: u32) -> Option<i64> {
        self.fixed::<i64>("l", row)
    }

    /// An int32 ("i") value.
    pub fn i32(&self, row: u32) -> Option<i32> {
        self.fixed::<i32>("i", row)
    }

    /// A float64 ("g") value.
    pub fn f64(&self, row: u32) -> Option<f64> {
        self.fixed::<f64>("g", row)
    }

    /// A bool ("b") value.
    pub fn bool(&self, row: u32) -> Option<bool> {
        if self.format() != "b" || !self.is_valid(row) {
            return None;
        }
        // SAFETY: buffers[1] is a bitmap of length + offset bits.
        unsafe {
            let bits = *self.array.buffers.add(1) as *const u8;
            let bit = self.array.offset + self.index(row);
            Some((*bits.add((bit >> 3) as usize) >> (bit & 7)) & 1 != 0)
        }
    }

    /// A utf8 ("u") or binary ("z") value's bytes.
    pub fn bytes(&self, row: u32) -> Option<&'a [u8]> {
        let format = self.format();
        if (format != "u" && format != "z") || !self.is_valid(row) {
            return None;
        }
        // SAFETY: buffers[1] are int32 offsets, buffers[2] the data.
        unsafe {
            let offsets = *self.array.buffers.add(1) as *const i32;
            let data = *self.array.buffers.add(2) as *const u8;
            let at = (self.array.offset + self.index(row)) as usize;
            Some(bytes(data, *offsets.add(at) as usize, *offsets.add(at + 1) as usize))
        }
    }

    /// A utf8 ("u") value.
    pub fn str(&self, row: u32) -> Option<&'a str> {
        if self.format() != "u" {
            return None;
        }
        self.bytes(row).and_then(|b| std::str::from_utf8(b).ok())
    }
}

/// # Safety
/// `text` is NULL or NUL-terminated and valid for 'a.
unsafe fn c_text<'a>(text: *const std::os::raw::c_char) -> &'a str {
    if text.is_null() {
        ""
    } else {
        CStr::from_ptr(text).to_str().unwrap_or("")
    }
}
