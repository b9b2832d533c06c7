//! The C side of a Rust plugin: the vtable trampolines, the descriptor and
//! the entry point that `plugin!` exports. Not API: the macro's expansion
//! uses it through `streamhost::__private`.
//!
//! Every trampoline runs the plugin's code under `boundary::catch`: an `Err`
//! or a panic becomes `set_error` + `SH_ERROR`, never an unwind into the
//! host.
use crate::batch::Batch;
use crate::boundary;
use crate::component::*;
use crate::context::{self, c_string, host_fn, owned_text, Config, Context, TaskInfo};
use crate::error::Result;
use crate::state::Timer;
use crate::sys;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::os::raw::c_char;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Once;

// ---------------------------------------------------------------------------
// The boundary of one callback
// ---------------------------------------------------------------------------

fn set_error(ctx: *mut sys::sh_ctx, message: &str) {
    if ctx.is_null() {
        return;
    }
    let message = c_string(message);
    // SAFETY: ctx is the running callback's.
    unsafe { host_fn!(context::host(), set_error)(ctx, message.as_ptr()) }
}

/// Runs a callback's body: `Ok(status)` is returned, `Err` and panics
/// become `set_error` + `SH_ERROR`.
fn guard(ctx: *mut sys::sh_ctx, callback: &str, body: impl FnOnce() -> Result<sys::sh_status>) -> sys::sh_status {
    match boundary::catch(body) {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            set_error(ctx, error.message());
            sys::SH_ERROR
        }
        Err(panic) => {
            set_error(ctx, &format!("panicked in {}: {}", callback, panic));
            sys::SH_ERROR
        }
    }
}

/// # Safety
/// `self_` is a pointer `create::<T>` returned and not yet destroyed.
unsafe fn instance<'a, T>(self_: *mut c_void) -> &'a mut T {
    &mut *(self_ as *mut T)
}

/// # Safety
/// `data` is NULL or valid for `len` bytes for the call.
unsafe fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(data, len)
    }
}

/// Copies `data` into memory from `host->alloc`, which the host owns once
/// the callback returns SH_OK.
fn host_blob(data: &[u8], what: &str) -> Result<sys::sh_blob> {
    let host = context::host();
    // SAFETY: alloc is thread-safe; one byte at least, so an empty blob is
    // not mistaken for "no state".
    let memory = unsafe { host_fn!(host, alloc)(data.len().max(1)) } as *mut u8;
    if memory.is_null() {
        return Err(format!("{}: host->alloc of {} bytes failed", what, data.len()).into());
    }
    // SAFETY: memory has room for data.
    unsafe { ptr::copy_nonoverlapping(data.as_ptr(), memory, data.len()) };
    Ok(sys::sh_blob { data: memory, len: data.len() })
}

// ---------------------------------------------------------------------------
// Trampolines
// ---------------------------------------------------------------------------

unsafe extern "C" fn create<T: Component>(
    ctx: *mut sys::sh_ctx,
    _component: *const sys::sh_component,
    config_json: *const c_char,
    config_len: usize,
    out: *mut *mut c_void,
) -> sys::sh_status {
    guard(ctx, "create", || {
        let text = String::from_utf8_lossy(bytes(config_json as *const u8, config_len)).into_owned();
        let mut context = Context::new(ctx);
        let mut config = Config { ctx: &mut context, text: &text };
        let instance = T::create(&mut config)?;
        *out = Box::into_raw(Box::new(instance)) as *mut c_void;
        Ok(sys::SH_OK)
    })
}

unsafe extern "C" fn destroy<T: Component>(self_: *mut c_void) {
    if self_.is_null() {
        return;
    }
    // destroy may not call the host, so a panicking Drop has nowhere to be
    // reported; it is contained (the memory may leak) rather than unwound.
    let _ = boundary::catch(|| drop(Box::from_raw(self_ as *mut T)));
}

unsafe extern "C" fn open<T: Component>(
    self_: *mut c_void,
    ctx: *mut sys::sh_ctx,
    info: *const sys::sh_task_info,
) -> sys::sh_status {
    guard(ctx, "open", || {
        let info = TaskInfo::from_raw(&*info);
        instance::<T>(self_).open(&mut Context::new(ctx), &info)?;
        Ok(sys::SH_OK)
    })
}

unsafe extern "C" fn close<T: Component>(self_: *mut c_void, ctx: *mut sys::sh_ctx) -> sys::sh_status {
    guard(ctx, "close", || {
        instance::<T>(self_).close(&mut Context::new(ctx))?;
        Ok(sys::SH_OK)
    })
}

/// `process` for a kind (operators and sinks share its shape).
macro_rules! process_trampoline {
    ($name:ident, $kind:ident) => {
        unsafe extern "C" fn $name<T: $kind>(
            self_: *mut c_void,
            ctx: *mut sys::sh_ctx,
            batch: *const sys::sh_batch,
        ) -> sys::sh_status {
            guard(ctx, "process", || {
                $kind::process(instance::<T>(self_), &mut Context::new(ctx), &Batch::from_raw(&*batch))?;
                Ok(sys::SH_OK)
            })
        }
    };
}
process_trampoline!(process_operator, Operator);
process_trampoline!(process_sink, Sink);

unsafe extern "C" fn poll<T: Source>(self_: *mut c_void, ctx: *mut sys::sh_ctx, max: u32) -> sys::sh_status {
    guard(ctx, "poll", || {
        Ok(match instance::<T>(self_).poll(&mut Context::new(ctx), max)? {
            Poll::Ready => sys::SH_OK,
            Poll::Idle => sys::SH_IDLE,
            Poll::End => sys::SH_END,
        })
    })
}

unsafe extern "C" fn on_watermark<T: OnWatermark>(
    self_: *mut c_void,
    ctx: *mut sys::sh_ctx,
    watermark: i64,
) -> sys::sh_status {
    guard(ctx, "on_watermark", || {
        instance::<T>(self_).on_watermark(&mut Context::new(ctx), watermark)?;
        Ok(sys::SH_OK)
    })
}

unsafe extern "C" fn on_timer<T: OnTimer>(
    self_: *mut c_void,
    ctx: *mut sys::sh_ctx,
    timer: *const sys::sh_timer,
) -> sys::sh_status {
    guard(ctx, "on_timer", || {
        instance::<T>(self_).on_timer(&mut Context::new(ctx), &Timer::from_raw(&*timer))?;
        Ok(sys::SH_OK)
    })
}

unsafe extern "C" fn snapshot<T: Snapshot>(
    self_: *mut c_void,
    ctx: *mut sys::sh_ctx,
    checkpoint_id: i64,
    out: *mut sys::sh_blob,
) -> sys::sh_status {
    guard(ctx, "snapshot", || {
        let state = instance::<T>(self_).snapshot(&mut Context::new(ctx), checkpoint_id)?;
        *out = match state {
            Some(data) => host_blob(&data, "snapshot")?,
            None => sys::sh_blob { data: ptr::null_mut(), len: 0 },
        };
        Ok(sys::SH_OK)
    })
}

unsafe extern "C" fn restore<T: Snapshot>(
    self_: *mut c_void,
    ctx: *mut sys::sh_ctx,
    state_version: u32,
    data: *const u8,
    len: usize,
) -> sys::sh_status {
    guard(ctx, "restore", || {
        instance::<T>(self_).restore(&mut Context::new(ctx), state_version, bytes(data, len))?;
        Ok(sys::SH_OK)
    })
}

unsafe extern "C" fn migrate<T: Migrate>(
    ctx: *mut sys::sh_ctx,
    _component: *const sys::sh_component,
    migration: *const sys::sh_migration,
    out: *mut sys::sh_blob,
) -> sys::sh_status {
    guard(ctx, "migrate", || {
        let raw = &*migration;
        let kind = match raw.kind {
            sys::SH_MIGRATE_KEYED_VALUE => MigrationKind::KeyedValue,
            sys::SH_MIGRATE_MAP_ENTRY => MigrationKind::MapEntry,
            sys::SH_MIGRATE_OPERATOR_BLOB => MigrationKind::OperatorBlob,
            other => return Err(format!("migrate: unknown migration kind {}", other).into()),
        };
        let state_name = owned_text(raw.state_name);
        let from_plugin_version = owned_text(raw.from_plugin_version);
        let view = Migration {
            kind,
            from_version: raw.from_version,
            to_version: raw.to_version,
            state_name: if raw.state_name.is_null() { None } else { Some(&state_name) },
            from_plugin_version: &from_plugin_version,
            key: if kind == MigrationKind::OperatorBlob { None } else { Some(bytes(raw.key, raw.key_len)) },
            data: bytes(raw.data, raw.len),
        };
        let data = T::migrate(&view)?;
        *out = host_blob(&data, "migrate")?;
        Ok(sys::SH_OK)
    })
}

macro_rules! checkpoint_trampoline {
    ($name:ident) => {
        unsafe extern "C" fn $name<T: CheckpointHooks>(
            self_: *mut c_void,
            ctx: *mut sys::sh_ctx,
            checkpoint_id: i64,
        ) -> sys::sh_status {
            guard(ctx, stringify!($name), || {
                instance::<T>(self_).$name(&mut Context::new(ctx), checkpoint_id)?;
                Ok(sys::SH_OK)
            })
        }
    };
}
checkpoint_trampoline!(on_checkpoint);
checkpoint_trampoline!(on_checkpoint_complete);
checkpoint_trampoline!(on_checkpoint_abort);

// ---------------------------------------------------------------------------
// Vtables and components
// ---------------------------------------------------------------------------

fn base_vtable<T: Component>() -> sys::sh_component_vtable {
    sys::sh_component_vtable {
        struct_size: std::mem::size_of::<sys::sh_component_vtable>() as u32,
        reserved: 0,
        create: Some(create::<T>),
        destroy: Some(destroy::<T>),
        open: Some(open::<T>),
        process: None,
        poll: None,
        on_watermark: None,
        on_timer: None,
        snapshot: None,
        restore: None,
        migrate: None,
        on_checkpoint: None,
        on_checkpoint_complete: None,
        on_checkpoint_abort: None,
        close: Some(close::<T>),
        output_schema: None,
        output_schema_of_input: None,
    }
}

/// A component as `plugin!` declares it, before it is made static.
pub struct ComponentSpec {
    pub kind: sys::sh_component_kind,
    pub name: &'static str,
    pub description: &'static str,
    pub config_schema: Option<&'static str>,
    pub state_version: u32,
    pub input_count: u32,
    pub input_formats: u32,
    pub output_formats: u32,
    pub vtable: sys::sh_component_vtable,
}

fn spec<T: Component>(kind: sys::sh_component_kind, vtable: sys::sh_component_vtable) -> ComponentSpec {
    ComponentSpec {
        kind,
        name: T::NAME,
        description: T::DESCRIPTION,
        config_schema: T::CONFIG_SCHEMA,
        state_version: T::STATE_VERSION,
        input_count: if kind == sys::SH_KIND_OPERATOR { T::INPUT_COUNT } else { 0 },
        input_formats: if kind == sys::SH_KIND_SOURCE { 0 } else { T::INPUT_FORMATS },
        output_formats: if kind == sys::SH_KIND_SINK { 0 } else { T::OUTPUT_FORMATS },
        vtable,
    }
}

pub fn operator<T: Operator>() -> ComponentSpec {
    let mut vtable = base_vtable::<T>();
    vtable.process = Some(process_operator::<T>);
    spec::<T>(sys::SH_KIND_OPERATOR, vtable)
}

pub fn sink<T: Sink>() -> ComponentSpec {
    let mut vtable = base_vtable::<T>();
    vtable.process = Some(process_sink::<T>);
    spec::<T>(sys::SH_KIND_SINK, vtable)
}

pub fn source<T: Source>() -> ComponentSpec {
    let mut vtable = base_vtable::<T>();
    vtable.poll = Some(poll::<T>);
    spec::<T>(sys::SH_KIND_SOURCE, vtable)
}

// ---------------------------------------------------------------------------
// Probes: which optional traits a component implements
// ---------------------------------------------------------------------------

/// Autoref specialization: for a concrete `T`, `(&Probe::<T>::new()).fill_x(v)`
/// resolves to `WithX` (by value on `&Probe<T>`) when `T` implements the
/// optional trait, and to `WithoutX` (one more autoref) when it does not,
/// which leaves the vtable entry NULL.
pub struct Probe<T>(PhantomData<T>);

impl<T> Probe<T> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Probe(PhantomData)
    }
}

macro_rules! probe {
    ($with:ident, $without:ident, $method:ident, $bound:ident, |$vtable:ident| $fill:block) => {
        pub trait $with {
            fn $method(&self, vtable: &mut sys::sh_component_vtable);
        }
        impl<T: $bound> $with for Probe<T> {
            fn $method(&self, $vtable: &mut sys::sh_component_vtable) {
                $fill
            }
        }
        pub trait $without {
            fn $method(&self, _vtable: &mut sys::sh_component_vtable) {}
        }
        impl<T> $without for &Probe<T> {}
    };
}

probe!(WithOnWatermark, WithoutOnWatermark, fill_on_watermark, OnWatermark, |vtable| {
    vtable.on_watermark = Some(on_watermark::<T>);
});
probe!(WithOnTimer, WithoutOnTimer, fill_on_timer, OnTimer, |vtable| {
    vtable.on_timer = Some(on_timer::<T>);
});
probe!(WithSnapshot, WithoutSnapshot, fill_snapshot, Snapshot, |vtable| {
    vtable.snapshot = Some(snapshot::<T>);
    vtable.restore = Some(restore::<T>);
});
probe!(WithMigrate, WithoutMigrate, fill_migrate, Migrate, |vtable| {
    vtable.migrate = Some(migrate::<T>);
});
probe!(WithCheckpointHooks, WithoutCheckpointHooks, fill_checkpoint_hooks, CheckpointHooks, |vtable| {
    vtable.on_checkpoint = Some(on_checkpoint::<T>);
    vtable.on_checkpoint_complete = Some(on_checkpoint_complete::<T>);
    vtable.on_checkpoint_abort = Some(on_checkpoint_abort::<T>);
});

// ---------------------------------------------------------------------------
// The descriptor and the entry point
// ---------------------------------------------------------------------------

static DESCRIPTOR: AtomicPtr<sys::sh_plugin_descriptor> = AtomicPtr::new(ptr::null_mut());
static BUILD: Once = Once::new();

fn leak_c_string(text: &str) -> *const c_char {
    c_string(text).into_raw()
}

/// Makes the plugin's descriptor once; it lives as long as the process
/// (the host reads it for that long and never frees it).
fn build_descriptor(name: &str, version: &str, components: Vec<ComponentSpec>) -> *mut sys::sh_plugin_descriptor {
    let mut pointers: Vec<*const sys::sh_component> = Vec::with_capacity(components.len());
    for spec in components {
        let vtable: &'static sys::sh_component_vtable = Box::leak(Box::new(spec.vtable));
        let component: &'static sys::sh_component = Box::leak(Box::new(sys::sh_component {
            struct_size: std::mem::size_of::<sys::sh_component>() as u32,
            kind: spec.kind,
            name: leak_c_string(spec.name),
            description: leak_c_string(spec.description),
            config_schema: spec.config_schema.map_or(ptr::null(), leak_c_string),
            state_version: spec.state_version,
            input_count: spec.input_count,
            vtable,
            input_formats: spec.input_formats,
            output_formats: spec.output_formats,
        }));
        pointers.push(component);
    }
    let count = pointers.len() as u32;
    let components: &'static [*const sys::sh_component] = Box::leak(pointers.into_boxed_slice());
    Box::leak(Box::new(sys::sh_plugin_descriptor {
        magic: sys::SH_PLUGIN_MAGIC,
        struct_size: std::mem::size_of::<sys::sh_plugin_descriptor>() as u32,
        abi_major: sys::SH_ABI_MAJOR,
        abi_minor: sys::SH_ABI_MINOR,
        component_count: count,
        name: leak_c_string(name),
        version: leak_c_string(version),
        components: components.as_ptr(),
        function_count: 0,
        reserved: 0,
        functions: ptr::null(),
    }))
}

/// The body of `streamhost_plugin_entry`: keeps the host table, installs
/// the panic hook, and returns the descriptor (NULL refuses the load, as
/// without a table or when making the descriptor panicked).
pub fn entry(
    host: *const sys::sh_host_api,
    name: &'static str,
    version: &'static str,
    components: fn() -> Vec<ComponentSpec>,
) -> *const sys::sh_plugin_descriptor {
    if host.is_null() {
        return ptr::null();
    }
    context::set_host(host);
    boundary::install_panic_hook();
    let built = boundary::catch(|| {
        BUILD.call_once(|| DESCRIPTOR.store(build_descriptor(name, version, components()), Ordering::Release));
    });
    match built {
        Ok(()) => DESCRIPTOR.load(Ordering::Acquire),
        Err(_) => ptr::null(),
    }
}
