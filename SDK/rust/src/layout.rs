//! The layout of the bindings, asserted at compile time and listed for the
//! tests.
//!
//! The `const` assertions repeat the values `SDK/abi/abi_layout.c` asserts
//! (LP64), so a binding that drifts from the header does not compile.
//! Offsets are asserted with `offset_of!` where the compiler has it (Rust
//! 1.77 and newer: `build.rs` tells); Debian's older rustc checks sizes and
//! alignments at compile time and offsets in `cargo test`. `members()` lists
//! every member of every struct with its offset and size, which
//! `tests/layout.rs` compares with abi_layout.c's assertions and with the
//! offsets a C compiler gives the real header.
use super::*;
use std::mem::{align_of, size_of, MaybeUninit};

/// One member of a bound struct: C type name, member name, offset, size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub type_name: &'static str,
    pub member: &'static str,
    pub offset: usize,
    pub size: usize,
}

/// One bound struct: C type name, size, alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Struct {
    pub type_name: &'static str,
    pub size: usize,
    pub align: usize,
}

fn pointee_size<T>(_: *const T) -> usize {
    size_of::<T>()
}

macro_rules! table {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {
        /// Every member of every struct of the header, as these bindings lay it out.
        pub fn members() -> Vec<Member> {
            let mut all = Vec::new();
            $($({
                let value = MaybeUninit::<$ty>::uninit();
                let base = value.as_ptr();
                // SAFETY: addr_of! takes the address without reading.
                let field = unsafe { std::ptr::addr_of!((*base).$field) };
                all.push(Member {
                    type_name: stringify!($ty),
                    member: stringify!($field),
                    offset: field as usize - base as usize,
                    size: pointee_size(field),
                });
            })*)*
            all
        }

        /// Every struct of the header with its size and alignment.
        pub fn structs() -> Vec<Struct> {
            vec![$(Struct { type_name: stringify!($ty), size: size_of::<$ty>(), align: align_of::<$ty>() }),*]
        }
    };
}

table! {
    ArrowSchema { format, name, metadata, flags, n_children, children, dictionary, release, private_data }
    ArrowArray { length, null_count, offset, n_buffers, n_children, buffers, children, dictionary, release, private_data }
    sh_batch {
        struct_size, count, timestamps, key_offsets, keys, value_offsets, values, flags, input, reserved,
        format, selection_count, schema, columns, selection, headers,
    }
    sh_record { timestamp, key, key_len, value, value_len }
    sh_blob { data, len }
    sh_task_info {
        struct_size, instance, parallelism, max_parallelism, key_group_first, key_group_last, input_count,
        reserved, job_name, step_id, checkpoint_interval_ms, input_format, output_format,
    }
    sh_state_desc { struct_size, kind, name, ttl_ms }
    sh_timer { struct_size, domain, time, key, key_len }
    sh_migration {
        struct_size, kind, from_version, to_version, state_name, from_plugin_version, key, key_len, data, len,
    }
    sh_host_api {
        struct_size, abi_major, abi_minor, services, host_version,
        emit, emit_batch, emit_side, reject, set_error, last_error, log, alloc, free, wakeup,
        counter_register, counter_add, config_string, config_int64, config_double, config_bool, config_json,
        current_watermark, processing_time, state_register, state_get, state_put, state_delete, state_map_get,
        state_map_put, state_map_delete, state_map_iterate, timer_register, timer_delete, log_partitions,
        log_reader_open, log_reader_read, log_reader_close, log_append, log_commit, log_committed,
        log_txn_begin, log_txn_append, log_txn_commit, log_txn_abort, emit_watermark, log_txn_resume,
        log_reader_open_isolated, emit_columns,
    }
    sh_component_vtable {
        struct_size, reserved, create, destroy, open, process, poll, on_watermark, on_timer, snapshot, restore,
        migrate, on_checkpoint, on_checkpoint_complete, on_checkpoint_abort, close, output_schema,
        output_schema_of_input,
    }
    sh_component {
        struct_size, kind, name, description, config_schema, state_version, input_count, vtable,
        input_formats, output_formats,
    }
    sh_function { struct_size, flags, name, symbol, signature, free_symbol }
    sh_plugin_descriptor {
        magic, struct_size, abi_major, abi_minor, component_count, name, version, components, function_count,
        reserved, functions,
    }
}

/// The named constants of the header with their values, for the tests
/// (abi_layout.c asserts some; the C probe checks all).
pub fn constants() -> Vec<(&'static str, i64)> {
    macro_rules! list { ($($name:ident),* $(,)?) => { vec![$((stringify!($name), $name as i64)),*] }; }
    list![
        SH_ABI_MAJOR, SH_ABI_MINOR, SH_PLUGIN_MAGIC,
        SH_OK, SH_ERROR, SH_IDLE, SH_END, SH_UNSUPPORTED, SH_NOT_FOUND, SH_INVALID, SH_WRONG_TYPE, SH_CLOSED, SH_WRONG_THREAD,
        ARROW_FLAG_DICTIONARY_ORDERED, ARROW_FLAG_NULLABLE, ARROW_FLAG_MAP_KEYS_SORTED,
        SH_FORMAT_BYTES, SH_FORMAT_COLUMNS, SH_RECORD_KEY_NULL, SH_RECORD_VALUE_NULL,
        SH_MSG_TRACE, SH_MSG_DEBUG, SH_MSG_INFO, SH_MSG_WARN, SH_MSG_ERROR,
        SH_LOG_TRACE, SH_LOG_DEBUG, SH_LOG_INFO, SH_LOG_WARN, SH_LOG_ERROR,
        SH_TIME_EVENT, SH_TIME_PROCESSING, SH_STATE_VALUE, SH_STATE_MAP,
        SH_TOPIC_START_EARLIEST, SH_TOPIC_START_LATEST, SH_TOPIC_START_OFFSET, SH_TOPIC_START_TIME,
        SH_LOG_START_EARLIEST, SH_LOG_START_LATEST, SH_LOG_START_OFFSET, SH_LOG_START_TIME,
        SH_TOPIC_READ_COMMITTED, SH_TOPIC_READ_UNCOMMITTED, SH_LOG_READ_COMMITTED, SH_LOG_READ_UNCOMMITTED,
        SH_MIGRATE_KEYED_VALUE, SH_MIGRATE_MAP_ENTRY, SH_MIGRATE_OPERATOR_BLOB,
        SH_SERVICE_CORE, SH_SERVICE_KEYED_STATE, SH_SERVICE_TIMERS, SH_SERVICE_TOPICS, SH_SERVICE_CHECKPOINTS,
        SH_SERVICE_SIDE_OUTPUTS, SH_SERVICE_LOG,
        SH_KIND_SOURCE, SH_KIND_OPERATOR, SH_KIND_SINK, SH_FUNCTION_VECTORIZED,
    ]
}

// ---------------------------------------------------------------------------
// Compile-time assertions: sizes and alignments (every compiler)
// ---------------------------------------------------------------------------

macro_rules! assert_size {
    ($($ty:ty => $size:expr, $align:expr;)*) => {$(
        const _: () = assert!(size_of::<$ty>() == $size && align_of::<$ty>() == $align);
    )*};
}

#[cfg(target_pointer_width = "64")]
assert_size! {
    ArrowSchema => 72, 8;
    ArrowArray => 80, 8;
    sh_batch => 104, 8;
    sh_record => 40, 8;
    sh_blob => 16, 8;
    sh_task_info => 64, 8;
    sh_state_desc => 24, 8;
    sh_timer => 32, 8;
    sh_migration => 64, 8;
    sh_host_api => 24 + 44 * 8, 8;
    sh_component_vtable => 8 + 16 * 8, 8;
    sh_component => 56, 8;
    sh_function => 40, 8;
    sh_plugin_descriptor => 56, 8;
}

// ---------------------------------------------------------------------------
// Compile-time assertions: abi_layout.c's offsets (compilers with offset_of!)
// ---------------------------------------------------------------------------

#[cfg(all(streamhost_offset_of, target_pointer_width = "64"))]
macro_rules! assert_offsets {
    ($($ty:ident . $field:ident == $offset:expr;)*) => {$(
        const _: () = assert!(std::mem::offset_of!($ty, $field) == $offset);
    )*};
}

#[cfg(all(streamhost_offset_of, target_pointer_width = "64"))]
assert_offsets! {
    sh_plugin_descriptor.magic == 0;
    sh_plugin_descriptor.struct_size == 4;
    sh_plugin_descriptor.abi_major == 8;
    sh_plugin_descriptor.abi_minor == 10;
    sh_plugin_descriptor.name == 16;
    sh_plugin_descriptor.components == 32;
    sh_function.flags == 4;
    sh_function.name == 8;
    sh_function.free_symbol == 32;
    sh_component.kind == 4;
    sh_component.name == 8;
    sh_component.vtable == 40;
    sh_component_vtable.create == 8;
    sh_component_vtable.close == 8 + 13 * 8;
    sh_batch.count == 4;
    sh_batch.timestamps == 8;
    sh_batch.flags == 48;
    sh_batch.reserved == 60;
    sh_task_info.checkpoint_interval_ms == 48;
    sh_host_api.services == 8;
    sh_host_api.emit == 24;
    sh_host_api.log_txn_abort == 24 + 39 * 8;
    sh_host_api.emit_watermark == 24 + 40 * 8;
    sh_host_api.log_txn_resume == 24 + 41 * 8;
    sh_host_api.log_reader_open_isolated == 24 + 42 * 8;
    sh_host_api.emit_columns == 24 + 43 * 8;
    ArrowSchema.format == 0;
    ArrowSchema.name == 8;
    ArrowSchema.metadata == 16;
    ArrowSchema.flags == 24;
    ArrowSchema.n_children == 32;
    ArrowSchema.children == 40;
    ArrowSchema.dictionary == 48;
    ArrowSchema.release == 56;
    ArrowSchema.private_data == 64;
    ArrowArray.length == 0;
    ArrowArray.null_count == 8;
    ArrowArray.offset == 16;
    ArrowArray.n_buffers == 24;
    ArrowArray.n_children == 32;
    ArrowArray.buffers == 40;
    ArrowArray.children == 48;
    ArrowArray.dictionary == 56;
    ArrowArray.release == 64;
    ArrowArray.private_data == 72;
    sh_batch.format == 64;
    sh_batch.selection_count == 68;
    sh_batch.schema == 72;
    sh_batch.columns == 80;
    sh_batch.selection == 88;
    sh_batch.headers == 96;
    sh_task_info.input_format == 56;
    sh_task_info.output_format == 60;
    sh_component.input_formats == 48;
    sh_component.output_formats == 52;
    sh_component_vtable.output_schema == 8 + 14 * 8;
    sh_component_vtable.output_schema_of_input == 8 + 15 * 8;
}
