//! Raw bindings of `SDK/include/streamhost.h`, ABI 1.3, written by hand.
//!
//! Every declaration of the header is here under its C name, with the same
//! members in the same order, so that the header's comments (ownership of
//! every pointer, when a callback runs) apply word for word. The layout is
//! checked three ways: `const` assertions below (sizes and alignments
//! always, member offsets where the compiler has `offset_of!`), the test
//! `tests/layout.rs`, which reads every `_Static_assert` of
//! `SDK/abi/abi_layout.c` and checks it against these structs, and the same
//! test compiling a C program that prints the offset of every member with
//! the real header.
//!
//! C enums are 4 bytes on the platforms streamhost supports (abi_layout.c
//! asserts it); they are declared here as `u32` type aliases with constants,
//! not as Rust enums, so that a value this SDK does not know cannot be
//! undefined behaviour.
#![allow(non_camel_case_types, non_upper_case_globals)]

use std::ffi::c_void;
use std::marker::{PhantomData, PhantomPinned};
use std::os::raw::c_char;

// ---------------------------------------------------------------------------
// Versions and the entry point
// ---------------------------------------------------------------------------

pub const SH_ABI_MAJOR: u16 = 1;
pub const SH_ABI_MINOR: u16 = 3;
/// "SHP1" read as a little-endian 32-bit number.
pub const SH_PLUGIN_MAGIC: u32 = 0x3150_4853;
/// The only symbol a plugin exports (NUL-terminated).
pub const SH_PLUGIN_ENTRY_SYMBOL: &[u8] = b"streamhost_plugin_entry\0";

// ---------------------------------------------------------------------------
// Status codes
// ---------------------------------------------------------------------------

pub type sh_status = i32;

pub const SH_OK: sh_status = 0;
pub const SH_ERROR: sh_status = 1;
pub const SH_IDLE: sh_status = 2;
pub const SH_END: sh_status = 3;
pub const SH_UNSUPPORTED: sh_status = 4;
pub const SH_NOT_FOUND: sh_status = 5;
pub const SH_INVALID: sh_status = 6;
pub const SH_WRONG_TYPE: sh_status = 7;
pub const SH_CLOSED: sh_status = 8;
/// Added in 1.3: the call broke rule 8 (made outside the instance's callback
/// or on another thread); the host fails the job.
pub const SH_WRONG_THREAD: sh_status = 9;

// ---------------------------------------------------------------------------
// Opaque handles
// ---------------------------------------------------------------------------

macro_rules! opaque {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// The host's context for one component instance; valid until destroy returns.
    sh_ctx,
    /// A topic reader handed out by the host (OWNED by the plugin).
    sh_log_reader,
    /// A topic transaction handed out by the host (OWNED by the plugin).
    sh_log_txn,
}

// ---------------------------------------------------------------------------
// The Arrow C Data Interface (added in 1.3)
// ---------------------------------------------------------------------------

pub const ARROW_FLAG_DICTIONARY_ORDERED: i64 = 1;
pub const ARROW_FLAG_NULLABLE: i64 = 2;
pub const ARROW_FLAG_MAP_KEYS_SORTED: i64 = 4;

#[repr(C)]
#[derive(Debug)]
pub struct ArrowSchema {
    pub format: *const c_char,
    pub name: *const c_char,
    pub metadata: *const c_char,
    pub flags: i64,
    pub n_children: i64,
    pub children: *mut *mut ArrowSchema,
    pub dictionary: *mut ArrowSchema,
    pub release: Option<unsafe extern "C" fn(*mut ArrowSchema)>,
    pub private_data: *mut c_void,
}

#[repr(C)]
#[derive(Debug)]
pub struct ArrowArray {
    pub length: i64,
    pub null_count: i64,
    pub offset: i64,
    pub n_buffers: i64,
    pub n_children: i64,
    pub buffers: *mut *const c_void,
    pub children: *mut *mut ArrowArray,
    pub dictionary: *mut ArrowArray,
    pub release: Option<unsafe extern "C" fn(*mut ArrowArray)>,
    pub private_data: *mut c_void,
}

pub const SH_FORMAT_BYTES: u32 = 1 << 0;
pub const SH_FORMAT_COLUMNS: u32 = 1 << 1;

// ---------------------------------------------------------------------------
// Records and batches
// ---------------------------------------------------------------------------

pub const SH_RECORD_KEY_NULL: u8 = 1 << 0;
pub const SH_RECORD_VALUE_NULL: u8 = 1 << 1;

/// A read-only batch of records in columns (BORROWED by every receiver).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_batch {
    pub struct_size: u32,
    pub count: u32,
    pub timestamps: *const i64,
    pub key_offsets: *const u32,
    pub keys: *const u8,
    pub value_offsets: *const u32,
    pub values: *const u8,
    pub flags: *const u8,
    pub input: u32,
    pub reserved: u32,
    // --- added in 1.3 ---
    pub format: u32,
    pub selection_count: u32,
    pub schema: *const ArrowSchema,
    pub columns: *const ArrowArray,
    pub selection: *const u32,
    pub headers: *const ArrowArray,
}

/// One record, for emit and reject (COPIED by the host).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_record {
    pub timestamp: i64,
    pub key: *const u8,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
}

/// A byte blob handed to the host, allocated with `host->alloc`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_blob {
    pub data: *mut u8,
    pub len: usize,
}

// ---------------------------------------------------------------------------
// Task information, given to open
// ---------------------------------------------------------------------------

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_task_info {
    pub struct_size: u32,
    pub instance: u32,
    pub parallelism: u32,
    pub max_parallelism: u32,
    pub key_group_first: u32,
    pub key_group_last: u32,
    pub input_count: u32,
    pub reserved: u32,
    pub job_name: *const c_char,
    pub step_id: *const c_char,
    // --- added in 1.2 ---
    pub checkpoint_interval_ms: i64,
    // --- added in 1.3 ---
    pub input_format: u32,
    pub output_format: u32,
}

// ---------------------------------------------------------------------------
// Logging, time, timers, state
// ---------------------------------------------------------------------------

pub type sh_log_level = u32;
pub type sh_msg_level = sh_log_level;
pub const SH_MSG_TRACE: sh_log_level = 0;
pub const SH_MSG_DEBUG: sh_log_level = 1;
pub const SH_MSG_INFO: sh_log_level = 2;
pub const SH_MSG_WARN: sh_log_level = 3;
pub const SH_MSG_ERROR: sh_log_level = 4;
/// Deprecated 1.0 name of `SH_MSG_TRACE`.
pub const SH_LOG_TRACE: sh_log_level = SH_MSG_TRACE;
/// Deprecated 1.0 name of `SH_MSG_DEBUG`.
pub const SH_LOG_DEBUG: sh_log_level = SH_MSG_DEBUG;
/// Deprecated 1.0 name of `SH_MSG_INFO`.
pub const SH_LOG_INFO: sh_log_level = SH_MSG_INFO;
/// Deprecated 1.0 name of `SH_MSG_WARN`.
pub const SH_LOG_WARN: sh_log_level = SH_MSG_WARN;
/// Deprecated 1.0 name of `SH_MSG_ERROR`.
pub const SH_LOG_ERROR: sh_log_level = SH_MSG_ERROR;

pub type sh_time_domain = u32;
pub const SH_TIME_EVENT: sh_time_domain = 0;
pub const SH_TIME_PROCESSING: sh_time_domain = 1;

pub type sh_state_kind = u32;
pub const SH_STATE_VALUE: sh_state_kind = 0;
pub const SH_STATE_MAP: sh_state_kind = 1;

/// Describes a keyed state, registered in open.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_state_desc {
    pub struct_size: u32,
    pub kind: sh_state_kind,
    pub name: *const c_char,
    pub ttl_ms: i64,
}

pub type sh_state_id = u32;
pub type sh_counter_id = u32;

/// A fired timer, passed to on_timer (BORROWED for the call, key too).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_timer {
    pub struct_size: u32,
    pub domain: sh_time_domain,
    pub time: i64,
    pub key: *const u8,
    pub key_len: usize,
}

pub type sh_map_visitor = Option<
    unsafe extern "C" fn(
        user: *mut c_void,
        user_key: *const u8,
        user_key_len: usize,
        value: *const u8,
        value_len: usize,
    ) -> sh_status,
>;

pub type sh_log_start = u32;
pub type sh_topic_start = sh_log_start;
pub const SH_TOPIC_START_EARLIEST: sh_log_start = 0;
pub const SH_TOPIC_START_LATEST: sh_log_start = 1;
pub const SH_TOPIC_START_OFFSET: sh_log_start = 2;
pub const SH_TOPIC_START_TIME: sh_log_start = 3;
/// Deprecated 1.0 name of `SH_TOPIC_START_EARLIEST`.
pub const SH_LOG_START_EARLIEST: sh_log_start = SH_TOPIC_START_EARLIEST;
/// Deprecated 1.0 name of `SH_TOPIC_START_LATEST`.
pub const SH_LOG_START_LATEST: sh_log_start = SH_TOPIC_START_LATEST;
/// Deprecated 1.0 name of `SH_TOPIC_START_OFFSET`.
pub const SH_LOG_START_OFFSET: sh_log_start = SH_TOPIC_START_OFFSET;
/// Deprecated 1.0 name of `SH_TOPIC_START_TIME`.
pub const SH_LOG_START_TIME: sh_log_start = SH_TOPIC_START_TIME;

pub type sh_log_isolation = u32;
pub type sh_topic_isolation = sh_log_isolation;
pub const SH_TOPIC_READ_COMMITTED: sh_log_isolation = 0;
pub const SH_TOPIC_READ_UNCOMMITTED: sh_log_isolation = 1;
/// Deprecated 1.2 name of `SH_TOPIC_READ_COMMITTED`.
pub const SH_LOG_READ_COMMITTED: sh_log_isolation = SH_TOPIC_READ_COMMITTED;
/// Deprecated 1.2 name of `SH_TOPIC_READ_UNCOMMITTED`.
pub const SH_LOG_READ_UNCOMMITTED: sh_log_isolation = SH_TOPIC_READ_UNCOMMITTED;

pub type sh_migration_kind = u32;
pub const SH_MIGRATE_KEYED_VALUE: sh_migration_kind = 0;
pub const SH_MIGRATE_MAP_ENTRY: sh_migration_kind = 1;
pub const SH_MIGRATE_OPERATOR_BLOB: sh_migration_kind = 2;

/// A migration request (BORROWED for the call, every pointer in it too).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_migration {
    pub struct_size: u32,
    pub kind: sh_migration_kind,
    pub from_version: u32,
    pub to_version: u32,
    pub state_name: *const c_char,
    pub from_plugin_version: *const c_char,
    pub key: *const u8,
    pub key_len: usize,
    pub data: *const u8,
    pub len: usize,
}

pub const SH_SERVICE_CORE: u64 = 1 << 0;
pub const SH_SERVICE_KEYED_STATE: u64 = 1 << 1;
pub const SH_SERVICE_TIMERS: u64 = 1 << 2;
pub const SH_SERVICE_TOPICS: u64 = 1 << 3;
pub const SH_SERVICE_CHECKPOINTS: u64 = 1 << 4;
pub const SH_SERVICE_SIDE_OUTPUTS: u64 = 1 << 5;
/// Deprecated 1.0 name of `SH_SERVICE_TOPICS`.
pub const SH_SERVICE_LOG: u64 = SH_SERVICE_TOPICS;

// ---------------------------------------------------------------------------
// The host-API table
// ---------------------------------------------------------------------------

/// The host's services (static for the life of the process). See the header
/// for the ownership of every pointer and the thread rule (rule 8).
#[repr(C)]
pub struct sh_host_api {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub services: u64,
    pub host_version: *const c_char,

    // --- data ---
    pub emit: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, record: *const sh_record) -> sh_status>,
    pub emit_batch: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, batch: *const sh_batch) -> sh_status>,
    pub emit_side:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, output: *const c_char, record: *const sh_record) -> sh_status>,
    pub reject:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, record: *const sh_record, reason: *const c_char) -> sh_status>,

    // --- errors and the message log ---
    pub set_error: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, message: *const c_char)>,
    pub last_error: Option<unsafe extern "C" fn(ctx: *mut sh_ctx) -> *const c_char>,
    pub log: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, level: sh_log_level, message: *const c_char)>,

    // --- memory ---
    pub alloc: Option<unsafe extern "C" fn(size: usize) -> *mut c_void>,
    pub free: Option<unsafe extern "C" fn(pointer: *mut c_void)>,

    // --- scheduling and metrics ---
    pub wakeup: Option<unsafe extern "C" fn(ctx: *mut sh_ctx)>,
    pub counter_register:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, name: *const c_char, out: *mut sh_counter_id) -> sh_status>,
    pub counter_add: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, counter: sh_counter_id, delta: i64)>,

    // --- configuration ---
    pub config_string:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, key: *const c_char, out: *mut *const c_char) -> sh_status>,
    pub config_int64: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, key: *const c_char, out: *mut i64) -> sh_status>,
    pub config_double: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, key: *const c_char, out: *mut f64) -> sh_status>,
    pub config_bool: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, key: *const c_char, out: *mut i32) -> sh_status>,
    pub config_json: Option<
        unsafe extern "C" fn(ctx: *mut sh_ctx, key: *const c_char, out: *mut *const c_char, len: *mut usize) -> sh_status,
    >,

    // --- time ---
    pub current_watermark: Option<unsafe extern "C" fn(ctx: *mut sh_ctx) -> i64>,
    pub processing_time: Option<unsafe extern "C" fn(ctx: *mut sh_ctx) -> i64>,

    // --- keyed state ---
    pub state_register:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, desc: *const sh_state_desc, out: *mut sh_state_id) -> sh_status>,
    pub state_get: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            state: sh_state_id,
            key: *const u8,
            key_len: usize,
            value: *mut *const u8,
            value_len: *mut usize,
        ) -> sh_status,
    >,
    pub state_put: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            state: sh_state_id,
            key: *const u8,
            key_len: usize,
            value: *const u8,
            value_len: usize,
        ) -> sh_status,
    >,
    pub state_delete:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, state: sh_state_id, key: *const u8, key_len: usize) -> sh_status>,
    pub state_map_get: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            state: sh_state_id,
            key: *const u8,
            key_len: usize,
            user_key: *const u8,
            user_key_len: usize,
            value: *mut *const u8,
            value_len: *mut usize,
        ) -> sh_status,
    >,
    pub state_map_put: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            state: sh_state_id,
            key: *const u8,
            key_len: usize,
            user_key: *const u8,
            user_key_len: usize,
            value: *const u8,
            value_len: usize,
        ) -> sh_status,
    >,
    pub state_map_delete: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            state: sh_state_id,
            key: *const u8,
            key_len: usize,
            user_key: *const u8,
            user_key_len: usize,
        ) -> sh_status,
    >,
    pub state_map_iterate: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            state: sh_state_id,
            key: *const u8,
            key_len: usize,
            visitor: sh_map_visitor,
            user: *mut c_void,
        ) -> sh_status,
    >,

    // --- timers ---
    pub timer_register: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            domain: sh_time_domain,
            key: *const u8,
            key_len: usize,
            time: i64,
        ) -> sh_status,
    >,
    pub timer_delete: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            domain: sh_time_domain,
            key: *const u8,
            key_len: usize,
            time: i64,
        ) -> sh_status,
    >,

    // --- topics: the durable log ---
    pub log_partitions:
        Option<unsafe extern "C" fn(ctx: *mut sh_ctx, topic: *const c_char, out: *mut u32) -> sh_status>,
    pub log_reader_open: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            topic: *const c_char,
            partition: u32,
            start: sh_log_start,
            value: i64,
            out: *mut *mut sh_log_reader,
        ) -> sh_status,
    >,
    pub log_reader_read: Option<
        unsafe extern "C" fn(
            reader: *mut sh_log_reader,
            max: u32,
            out: *mut *const sh_batch,
            next_offset: *mut i64,
        ) -> sh_status,
    >,
    pub log_reader_close: Option<unsafe extern "C" fn(reader: *mut sh_log_reader)>,
    pub log_append: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            topic: *const c_char,
            partition: u32,
            batch: *const sh_batch,
            first_offset: *mut i64,
        ) -> sh_status,
    >,
    pub log_commit: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            group: *const c_char,
            topic: *const c_char,
            partition: u32,
            offset: i64,
        ) -> sh_status,
    >,
    pub log_committed: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            group: *const c_char,
            topic: *const c_char,
            partition: u32,
            out: *mut i64,
        ) -> sh_status,
    >,
    pub log_txn_begin: Option<
        unsafe extern "C" fn(ctx: *mut sh_ctx, transactional_id: *const c_char, out: *mut *mut sh_log_txn) -> sh_status,
    >,
    pub log_txn_append: Option<
        unsafe extern "C" fn(
            txn: *mut sh_log_txn,
            topic: *const c_char,
            partition: u32,
            batch: *const sh_batch,
        ) -> sh_status,
    >,
    pub log_txn_commit: Option<unsafe extern "C" fn(txn: *mut sh_log_txn) -> sh_status>,
    pub log_txn_abort: Option<unsafe extern "C" fn(txn: *mut sh_log_txn) -> sh_status>,

    // --- added in 1.1 ---
    pub emit_watermark: Option<unsafe extern "C" fn(ctx: *mut sh_ctx, watermark: i64) -> sh_status>,

    // --- added in 1.2 ---
    pub log_txn_resume: Option<
        unsafe extern "C" fn(ctx: *mut sh_ctx, transactional_id: *const c_char, out: *mut *mut sh_log_txn) -> sh_status,
    >,
    pub log_reader_open_isolated: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            topic: *const c_char,
            partition: u32,
            start: sh_log_start,
            value: i64,
            isolation: sh_log_isolation,
            out: *mut *mut sh_log_reader,
        ) -> sh_status,
    >,

    // --- added in 1.3 ---
    pub emit_columns: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            schema: *mut ArrowSchema,
            columns: *mut ArrowArray,
            rows: *const sh_batch,
        ) -> sh_status,
    >,
}

// ---------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------

pub type sh_component_kind = u32;
pub const SH_KIND_SOURCE: sh_component_kind = 1;
pub const SH_KIND_OPERATOR: sh_component_kind = 2;
pub const SH_KIND_SINK: sh_component_kind = 3;

/// The callbacks of a component (see the header for each one's rules).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sh_component_vtable {
    pub struct_size: u32,
    pub reserved: u32,
    pub create: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            component: *const sh_component,
            config_json: *const c_char,
            config_len: usize,
            out: *mut *mut c_void,
        ) -> sh_status,
    >,
    pub destroy: Option<unsafe extern "C" fn(self_: *mut c_void)>,
    pub open: Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, info: *const sh_task_info) -> sh_status>,
    pub process:
        Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, batch: *const sh_batch) -> sh_status>,
    pub poll: Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, max: u32) -> sh_status>,
    pub on_watermark: Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, watermark: i64) -> sh_status>,
    pub on_timer: Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, timer: *const sh_timer) -> sh_status>,
    pub snapshot: Option<
        unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, checkpoint_id: i64, out: *mut sh_blob) -> sh_status,
    >,
    pub restore: Option<
        unsafe extern "C" fn(
            self_: *mut c_void,
            ctx: *mut sh_ctx,
            state_version: u32,
            data: *const u8,
            len: usize,
        ) -> sh_status,
    >,
    pub migrate: Option<
        unsafe extern "C" fn(
            ctx: *mut sh_ctx,
            component: *const sh_component,
            migration: *const sh_migration,
            out: *mut sh_blob,
        ) -> sh_status,
    >,
    pub on_checkpoint:
        Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, checkpoint_id: i64) -> sh_status>,
    pub on_checkpoint_complete:
        Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, checkpoint_id: i64) -> sh_status>,
    pub on_checkpoint_abort:
        Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx, checkpoint_id: i64) -> sh_status>,
    pub close: Option<unsafe extern "C" fn(self_: *mut c_void, ctx: *mut sh_ctx) -> sh_status>,
    // --- added in 1.3 ---
    pub output_schema: Option<
        unsafe extern "C" fn(
            component: *const sh_component,
            config_json: *const c_char,
            config_len: usize,
            out: *mut ArrowSchema,
        ) -> sh_status,
    >,
    pub output_schema_of_input: Option<
        unsafe extern "C" fn(
            component: *const sh_component,
            config_json: *const c_char,
            config_len: usize,
            input: *const ArrowSchema,
            out: *mut ArrowSchema,
        ) -> sh_status,
    >,
}

/// A component, static like the descriptor that lists it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_component {
    pub struct_size: u32,
    pub kind: sh_component_kind,
    pub name: *const c_char,
    pub description: *const c_char,
    pub config_schema: *const c_char,
    pub state_version: u32,
    pub input_count: u32,
    pub vtable: *const sh_component_vtable,
    // --- added in 1.3 ---
    pub input_formats: u32,
    pub output_formats: u32,
}

pub const SH_FUNCTION_VECTORIZED: u32 = 1 << 0;

/// A C function the plugin exports for expressions (native functions).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_function {
    pub struct_size: u32,
    pub flags: u32,
    pub name: *const c_char,
    pub symbol: *const c_char,
    pub signature: *const c_char,
    pub free_symbol: *const c_char,
}

/// The descriptor returned by the entry point; static.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct sh_plugin_descriptor {
    pub magic: u32,
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub component_count: u32,
    pub name: *const c_char,
    pub version: *const c_char,
    pub components: *const *const sh_component,
    pub function_count: u32,
    pub reserved: u32,
    pub functions: *const *const sh_function,
}

/// The entry point every plugin defines.
pub type sh_plugin_entry_fn = Option<unsafe extern "C" fn(host: *const sh_host_api) -> *const sh_plugin_descriptor>;

// ---------------------------------------------------------------------------
// The header's inline accessors
// ---------------------------------------------------------------------------

/// Value bytes of row `i` (`sh_batch_value`).
///
/// # Safety
/// `b` is a bytes batch (values not NULL) and `i < b.count`.
#[inline]
pub unsafe fn sh_batch_value(b: &sh_batch, i: u32) -> *const u8 {
    b.values.add(*b.value_offsets.add(i as usize) as usize)
}

/// Key bytes of row `i`, or NULL for a null key (`sh_batch_key`); the
/// length goes to `len`.
///
/// # Safety
/// `i < b.count` and the batch's pointers are valid as the header says.
#[inline]
pub unsafe fn sh_batch_key(b: &sh_batch, i: u32, len: &mut usize) -> *const u8 {
    if b.key_offsets.is_null() || (!b.flags.is_null() && (*b.flags.add(i as usize) & SH_RECORD_KEY_NULL) != 0) {
        *len = 0;
        return std::ptr::null();
    }
    let start = *b.key_offsets.add(i as usize);
    *len = (*b.key_offsets.add(i as usize + 1) - start) as usize;
    b.keys.add(start as usize)
}

/// Row `i` of a bytes batch as a record (`sh_batch_record`).
///
/// # Safety
/// As `sh_batch_value` and `sh_batch_key`.
#[inline]
pub unsafe fn sh_batch_record(b: &sh_batch, i: u32) -> sh_record {
    let mut key_len = 0;
    let key = sh_batch_key(b, i, &mut key_len);
    let (value, value_len) = if !b.flags.is_null() && (*b.flags.add(i as usize) & SH_RECORD_VALUE_NULL) != 0 {
        (std::ptr::null(), 0)
    } else {
        let start = *b.value_offsets.add(i as usize);
        (sh_batch_value(b, i), (*b.value_offsets.add(i as usize + 1) - start) as usize)
    };
    sh_record { timestamp: *b.timestamps.add(i as usize), key, key_len, value, value_len }
}

/// The number of records of a batch, its selection applied (1.3).
#[inline]
pub fn sh_batch_record_count(b: &sh_batch) -> u32 {
    if b.selection.is_null() {
        b.count
    } else {
        b.selection_count
    }
}

/// The row of record `j` (1.3).
///
/// # Safety
/// `j < sh_batch_record_count(b)`.
#[inline]
pub unsafe fn sh_batch_row(b: &sh_batch, j: u32) -> u32 {
    if b.selection.is_null() {
        j
    } else {
        *b.selection.add(j as usize)
    }
}

/// Whether row `i` of an Arrow array is valid (not null), its offset included.
///
/// # Safety
/// `a` is a live array with at least one buffer and `i < a.length`.
#[inline]
pub unsafe fn sh_arrow_is_valid(a: &ArrowArray, i: i64) -> bool {
    let validity = *a.buffers as *const u8;
    let bit = a.offset + i;
    validity.is_null() || ((*validity.add((bit >> 3) as usize) >> (bit & 7)) & 1) != 0
}

#[path = "layout.rs"]
pub mod layout;
