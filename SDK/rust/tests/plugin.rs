//! The safe layer against a host of its own: a host-API table whose
//! functions record what the plugin did, so that each callback can be
//! driven through the C vtable exactly as the host drives it.
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_void, CStr, CString};
use std::os::raw::c_char;
use std::ptr;
use streamhost::sys::{self, sh_status};
use streamhost::*;

// ---------------------------------------------------------------------------
// The test host
// ---------------------------------------------------------------------------

/// What one instance's ctx points to.
#[derive(Default)]
struct Recorder {
    emitted: Vec<(i64, Option<Vec<u8>>, Option<Vec<u8>>)>,
    rejected: Vec<(Option<Vec<u8>>, String)>,
    error: Option<String>,
    counters: Vec<(String, i64)>,
    states: Vec<String>,
    values: HashMap<(u32, Vec<u8>), Vec<u8>>,
    timers: Vec<(u32, Vec<u8>, i64)>,
    config: HashMap<String, f64>,
    state_read: Vec<u8>,
    /// emit_batch calls: the rows each forwarded (its selection, or all).
    forwarded: Vec<Vec<u32>>,
}

unsafe fn recorder<'a>(ctx: *mut sys::sh_ctx) -> &'a mut Recorder {
    &mut *(ctx as *mut Recorder)
}

unsafe fn owned(pointer: *const u8, len: usize) -> Option<Vec<u8>> {
    if pointer.is_null() {
        None
    } else {
        Some(std::slice::from_raw_parts(pointer, len).to_vec())
    }
}

unsafe extern "C" fn emit(ctx: *mut sys::sh_ctx, r: *const sys::sh_record) -> sh_status {
    let r = &*r;
    recorder(ctx).emitted.push((r.timestamp, owned(r.key, r.key_len), owned(r.value, r.value_len)));
    sys::SH_OK
}

unsafe extern "C" fn emit_batch(ctx: *mut sys::sh_ctx, b: *const sys::sh_batch) -> sh_status {
    let b = &*b;
    let rows = if b.selection.is_null() {
        (0..b.count).collect()
    } else {
        std::slice::from_raw_parts(b.selection, b.selection_count as usize).to_vec()
    };
    recorder(ctx).forwarded.push(rows);
    sys::SH_OK
}

unsafe extern "C" fn reject(ctx: *mut sys::sh_ctx, r: *const sys::sh_record, reason: *const c_char) -> sh_status {
    let r = &*r;
    let reason = CStr::from_ptr(reason).to_string_lossy().into_owned();
    recorder(ctx).rejected.push((owned(r.value, r.value_len), reason));
    sys::SH_OK
}

unsafe extern "C" fn set_error(ctx: *mut sys::sh_ctx, message: *const c_char) {
    recorder(ctx).error = Some(CStr::from_ptr(message).to_string_lossy().into_owned());
}

unsafe extern "C" fn last_error(_ctx: *mut sys::sh_ctx) -> *const c_char {
    b"the test host's last error\0".as_ptr() as *const c_char
}

unsafe extern "C" fn alloc(size: usize) -> *mut c_void {
    libc_malloc(size)
}

unsafe extern "C" fn free(pointer: *mut c_void) {
    libc_free(pointer)
}

extern "C" {
    #[link_name = "malloc"]
    fn libc_malloc(size: usize) -> *mut c_void;
    #[link_name = "free"]
    fn libc_free(pointer: *mut c_void);
}

unsafe extern "C" fn counter_register(ctx: *mut sys::sh_ctx, name: *const c_char, out: *mut u32) -> sh_status {
    let counters = &mut recorder(ctx).counters;
    counters.push((CStr::from_ptr(name).to_string_lossy().into_owned(), 0));
    *out = counters.len() as u32 - 1;
    sys::SH_OK
}

unsafe extern "C" fn counter_add(ctx: *mut sys::sh_ctx, counter: u32, delta: i64) {
    recorder(ctx).counters[counter as usize].1 += delta;
}

unsafe extern "C" fn config_double(ctx: *mut sys::sh_ctx, key: *const c_char, out: *mut f64) -> sh_status {
    match recorder(ctx).config.get(CStr::from_ptr(key).to_str().unwrap()) {
        Some(value) => {
            *out = *value;
            sys::SH_OK
        }
        None => sys::SH_NOT_FOUND,
    }
}

unsafe extern "C" fn state_register(ctx: *mut sys::sh_ctx, desc: *const sys::sh_state_desc, out: *mut u32) -> sh_status {
    let states = &mut recorder(ctx).states;
    states.push(CStr::from_ptr((*desc).name).to_string_lossy().into_owned());
    *out = states.len() as u32 - 1;
    sys::SH_OK
}

unsafe extern "C" fn state_get(
    ctx: *mut sys::sh_ctx,
    state: u32,
    key: *const u8,
    key_len: usize,
    value: *mut *const u8,
    value_len: *mut usize,
) -> sh_status {
    let rec = recorder(ctx);
    match rec.values.get(&(state, owned(key, key_len).unwrap())) {
        Some(found) => {
            rec.state_read = found.clone();
            *value = rec.state_read.as_ptr();
            *value_len = rec.state_read.len();
            sys::SH_OK
        }
        None => sys::SH_NOT_FOUND,
    }
}

unsafe extern "C" fn state_put(
    ctx: *mut sys::sh_ctx,
    state: u32,
    key: *const u8,
    key_len: usize,
    value: *const u8,
    value_len: usize,
) -> sh_status {
    recorder(ctx).values.insert((state, owned(key, key_len).unwrap()), owned(value, value_len).unwrap());
    sys::SH_OK
}

unsafe extern "C" fn timer_register(
    ctx: *mut sys::sh_ctx,
    domain: u32,
    key: *const u8,
    key_len: usize,
    time: i64,
) -> sh_status {
    recorder(ctx).timers.push((domain, owned(key, key_len).unwrap(), time));
    sys::SH_OK
}

fn test_host() -> &'static sys::sh_host_api {
    // SAFETY: every member of the table is a pointer or an Option of a
    // function pointer, for which all-zero is NULL / None.
    let mut host: sys::sh_host_api = unsafe { std::mem::zeroed() };
    host.struct_size = std::mem::size_of::<sys::sh_host_api>() as u32;
    host.abi_major = sys::SH_ABI_MAJOR;
    host.abi_minor = sys::SH_ABI_MINOR;
    host.emit = Some(emit);
    host.emit_batch = Some(emit_batch);
    host.reject = Some(reject);
    host.set_error = Some(set_error);
    host.last_error = Some(last_error);
    host.alloc = Some(alloc);
    host.free = Some(free);
    host.counter_register = Some(counter_register);
    host.counter_add = Some(counter_add);
    host.config_double = Some(config_double);
    host.state_register = Some(state_register);
    host.state_get = Some(state_get);
    host.state_put = Some(state_put);
    host.timer_register = Some(timer_register);
    Box::leak(Box::new(host))
}

// ---------------------------------------------------------------------------
// The plugin under test
// ---------------------------------------------------------------------------

/// Keeps values whose first byte is at least `min`, counts per key in keyed
/// state, sets a timer per key; panics on the value "boom".
struct Threshold {
    min: u8,
    counts: Option<ValueState>,
    passed: Counter,
}

impl Component for Threshold {
    const NAME: &'static str = "threshold";
    const DESCRIPTION: &'static str = "keeps values whose first byte is at least min";
    const CONFIG_SCHEMA: Option<&'static str> = Some(r#"{"type":"object"}"#);
    const STATE_VERSION: u32 = 2;

    fn create(config: &mut Config<'_>) -> Result<Self> {
        let min = config.double("min")?.ok_or("threshold: config 'min' is required")? as u8;
        let passed = config.context().counter("passed")?;
        Ok(Threshold { min, counts: None, passed })
    }

    fn open(&mut self, ctx: &mut Context, _info: &TaskInfo) -> Result<()> {
        self.counts = Some(ctx.value_state("counts", 0)?);
        Ok(())
    }
}

impl Operator for Threshold {
    fn process(&mut self, ctx: &mut Context, batch: &Batch<'_>) -> Result<()> {
        for record in batch {
            let value = record.value.ok_or("threshold: null value")?;
            if value == b"boom" {
                panic!("the value was boom");
            }
            if value.is_empty() {
                ctx.reject(&record, "empty value")?;
            } else if value[0] >= self.min {
                ctx.emit(&record)?;
                ctx.add(self.passed, 1);
                let key = record.key.unwrap_or(b"");
                let counts = self.counts.as_ref().unwrap();
                let seen = counts.get(ctx, key)?.map_or(0, |v| v[0]);
                counts.put(ctx, key, &[seen + 1])?;
                ctx.register_timer(TimeDomain::Event, key, record.timestamp + 10)?;
            }
        }
        Ok(())
    }
}

impl OnTimer for Threshold {
    fn on_timer(&mut self, ctx: &mut Context, timer: &Timer<'_>) -> Result<()> {
        ctx.emit(&Record::new(timer.time, Some(timer.key), Some(b"timer")))
    }
}

impl Snapshot for Threshold {
    fn snapshot(&mut self, _ctx: &mut Context, _checkpoint_id: i64) -> Result<Option<Vec<u8>>> {
        Ok(Some(vec![self.min]))
    }
    fn restore(&mut self, _ctx: &mut Context, _state_version: u32, data: &[u8]) -> Result<()> {
        self.min = *data.first().ok_or("threshold: empty blob")?;
        Ok(())
    }
}

impl Migrate for Threshold {
    fn migrate(migration: &Migration<'_>) -> Result<Vec<u8>> {
        if migration.from_version != 1 {
            return Err(format!("threshold: cannot migrate state version {}", migration.from_version).into());
        }
        Ok(migration.data.iter().map(|b| b + 1).collect())
    }
}

/// A sink without optional callbacks, whose Drop panics.
struct Quiet;

impl Component for Quiet {
    const NAME: &'static str = "quiet";
    const DESCRIPTION: &'static str = "drops everything";
    fn create(_config: &mut Config<'_>) -> Result<Self> {
        Ok(Quiet)
    }
}

impl Sink for Quiet {
    fn process(&mut self, _ctx: &mut Context, _batch: &Batch<'_>) -> Result<()> {
        Ok(())
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        panic!("Quiet's drop panics");
    }
}

/// A source that emits one record per poll: `Idle` after the second, `End`
/// after the third.
struct Countdown {
    polls: i64,
}

impl Component for Countdown {
    const NAME: &'static str = "countdown";
    const DESCRIPTION: &'static str = "three records, then the end";
    fn create(_config: &mut Config<'_>) -> Result<Self> {
        Ok(Countdown { polls: 0 })
    }
}

impl Source for Countdown {
    fn poll(&mut self, ctx: &mut Context, _max: u32) -> Result<Poll> {
        self.polls += 1;
        ctx.emit(&Record::new(self.polls, None, Some(b"tick")))?;
        Ok(match self.polls {
            2 => Poll::Idle,
            3 => Poll::End,
            _ => Poll::Ready,
        })
    }
}

/// Forwards the even rows of each batch with one emit_rows call, or, with
/// config "bad" set, rows out of order.
struct Evens {
    bad: bool,
}

impl Component for Evens {
    const NAME: &'static str = "evens";
    const DESCRIPTION: &'static str = "the even rows, as a selection";
    fn create(config: &mut Config<'_>) -> Result<Self> {
        Ok(Evens { bad: config.double("bad")?.is_some() })
    }
}

impl Operator for Evens {
    fn process(&mut self, ctx: &mut Context, batch: &Batch<'_>) -> Result<()> {
        let rows: Vec<u32> =
            if self.bad { vec![2, 0] } else { (0..batch.row_count()).filter(|row| row % 2 == 0).collect() };
        ctx.emit_rows(batch, &rows)
    }
}

plugin! {
    name: "rust-sdk-test",
    version: "0.3.0",
    components: [operator Threshold, sink Quiet, source Countdown, operator Evens],
}

// ---------------------------------------------------------------------------
// Driving it
// ---------------------------------------------------------------------------

fn descriptor() -> &'static sys::sh_plugin_descriptor {
    let pointer = streamhost_plugin_entry(test_host());
    assert!(!pointer.is_null());
    // SAFETY: the descriptor is static.
    unsafe { &*pointer }
}

fn component(index: usize) -> &'static sys::sh_component {
    let d = descriptor();
    assert!(index < d.component_count as usize);
    unsafe { &**d.components.add(index) }
}

fn text(pointer: *const c_char) -> String {
    unsafe { CStr::from_ptr(pointer).to_string_lossy().into_owned() }
}

/// A bytes batch of (timestamp, key, value) rows, kept alive with its columns.
struct OwnedBatch {
    timestamps: Vec<i64>,
    key_offsets: Vec<u32>,
    keys: Vec<u8>,
    value_offsets: Vec<u32>,
    values: Vec<u8>,
    raw: sys::sh_batch,
}

fn batch(rows: &[(i64, &str, &str)]) -> Box<OwnedBatch> {
    let mut b = Box::new(OwnedBatch {
        timestamps: rows.iter().map(|r| r.0).collect(),
        key_offsets: vec![0],
        keys: Vec::new(),
        value_offsets: vec![0],
        values: Vec::new(),
        // SAFETY: all-zero is a valid empty sh_batch (NULL pointers).
        raw: unsafe { std::mem::zeroed() },
    });
    for (_, key, value) in rows {
        b.keys.extend_from_slice(key.as_bytes());
        b.key_offsets.push(b.keys.len() as u32);
        b.values.extend_from_slice(value.as_bytes());
        b.value_offsets.push(b.values.len() as u32);
    }
    b.raw.struct_size = std::mem::size_of::<sys::sh_batch>() as u32;
    b.raw.count = rows.len() as u32;
    b.raw.timestamps = b.timestamps.as_ptr();
    b.raw.key_offsets = b.key_offsets.as_ptr();
    b.raw.keys = b.keys.as_ptr();
    b.raw.value_offsets = b.value_offsets.as_ptr();
    b.raw.values = b.values.as_ptr();
    b.raw.format = sys::SH_FORMAT_BYTES;
    b
}

struct Instance {
    recorder: Box<RefCell<Recorder>>,
    vtable: &'static sys::sh_component_vtable,
    pointer: *mut c_void,
}

impl Instance {
    fn ctx(&self) -> *mut sys::sh_ctx {
        self.recorder.as_ptr() as *mut sys::sh_ctx
    }

    fn create(index: usize, config: &[(&str, f64)]) -> (Instance, sh_status) {
        let c = component(index);
        let vtable = unsafe { &*c.vtable };
        let mut recorder = Recorder::default();
        for (key, value) in config {
            recorder.config.insert(key.to_string(), *value);
        }
        let mut instance = Instance { recorder: Box::new(RefCell::new(recorder)), vtable, pointer: ptr::null_mut() };
        let json = CString::new("{}").unwrap();
        let mut out = ptr::null_mut();
        let status = unsafe { (vtable.create.unwrap())(instance.ctx(), c, json.as_ptr(), 2, &mut out) };
        instance.pointer = out;
        (instance, status)
    }

    fn open(&self) -> sh_status {
        let mut info: sys::sh_task_info = unsafe { std::mem::zeroed() };
        info.struct_size = std::mem::size_of::<sys::sh_task_info>() as u32;
        info.parallelism = 1;
        info.job_name = b"job\0".as_ptr() as *const c_char;
        info.step_id = b"step\0".as_ptr() as *const c_char;
        unsafe { (self.vtable.open.unwrap())(self.pointer, self.ctx(), &info) }
    }

    fn process(&self, batch: &OwnedBatch) -> sh_status {
        unsafe { (self.vtable.process.unwrap())(self.pointer, self.ctx(), &batch.raw) }
    }

    fn recorded(&self) -> std::cell::RefMut<'_, Recorder> {
        self.recorder.borrow_mut()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        unsafe { (self.vtable.destroy.unwrap())(self.pointer) }
    }
}

#[test]
fn the_descriptor_declares_each_component_with_the_callbacks_it_implements() {
    let d = descriptor();
    assert_eq!(d.magic, sys::SH_PLUGIN_MAGIC);
    assert_eq!((d.abi_major, d.abi_minor), (sys::SH_ABI_MAJOR, sys::SH_ABI_MINOR));
    assert_eq!(d.struct_size as usize, std::mem::size_of::<sys::sh_plugin_descriptor>());
    assert_eq!(text(d.name), "rust-sdk-test");
    assert_eq!(text(d.version), "0.3.0");
    assert_eq!(d.component_count, 4);
    // The entry point hands out the same static descriptor every time.
    assert_eq!(descriptor() as *const _, d as *const _);

    let threshold = component(0);
    assert_eq!(threshold.kind, sys::SH_KIND_OPERATOR);
    assert_eq!(text(threshold.name), "threshold");
    assert_eq!(text(threshold.config_schema), r#"{"type":"object"}"#);
    assert_eq!((threshold.state_version, threshold.input_count), (2, 1));
    assert_eq!((threshold.input_formats, threshold.output_formats), (sys::SH_FORMAT_BYTES, sys::SH_FORMAT_BYTES));
    let v = unsafe { &*threshold.vtable };
    assert!(v.create.is_some() && v.destroy.is_some() && v.process.is_some());
    assert!(v.on_timer.is_some() && v.snapshot.is_some() && v.restore.is_some() && v.migrate.is_some());
    assert!(v.poll.is_none() && v.on_watermark.is_none() && v.on_checkpoint.is_none() && v.output_schema.is_none());

    let quiet = component(1);
    assert_eq!(quiet.kind, sys::SH_KIND_SINK);
    assert!(quiet.config_schema.is_null());
    assert_eq!(quiet.output_formats, 0);
    let v = unsafe { &*quiet.vtable };
    assert!(v.process.is_some());
    assert!(v.on_timer.is_none() && v.snapshot.is_none() && v.restore.is_none() && v.migrate.is_none());
}

#[test]
fn process_emits_rejects_counts_and_keeps_keyed_state() {
    let (instance, status) = Instance::create(0, &[("min", b'm' as f64)]);
    assert_eq!(status, sys::SH_OK, "{:?}", instance.recorded().error);
    assert_eq!(instance.open(), sys::SH_OK);
    let input = batch(&[(1, "a", "zebra"), (2, "b", "apple"), (3, "a", "moose"), (4, "c", "")]);
    assert_eq!(instance.process(&input), sys::SH_OK, "{:?}", instance.recorded().error);
    let r = instance.recorded();
    assert_eq!(
        r.emitted,
        vec![(1, Some(b"a".to_vec()), Some(b"zebra".to_vec())), (3, Some(b"a".to_vec()), Some(b"moose".to_vec()))]
    );
    assert_eq!(r.rejected, vec![(Some(Vec::new()), "empty value".to_string())]);
    assert_eq!(r.counters, vec![("passed".to_string(), 2)]);
    assert_eq!(r.states, vec!["counts".to_string()]);
    assert_eq!(r.values.get(&(0, b"a".to_vec())), Some(&vec![2]));
    assert_eq!(r.timers, vec![(sys::SH_TIME_EVENT, b"a".to_vec(), 11), (sys::SH_TIME_EVENT, b"a".to_vec(), 13)]);
}

#[test]
fn a_batch_selection_picks_the_records() {
    let (instance, _) = Instance::create(0, &[("min", 0.0)]);
    assert_eq!(instance.open(), sys::SH_OK);
    let mut input = batch(&[(1, "a", "one"), (2, "b", "two"), (3, "c", "three")]);
    let selection = [0u32, 2];
    input.raw.selection = selection.as_ptr();
    input.raw.selection_count = 2;
    assert_eq!(instance.process(&input), sys::SH_OK);
    let values: Vec<_> = instance.recorded().emitted.iter().map(|e| e.2.clone().unwrap()).collect();
    assert_eq!(values, vec![b"one".to_vec(), b"three".to_vec()]);
}

#[test]
fn an_error_from_create_goes_to_set_error() {
    let (instance, status) = Instance::create(0, &[]);
    assert_eq!(status, sys::SH_ERROR);
    assert!(instance.pointer.is_null());
    assert_eq!(instance.recorded().error.as_deref(), Some("threshold: config 'min' is required"));
}

#[test]
fn a_panic_in_process_fails_the_call_with_its_message_and_location() {
    let (instance, _) = Instance::create(0, &[("min", 0.0)]);
    assert_eq!(instance.open(), sys::SH_OK);
    let status = instance.process(&batch(&[(1, "a", "fine"), (2, "a", "boom")]));
    assert_eq!(status, sys::SH_ERROR);
    let error = instance.recorded().error.clone().unwrap();
    assert!(error.starts_with("panicked in process: the value was boom at tests/plugin.rs:"), "{}", error);
    // The record before the panic went out; the instance still answers.
    assert_eq!(instance.recorded().emitted.len(), 1);
    assert_eq!(instance.process(&batch(&[(3, "b", "again")])), sys::SH_OK);
}

#[test]
fn timers_snapshot_restore_and_migrate_go_through_the_vtable() {
    let (instance, _) = Instance::create(0, &[("min", 7.0)]);
    let v = instance.vtable;
    let key = b"k";
    let timer = sys::sh_timer {
        struct_size: std::mem::size_of::<sys::sh_timer>() as u32,
        domain: sys::SH_TIME_EVENT,
        time: 99,
        key: key.as_ptr(),
        key_len: 1,
    };
    assert_eq!(unsafe { (v.on_timer.unwrap())(instance.pointer, instance.ctx(), &timer) }, sys::SH_OK);
    assert_eq!(instance.recorded().emitted, vec![(99, Some(b"k".to_vec()), Some(b"timer".to_vec()))]);

    let mut blob = sys::sh_blob { data: ptr::null_mut(), len: 0 };
    assert_eq!(unsafe { (v.snapshot.unwrap())(instance.pointer, instance.ctx(), 1, &mut blob) }, sys::SH_OK);
    assert_eq!(unsafe { std::slice::from_raw_parts(blob.data, blob.len) }, &[7]);
    unsafe { free(blob.data as *mut c_void) };

    let restored = [42u8];
    let status = unsafe { (v.restore.unwrap())(instance.pointer, instance.ctx(), 2, restored.as_ptr(), 1) };
    assert_eq!(status, sys::SH_OK);
    let mut blob = sys::sh_blob { data: ptr::null_mut(), len: 0 };
    unsafe { (v.snapshot.unwrap())(instance.pointer, instance.ctx(), 2, &mut blob) };
    assert_eq!(unsafe { *blob.data }, 42);
    unsafe { free(blob.data as *mut c_void) };

    let old = [1u8, 2, 3];
    let mut migration = sys::sh_migration {
        struct_size: std::mem::size_of::<sys::sh_migration>() as u32,
        kind: sys::SH_MIGRATE_KEYED_VALUE,
        from_version: 1,
        to_version: 2,
        state_name: b"counts\0".as_ptr() as *const c_char,
        from_plugin_version: b"0.2.0\0".as_ptr() as *const c_char,
        key: key.as_ptr(),
        key_len: 1,
        data: old.as_ptr(),
        len: 3,
    };
    let mut out = sys::sh_blob { data: ptr::null_mut(), len: 0 };
    let status = unsafe { (v.migrate.unwrap())(instance.ctx(), component(0), &migration, &mut out) };
    assert_eq!(status, sys::SH_OK);
    assert_eq!(unsafe { std::slice::from_raw_parts(out.data, out.len) }, &[2, 3, 4]);
    unsafe { free(out.data as *mut c_void) };
    migration.from_version = 0;
    let status = unsafe { (v.migrate.unwrap())(instance.ctx(), component(0), &migration, &mut out) };
    assert_eq!(status, sys::SH_ERROR);
    assert_eq!(instance.recorded().error.as_deref(), Some("threshold: cannot migrate state version 0"));
}

#[test]
fn a_panic_in_drop_does_not_unwind_out_of_destroy() {
    let (instance, status) = Instance::create(1, &[]);
    assert_eq!(status, sys::SH_OK);
    drop(instance); // destroy runs Quiet's panicking Drop; the test goes on.
    // destroy accepts NULL.
    unsafe { (component(1).vtable.as_ref().unwrap().destroy.unwrap())(ptr::null_mut()) };
}

#[test]
fn a_source_polls_until_the_end() {
    let (instance, status) = Instance::create(2, &[]);
    assert_eq!(status, sys::SH_OK);
    assert_eq!(component(2).kind, sys::SH_KIND_SOURCE);
    assert_eq!((component(2).input_count, component(2).input_formats), (0, 0));
    let poll = instance.vtable.poll.unwrap();
    assert!(instance.vtable.process.is_none());
    let statuses: Vec<sh_status> =
        (0..3).map(|_| unsafe { poll(instance.pointer, instance.ctx(), 100) }).collect();
    assert_eq!(statuses, vec![sys::SH_OK, sys::SH_IDLE, sys::SH_END]);
    let emitted: Vec<_> = instance.recorded().emitted.iter().map(|e| (e.0, e.1.clone())).collect();
    assert_eq!(emitted, vec![(1, None), (2, None), (3, None)]);
}

#[test]
fn emit_rows_forwards_the_batch_with_a_selection_and_refuses_rows_out_of_order() {
    let (instance, _) = Instance::create(3, &[]);
    let input = batch(&[(1, "a", "0"), (2, "b", "1"), (3, "c", "2"), (4, "d", "3"), (5, "e", "4")]);
    assert_eq!(instance.process(&input), sys::SH_OK, "{:?}", instance.recorded().error);
    assert_eq!(instance.recorded().forwarded, vec![vec![0, 2, 4]]);

    let (bad, _) = Instance::create(3, &[("bad", 1.0)]);
    assert_eq!(bad.process(&input), sys::SH_ERROR);
    let error = bad.recorded().error.clone().unwrap();
    assert!(error.starts_with("emit_rows: rows must be strictly ascending"), "{}", error);
    assert!(bad.recorded().forwarded.is_empty());
}
