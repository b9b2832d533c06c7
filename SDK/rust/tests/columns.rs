//! The typed-column views of an ABI 1.3 batch, over Arrow arrays made here
//! by hand as the host lays them out (validity bitmaps, offsets, a struct
//! array with an offset of its own).
use std::ffi::c_void;
use std::os::raw::c_char;
use std::ptr;
use streamhost::sys::{self, ArrowArray, ArrowSchema};
use streamhost::{Batch, Format};

fn schema(format: &'static [u8], name: &'static [u8], children: &mut [*mut ArrowSchema]) -> ArrowSchema {
    ArrowSchema {
        format: format.as_ptr() as *const c_char,
        name: name.as_ptr() as *const c_char,
        metadata: ptr::null(),
        flags: sys::ARROW_FLAG_NULLABLE,
        n_children: children.len() as i64,
        children: if children.is_empty() { ptr::null_mut() } else { children.as_mut_ptr() },
        dictionary: ptr::null_mut(),
        release: None,
        private_data: ptr::null_mut(),
    }
}

fn array(length: i64, offset: i64, buffers: &mut [*const c_void], children: &mut [*mut ArrowArray]) -> ArrowArray {
    ArrowArray {
        length,
        null_count: -1,
        offset,
        n_buffers: buffers.len() as i64,
        n_children: children.len() as i64,
        buffers: buffers.as_mut_ptr(),
        children: if children.is_empty() { ptr::null_mut() } else { children.as_mut_ptr() },
        dictionary: ptr::null_mut(),
        release: None,
        private_data: ptr::null_mut(),
    }
}

#[test]
fn columns_are_read_by_name_and_type_with_nulls_and_offsets() {
    // Four rows seen through a struct array whose offset is 1 (rows 1..5 of
    // its children), children of 5 values each.
    let amounts: [f64; 5] = [0.0, 12.5, 99.0, -1.0, 7.25];
    let amount_validity: [u8; 1] = [0b1_1011]; // value 2 is null
    let ids: [i64; 5] = [0, 10, 11, 12, 13];
    let names_offsets: [i32; 6] = [0, 0, 3, 3, 8, 10];
    let names_data = b"adagracezz";
    let flags_bits: [u8; 1] = [0b0_0110]; // true at 1 and 2
    let struct_validity: [u8; 1] = [0b1_0111]; // value 3 (row 2) is a tombstone

    let mut amount_buffers = [amount_validity.as_ptr() as *const c_void, amounts.as_ptr() as *const c_void];
    let mut id_buffers = [ptr::null(), ids.as_ptr() as *const c_void];
    let mut name_buffers = [ptr::null(), names_offsets.as_ptr() as *const c_void, names_data.as_ptr() as *const c_void];
    let mut flag_buffers = [ptr::null(), flags_bits.as_ptr() as *const c_void];
    let mut amount = array(5, 0, &mut amount_buffers, &mut []);
    let mut id = array(5, 0, &mut id_buffers, &mut []);
    let mut name = array(5, 0, &mut name_buffers, &mut []);
    let mut flag = array(5, 0, &mut flag_buffers, &mut []);
    let mut child_arrays = [&mut amount as *mut ArrowArray, &mut id, &mut name, &mut flag];
    let mut struct_buffers = [struct_validity.as_ptr() as *const c_void];
    let columns = array(4, 1, &mut struct_buffers, &mut child_arrays);

    let mut amount_schema = schema(b"g\0", b"amount\0", &mut []);
    let mut id_schema = schema(b"l\0", b"order_id\0", &mut []);
    let mut name_schema = schema(b"u\0", b"name\0", &mut []);
    let mut flag_schema = schema(b"b\0", b"flag\0", &mut []);
    let mut child_schemas = [&mut amount_schema as *mut ArrowSchema, &mut id_schema, &mut name_schema, &mut flag_schema];
    let struct_schema = schema(b"+s\0", b"\0", &mut child_schemas);

    let timestamps = [1i64, 2, 3, 4];
    let selection = [0u32, 1, 3];
    // SAFETY: all-zero is a valid empty sh_batch.
    let mut raw: sys::sh_batch = unsafe { std::mem::zeroed() };
    raw.struct_size = std::mem::size_of::<sys::sh_batch>() as u32;
    raw.count = 4;
    raw.timestamps = timestamps.as_ptr();
    raw.format = sys::SH_FORMAT_COLUMNS;
    raw.schema = &struct_schema;
    raw.columns = &columns;
    raw.selection = selection.as_ptr();
    raw.selection_count = 3;
    // SAFETY: every pointer above lives to the end of the test.
    let batch = unsafe { Batch::from_raw(&raw) };

    assert_eq!(batch.format(), Format::Columns);
    assert_eq!((batch.len(), batch.row_count()), (3, 4));
    let rows: Vec<u32> = (0..batch.len()).map(|i| batch.row(i)).collect();
    assert_eq!(rows, vec![0, 1, 3]);
    let records: Vec<_> = batch.records().map(|r| (r.timestamp, r.key, r.value)).collect();
    assert_eq!(records, vec![(1, None, None), (2, None, None), (4, None, None)]);

    let columns = batch.columns().expect("a columns batch has columns");
    assert_eq!(columns.field_count(), 4);
    assert_eq!((0..4).map(|row| columns.is_valid(row)).collect::<Vec<_>>(), vec![true, true, false, true]);
    let amount = columns.field_named("amount").unwrap();
    assert_eq!(amount.format(), "g");
    assert_eq!((0..4).map(|row| amount.f64(row)).collect::<Vec<_>>(), vec![Some(12.5), None, Some(-1.0), Some(7.25)]);
    assert_eq!(amount.i64(0), None, "another type reads as None");
    let id = columns.field_named("order_id").unwrap();
    assert_eq!((0..4).map(|row| id.i64(row)).collect::<Vec<_>>(), vec![Some(10), Some(11), Some(12), Some(13)]);
    let name = columns.field_named("name").unwrap();
    assert_eq!((0..4).map(|row| name.str(row)).collect::<Vec<_>>(), vec![Some("ada"), Some(""), Some("grace"), Some("zz")]);
    let flag = columns.field_named("flag").unwrap();
    assert_eq!((0..4).map(|row| flag.bool(row)).collect::<Vec<_>>(), vec![Some(true), Some(true), Some(false), Some(false)]);
    assert!(columns.field_named("missing").is_none());
}

#[test]
fn a_bytes_batch_has_no_columns_and_an_abi_1_2_batch_no_selection() {
    let timestamps = [5i64];
    let offsets = [0u32, 2];
    let values = b"{}";
    let selection = [7u32];
    // SAFETY: all-zero is a valid empty sh_batch.
    let mut raw: sys::sh_batch = unsafe { std::mem::zeroed() };
    raw.struct_size = 64; // an ABI 1.2 batch ends at `reserved`
    raw.count = 1;
    raw.timestamps = timestamps.as_ptr();
    raw.value_offsets = offsets.as_ptr();
    raw.values = values.as_ptr();
    // Members past struct_size are absent, whatever they hold.
    raw.format = sys::SH_FORMAT_COLUMNS;
    raw.selection = selection.as_ptr();
    raw.selection_count = 1;
    let batch = unsafe { Batch::from_raw(&raw) };
    assert_eq!(batch.format(), Format::Bytes);
    assert!(batch.columns().is_none());
    assert_eq!(batch.len(), 1);
    assert_eq!(batch.get(0).value, Some(&b"{}"[..]));
}
