//! The instance's view of the host: emit, reject, the message log,
//! counters, config, time, watermarks and timers.
use crate::batch::{Batch, Record};
use crate::error::{Error, Result};
use crate::state::{MapState, TimeDomain, ValueState};
use crate::sys;
use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The host-API table given to the entry point (static for the process).
static HOST: AtomicPtr<sys::sh_host_api> = AtomicPtr::new(ptr::null_mut());

pub(crate) fn set_host(host: *const sys::sh_host_api) {
    HOST.store(host as *mut _, Ordering::Release);
}

/// The host table; the entry point stored it before any callback runs.
pub(crate) fn host() -> &'static sys::sh_host_api {
    let pointer = HOST.load(Ordering::Acquire);
    assert!(!pointer.is_null(), "streamhost: a callback ran before streamhost_plugin_entry");
    // SAFETY: the host keeps the table alive for the life of the process.
    unsafe { &*pointer }
}

/// Calls a member of the host table.
macro_rules! host_fn {
    ($host:expr, $name:ident) => {
        $host.$name.expect(concat!("streamhost: the host-API table has no ", stringify!($name)))
    };
}
pub(crate) use host_fn;

/// `text` as a C string; a NUL inside it (which C would read as the end) is
/// written as `\0`, so nothing after it is lost.
pub(crate) fn c_string(text: &str) -> CString {
    match CString::new(text) {
        Ok(string) => string,
        Err(_) => CString::new(text.replace('\0', "\\0")).expect("no NUL left"),
    }
}

/// A C string from the host as Rust text (lossy for invalid UTF-8).
///
/// # Safety
/// `text` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn owned_text(text: *const c_char) -> String {
    if text.is_null() {
        String::new()
    } else {
        CStr::from_ptr(text).to_string_lossy().into_owned()
    }
}

/// Severity of a line of the message log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    fn raw(self) -> sys::sh_log_level {
        match self {
            LogLevel::Trace => sys::SH_MSG_TRACE,
            LogLevel::Debug => sys::SH_MSG_DEBUG,
            LogLevel::Info => sys::SH_MSG_INFO,
            LogLevel::Warn => sys::SH_MSG_WARN,
            LogLevel::Error => sys::SH_MSG_ERROR,
        }
    }
}

/// A counter registered for the instance, reported with the job's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter(pub(crate) sys::sh_counter_id);

/// The host's context for the callback that is running.
///
/// # Thread safety
/// Valid only inside the callback that received it and on its thread (ABI
/// rule 8): the SDK hands it out as `&mut Context` for the call, and it is
/// neither `Send` nor `Sync`. `waker` gives the one thing any thread may do.
pub struct Context {
    pub(crate) raw: *mut sys::sh_ctx,
    pub(crate) host: &'static sys::sh_host_api,
}

impl Context {
    /// # Safety
    /// `raw` is the ctx of the running callback.
    pub(crate) unsafe fn new(raw: *mut sys::sh_ctx) -> Self {
        Context { raw, host: host() }
    }

    /// The raw ctx, for calls of the host table this layer does not wrap
    /// (topics, transactions, `emit_columns`). Valid for the callback only.
    pub fn raw(&mut self) -> *mut sys::sh_ctx {
        self.raw
    }

    /// The host-API table.
    pub fn host(&self) -> &'static sys::sh_host_api {
        self.host
    }

    /// The message of the last host call on this context that failed.
    pub fn last_error(&mut self) -> String {
        // SAFETY: ctx is live; the string is copied before the next call.
        unsafe { owned_text(host_fn!(self.host, last_error)(self.raw)) }
    }

    pub(crate) fn check(&mut self, what: &str, status: sys::sh_status) -> Result<()> {
        if status == sys::SH_OK {
            Ok(())
        } else {
            Err(Error::host(what, status, self.last_error()))
        }
    }

    // --- data ---------------------------------------------------------------

    /// Appends a record to the instance's output (the host copies it).
    pub fn emit(&mut self, record: &Record<'_>) -> Result<()> {
        let raw = record.raw();
        // SAFETY: the record's slices outlive the call; the host copies.
        let status = unsafe { host_fn!(self.host, emit)(self.raw, &raw) };
        self.check("emit", status)
    }

    /// Forwards every record of a batch with one call (the host copies it,
    /// or shares the columns of the batch `process` received).
    pub fn emit_batch(&mut self, batch: &Batch<'_>) -> Result<()> {
        // SAFETY: the batch is BORROWED for the running callback.
        let status = unsafe { host_fn!(self.host, emit_batch)(self.raw, batch.raw()) };
        self.check("emit_batch", status)
    }

    /// Forwards the rows of `batch` listed in `rows` (strictly ascending row
    /// indexes) without copying its values: the batch goes out with a
    /// selection, as a filter does (ABI 1.3).
    pub fn emit_rows(&mut self, batch: &Batch<'_>, rows: &[u32]) -> Result<()> {
        let count = batch.row_count();
        let mut previous: Option<u32> = None;
        for &row in rows {
            if row >= count || previous.map_or(false, |p| row <= p) {
                return Err(Error::new(format!(
                    "emit_rows: rows must be strictly ascending and below the batch's {} rows; got {} after {:?}",
                    count, row, previous
                )));
            }
            previous = Some(row);
        }
        let mut raw = *batch.raw();
        raw.struct_size = std::mem::size_of::<sys::sh_batch>() as u32;
        raw.selection = rows.as_ptr();
        raw.selection_count = rows.len() as u32;
        // SAFETY: rows outlives the call; everything else is the input's.
        let status = unsafe { host_fn!(self.host, emit_batch)(self.raw, &raw) };
        self.check("emit_batch", status)
    }

    /// Emits to the side output named `output` (late records, say).
    pub fn emit_side(&mut self, output: &str, record: &Record<'_>) -> Result<()> {
        let name = c_string(output);
        let raw = record.raw();
        // SAFETY: both are COPIED by the host.
        let status = unsafe { host_fn!(self.host, emit_side)(self.raw, name.as_ptr(), &raw) };
        self.check("emit_side", status)
    }

    /// Sends a record the instance cannot process to the job's dead-letter
    /// destination with `reason`; the job goes on.
    pub fn reject(&mut self, record: &Record<'_>, reason: &str) -> Result<()> {
        let reason = c_string(reason);
        let raw = record.raw();
        // SAFETY: both are COPIED by the host.
        let status = unsafe { host_fn!(self.host, reject)(self.raw, &raw, reason.as_ptr()) };
        self.check("reject", status)
    }

    // --- the message log and counters ------------------------------------------

    /// Writes a line to the host's message log, attributed to the step.
    pub fn log(&mut self, level: LogLevel, message: &str) {
        let message = c_string(message);
        // SAFETY: the message is COPIED.
        unsafe { host_fn!(self.host, log)(self.raw, level.raw(), message.as_ptr()) }
    }

    /// Registers a counter named `name` (in `create` or `open`).
    pub fn counter(&mut self, name: &str) -> Result<Counter> {
        let name_c = c_string(name);
        let mut id = 0;
        // SAFETY: the name is COPIED; id is our storage.
        let status = unsafe { host_fn!(self.host, counter_register)(self.raw, name_c.as_ptr(), &mut id) };
        self.check(&format!("counter_register('{}')", name), status)?;
        Ok(Counter(id))
    }

    /// Adds `delta` to a counter.
    pub fn add(&mut self, counter: Counter, delta: i64) {
        // SAFETY: ctx is live.
        unsafe { host_fn!(self.host, counter_add)(self.raw, counter.0, delta) }
    }

    /// A handle any thread may use to ask the host to poll the source again.
    pub fn waker(&mut self) -> Waker {
        Waker { raw: self.raw, host: self.host }
    }

    // --- time and watermarks ------------------------------------------------------

    /// The instance's event-time watermark (`i64::MIN` before the first).
    pub fn current_watermark(&mut self) -> i64 {
        // SAFETY: ctx is live.
        unsafe { host_fn!(self.host, current_watermark)(self.raw) }
    }

    /// The host's processing time in ms since the Unix epoch.
    pub fn processing_time(&mut self) -> i64 {
        // SAFETY: ctx is live.
        unsafe { host_fn!(self.host, processing_time)(self.raw) }
    }

    /// Sources whose step says `watermarks: {strategy: source}`: no record
    /// with a timestamp <= `watermark` follows from this instance.
    pub fn emit_watermark(&mut self, watermark: i64) -> Result<()> {
        // SAFETY: ctx is live.
        let status = unsafe { host_fn!(self.host, emit_watermark)(self.raw, watermark) };
        self.check("emit_watermark", status)
    }

    // --- keyed state and timers -------------------------------------------------------

    fn register_state(&mut self, kind: sys::sh_state_kind, name: &str, ttl_ms: i64) -> Result<sys::sh_state_id> {
        let name_c = c_string(name);
        let desc = sys::sh_state_desc {
            struct_size: std::mem::size_of::<sys::sh_state_desc>() as u32,
            kind,
            name: name_c.as_ptr(),
            ttl_ms,
        };
        let mut id = 0;
        // SAFETY: desc is BORROWED, its name COPIED.
        let status = unsafe { host_fn!(self.host, state_register)(self.raw, &desc, &mut id) };
        self.check(&format!("state_register('{}')", name), status)?;
        Ok(id)
    }

    /// Registers a keyed value state (in `open`); `ttl_ms` 0: never expires.
    pub fn value_state(&mut self, name: &str, ttl_ms: i64) -> Result<ValueState> {
        Ok(ValueState { id: self.register_state(sys::SH_STATE_VALUE, name, ttl_ms)?, name: name.to_string() })
    }

    /// Registers a keyed map state (in `open`); `ttl_ms` 0: never expires.
    pub fn map_state(&mut self, name: &str, ttl_ms: i64) -> Result<MapState> {
        Ok(MapState { id: self.register_state(sys::SH_STATE_MAP, name, ttl_ms)?, name: name.to_string() })
    }

    /// Registers a timer for `key` at `time` (a no-op when it exists); it
    /// fires through `on_timer` once the watermark or the clock passes it.
    pub fn register_timer(&mut self, domain: TimeDomain, key: &[u8], time: i64) -> Result<()> {
        // SAFETY: the key is COPIED.
        let status =
            unsafe { host_fn!(self.host, timer_register)(self.raw, domain.raw(), key.as_ptr(), key.len(), time) };
        self.check("timer_register", status)
    }

    /// Deletes a timer registered for `key` at `time`.
    pub fn delete_timer(&mut self, domain: TimeDomain, key: &[u8], time: i64) -> Result<()> {
        // SAFETY: the key is BORROWED for the call.
        let status =
            unsafe { host_fn!(self.host, timer_delete)(self.raw, domain.raw(), key.as_ptr(), key.len(), time) };
        self.check("timer_delete", status)
    }
}

/// Asks the host to call a source instance again soon. Any thread, any time.
#[derive(Clone, Copy)]
pub struct Waker {
    raw: *mut sys::sh_ctx,
    host: &'static sys::sh_host_api,
}

// SAFETY: wakeup is the one host call valid from any thread at any time,
// also after close (then it does nothing), and the only one Waker makes.
unsafe impl Send for Waker {}
unsafe impl Sync for Waker {}

impl Waker {
    pub fn wake(&self) {
        // SAFETY: see the Send impl.
        unsafe { host_fn!(self.host, wakeup)(self.raw) }
    }
}

/// The step's config, validated against the component's schema with its
/// defaults filled in. Look-ups take dotted keys ("csv.header").
pub struct Config<'a> {
    pub(crate) ctx: &'a mut Context,
    pub(crate) text: &'a str,
}

impl<'a> Config<'a> {
    /// The whole config as JSON text (always an object, "{}" when empty).
    pub fn text(&self) -> &str {
        self.text
    }

    fn lookup<T>(
        &mut self,
        key: &str,
        what: &str,
        call: impl FnOnce(&mut Context, *const c_char) -> (sys::sh_status, T),
    ) -> Result<Option<T>> {
        let key_c = c_string(key);
        let (status, value) = call(self.ctx, key_c.as_ptr());
        match status {
            sys::SH_OK => Ok(Some(value)),
            sys::SH_NOT_FOUND => Ok(None),
            sys::SH_WRONG_TYPE => Err(Error::new(format!("config '{}' must be {}", key, what))),
            other => Err(Error::host(&format!("config '{}'", key), other, self.ctx.last_error())),
        }
    }

    /// A string; `None` when the key is absent.
    pub fn string(&mut self, key: &str) -> Result<Option<String>> {
        self.lookup(key, "a string", |ctx, key| {
            let mut out: *const c_char = ptr::null();
            // SAFETY: key is BORROWED; the string is copied at once.
            let status = unsafe { host_fn!(ctx.host, config_string)(ctx.raw, key, &mut out) };
            (status, if status == sys::SH_OK { unsafe { owned_text(out) } } else { String::new() })
        })
    }

    /// An integer (a number without a fractional part); `None` when absent.
    pub fn int64(&mut self, key: &str) -> Result<Option<i64>> {
        self.lookup(key, "an integer", |ctx, key| {
            let mut out = 0;
            // SAFETY: key is BORROWED; out is our storage.
            (unsafe { host_fn!(ctx.host, config_int64)(ctx.raw, key, &mut out) }, out)
        })
    }

    /// A number (integers too); `None` when absent.
    pub fn double(&mut self, key: &str) -> Result<Option<f64>> {
        self.lookup(key, "a number", |ctx, key| {
            let mut out = 0.0;
            // SAFETY: key is BORROWED; out is our storage.
            (unsafe { host_fn!(ctx.host, config_double)(ctx.raw, key, &mut out) }, out)
        })
    }

    /// A boolean; `None` when absent.
    pub fn bool(&mut self, key: &str) -> Result<Option<bool>> {
        self.lookup(key, "a boolean", |ctx, key| {
            let mut out = 0;
            // SAFETY: key is BORROWED; out is our storage.
            (unsafe { host_fn!(ctx.host, config_bool)(ctx.raw, key, &mut out) }, out != 0)
        })
    }

    /// Any value (an array, an object...) as compact JSON text.
    pub fn json(&mut self, key: &str) -> Result<Option<String>> {
        self.lookup(key, "JSON", |ctx, key| {
            let mut out: *const c_char = ptr::null();
            let mut len = 0usize;
            // SAFETY: key is BORROWED; the text is copied at once.
            let status = unsafe { host_fn!(ctx.host, config_json)(ctx.raw, key, &mut out, &mut len) };
            let text = if status == sys::SH_OK && !out.is_null() {
                let bytes = unsafe { std::slice::from_raw_parts(out as *const u8, len) };
                String::from_utf8_lossy(bytes).into_owned()
            } else {
                String::new()
            };
            (status, text)
        })
    }

    /// The context, for counters and the message log during `create`.
    pub fn context(&mut self) -> &mut Context {
        self.ctx
    }
}

/// Where an instance runs, given to `open`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// 0 .. parallelism-1.
    pub instance: u32,
    pub parallelism: u32,
    /// Key groups of the job.
    pub max_parallelism: u32,
    /// This instance's key groups: first..=last.
    pub key_groups: std::ops::RangeInclusive<u32>,
    /// Inputs of the step (0 for sources).
    pub input_count: u32,
    pub job_name: String,
    pub step_id: String,
    /// 0: the job takes no checkpoints.
    pub checkpoint_interval_ms: i64,
    /// The SH_FORMAT_* the host plans to hand process (0 for sources).
    pub input_format: u32,
    /// The SH_FORMAT_* the next steps take (0 for sinks).
    pub output_format: u32,
}

impl TaskInfo {
    /// # Safety
    /// `info` is the host's, valid for the call.
    pub(crate) unsafe fn from_raw(info: &sys::sh_task_info) -> Self {
        TaskInfo {
            instance: info.instance,
            parallelism: info.parallelism,
            max_parallelism: info.max_parallelism,
            key_groups: info.key_group_first..=info.key_group_last,
            input_count: info.input_count,
            job_name: owned_text(info.job_name),
            step_id: owned_text(info.step_id),
            checkpoint_interval_ms: info.checkpoint_interval_ms,
            input_format: info.input_format,
            output_format: info.output_format,
        }
    }
}
