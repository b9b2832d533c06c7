//! Keyed state and timers: the host keeps them, per key of the record (or
//! timer) being handled, and snapshots them with every checkpoint.
//!
//! A value read from state is BORROWED until the next host call on the
//! context: `get` ties it to a `&mut Context` borrow, so the compiler
//! refuses code that would call the host while holding it.
use crate::boundary;
use crate::context::{host_fn, Context};
use crate::error::{Error, Result};
use crate::sys;
use std::ffi::c_void;
use std::ptr;
use std::slice;

/// Event time (the watermark) or processing time (the host's clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeDomain {
    Event,
    Processing,
}

impl TimeDomain {
    pub(crate) fn raw(self) -> sys::sh_time_domain {
        match self {
            TimeDomain::Event => sys::SH_TIME_EVENT,
            TimeDomain::Processing => sys::SH_TIME_PROCESSING,
        }
    }
}

/// A fired timer, BORROWED for `on_timer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer<'a> {
    pub domain: TimeDomain,
    pub time: i64,
    pub key: &'a [u8],
}

impl<'a> Timer<'a> {
    /// # Safety
    /// `raw` is the host's timer, valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: &'a sys::sh_timer) -> Self {
        Timer {
            domain: if raw.domain == sys::SH_TIME_PROCESSING { TimeDomain::Processing } else { TimeDomain::Event },
            time: raw.time,
            key: if raw.key.is_null() || raw.key_len == 0 { &[] } else { slice::from_raw_parts(raw.key, raw.key_len) },
        }
    }
}

/// # Safety
/// `value` is NULL or valid for `len` bytes for `'a`.
unsafe fn borrowed<'a>(value: *const u8, len: usize) -> &'a [u8] {
    if value.is_null() || len == 0 {
        &[]
    } else {
        slice::from_raw_parts(value, len)
    }
}

/// One value per key, registered with `Context::value_state` in `open`.
#[derive(Debug, Clone)]
pub struct ValueState {
    pub(crate) id: sys::sh_state_id,
    pub(crate) name: String,
}

impl ValueState {
    /// The value for `key`, or `None`; BORROWED until the next host call.
    pub fn get<'c>(&self, ctx: &'c mut Context, key: &[u8]) -> Result<Option<&'c [u8]>> {
        let mut value: *const u8 = ptr::null();
        let mut len = 0usize;
        // SAFETY: key is BORROWED; value is valid until the next host call,
        // which the &'c mut borrow of ctx rules out.
        let status =
            unsafe { host_fn!(ctx.host, state_get)(ctx.raw, self.id, key.as_ptr(), key.len(), &mut value, &mut len) };
        match status {
            sys::SH_OK => Ok(Some(unsafe { borrowed(value, len) })),
            sys::SH_NOT_FOUND => Ok(None),
            other => Err(Error::host(&format!("state_get('{}')", self.name), other, ctx.last_error())),
        }
    }

    /// Stores `value` for `key` (COPIED).
    pub fn put(&self, ctx: &mut Context, key: &[u8], value: &[u8]) -> Result<()> {
        // SAFETY: both are COPIED.
        let status = unsafe {
            host_fn!(ctx.host, state_put)(ctx.raw, self.id, key.as_ptr(), key.len(), value.as_ptr(), value.len())
        };
        ctx.check(&format!("state_put('{}')", self.name), status)
    }

    /// Removes the value for `key` (no error when there is none).
    pub fn delete(&self, ctx: &mut Context, key: &[u8]) -> Result<()> {
        // SAFETY: key is BORROWED.
        let status = unsafe { host_fn!(ctx.host, state_delete)(ctx.raw, self.id, key.as_ptr(), key.len()) };
        if status == sys::SH_NOT_FOUND {
            return Ok(());
        }
        ctx.check(&format!("state_delete('{}')", self.name), status)
    }
}

/// A map user-key -> value per key, registered with `Context::map_state`.
#[derive(Debug, Clone)]
pub struct MapState {
    pub(crate) id: sys::sh_state_id,
    pub(crate) name: String,
}

/// What `MapState::iterate`'s visitor carries through the host.
struct Visit<'f> {
    visitor: &'f mut dyn FnMut(&[u8], &[u8]) -> bool,
    panic: Option<String>,
}

unsafe extern "C" fn visit_entry(
    user: *mut c_void,
    user_key: *const u8,
    user_key_len: usize,
    value: *const u8,
    value_len: usize,
) -> sys::sh_status {
    let visit = &mut *(user as *mut Visit<'_>);
    let key = borrowed(user_key, user_key_len);
    let value = borrowed(value, value_len);
    // The host is below this frame: a panic stops the walk and is raised
    // again once the host has returned.
    match boundary::catch(|| (visit.visitor)(key, value)) {
        Ok(true) => sys::SH_OK,
        Ok(false) => sys::SH_END,
        Err(message) => {
            visit.panic = Some(message);
            sys::SH_ERROR
        }
    }
}

impl MapState {
    /// The value of `user_key` under `key`; BORROWED until the next host call.
    pub fn get<'c>(&self, ctx: &'c mut Context, key: &[u8], user_key: &[u8]) -> Result<Option<&'c [u8]>> {
        let mut value: *const u8 = ptr::null();
        let mut len = 0usize;
        // SAFETY: as ValueState::get.
        let status = unsafe {
            host_fn!(ctx.host, state_map_get)(
                ctx.raw,
                self.id,
                key.as_ptr(),
                key.len(),
                user_key.as_ptr(),
                user_key.len(),
                &mut value,
                &mut len,
            )
        };
        match status {
            sys::SH_OK => Ok(Some(unsafe { borrowed(value, len) })),
            sys::SH_NOT_FOUND => Ok(None),
            other => Err(Error::host(&format!("state_map_get('{}')", self.name), other, ctx.last_error())),
        }
    }

    /// Stores `value` at `user_key` under `key` (COPIED).
    pub fn put(&self, ctx: &mut Context, key: &[u8], user_key: &[u8], value: &[u8]) -> Result<()> {
        // SAFETY: all COPIED.
        let status = unsafe {
            host_fn!(ctx.host, state_map_put)(
                ctx.raw,
                self.id,
                key.as_ptr(),
                key.len(),
                user_key.as_ptr(),
                user_key.len(),
                value.as_ptr(),
                value.len(),
            )
        };
        ctx.check(&format!("state_map_put('{}')", self.name), status)
    }

    /// Removes `user_key` under `key` (no error when absent).
    pub fn delete(&self, ctx: &mut Context, key: &[u8], user_key: &[u8]) -> Result<()> {
        // SAFETY: BORROWED.
        let status = unsafe {
            host_fn!(ctx.host, state_map_delete)(ctx.raw, self.id, key.as_ptr(), key.len(), user_key.as_ptr(), user_key.len())
        };
        if status == sys::SH_NOT_FOUND {
            return Ok(());
        }
        ctx.check(&format!("state_map_delete('{}')", self.name), status)
    }

    /// Visits the entries under `key`; the visitor returns false to stop.
    /// The entries are BORROWED for the visitor's call and the visitor may
    /// not call the host (it gets no context).
    pub fn iterate(&self, ctx: &mut Context, key: &[u8], mut visitor: impl FnMut(&[u8], &[u8]) -> bool) -> Result<()> {
        let mut visit = Visit { visitor: &mut visitor, panic: None };
        // SAFETY: visit outlives the call; visit_entry casts it back.
        let status = unsafe {
            host_fn!(ctx.host, state_map_iterate)(
                ctx.raw,
                self.id,
                key.as_ptr(),
                key.len(),
                Some(visit_entry),
                &mut visit as *mut Visit<'_> as *mut c_void,
            )
        };
        if let Some(message) = visit.panic.take() {
            // Back in Rust frames: the callback's boundary catches it.
            panic!("{}", message);
        }
        match status {
            sys::SH_OK | sys::SH_END => Ok(()),
            other => Err(Error::host(&format!("state_map_iterate('{}')", self.name), other, ctx.last_error())),
        }
    }
}
