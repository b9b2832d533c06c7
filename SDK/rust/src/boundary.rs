//! The boundary between the host and Rust code: nothing unwinds across it.
//!
//! ABI rule 7: a panic must not unwind into the host (since Rust 1.81 an
//! unwind out of an `extern "C"` function aborts the whole process, the
//! host with it). Every callback the SDK exports runs its body under
//! `catch_unwind`; a panic becomes `set_error("panicked in CALLBACK: MESSAGE
//! at FILE:LINE:COLUMN")` and `SH_ERROR`, so the job fails with the panic's
//! message and the host lives.
//!
//! The location comes from a panic hook the SDK installs when the host first
//! calls the entry point. For a panic inside a callback the hook keeps the
//! panic's text in a thread-local slot instead of printing it (the host
//! reports it with the step and instance); other panics (a thread of the
//! plugin's own) go to the hook that was there before. A hook the plugin
//! installs later replaces the SDK's; the message is then taken from the
//! panic's payload alone.
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// The last panic of this thread as the hook saw it: message and location.
    static LAST_PANIC: RefCell<Option<String>> = RefCell::new(None);
    /// How many `catch` calls this thread is inside.
    static CATCHING: Cell<u32> = Cell::new(0);
}

static HOOK: Once = Once::new();

/// Installs the SDK's panic hook, once per plugin library.
pub(crate) fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.try_with(|depth| depth.get()).unwrap_or(0) == 0 {
                return previous(info);
            }
            let message = payload_text(info.payload());
            let text = match info.location() {
                Some(location) => {
                    format!("{} at {}:{}:{}", message, location.file(), location.line(), location.column())
                }
                None => message,
            };
            // try_with: a panic while the thread's locals are being torn
            // down has nowhere to go but the payload.
            let _ = LAST_PANIC.try_with(|slot| {
                if let Ok(mut slot) = slot.try_borrow_mut() {
                    *slot = Some(text);
                }
            });
        }));
    });
}

/// The text of a panic payload: the `&str` or `String` given to `panic!`.
fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a payload that is not a string".to_string()
    }
}

/// Runs `body`; a panic comes back as `Err` with its message (and location,
/// when the SDK's hook saw it).
pub(crate) fn catch<R>(body: impl FnOnce() -> R) -> Result<R, String> {
    let _ = LAST_PANIC.try_with(|slot| slot.borrow_mut().take());
    CATCHING.with(|depth| depth.set(depth.get() + 1));
    let outcome = panic::catch_unwind(AssertUnwindSafe(body));
    CATCHING.with(|depth| depth.set(depth.get() - 1));
    match outcome {
        Ok(value) => Ok(value),
        Err(payload) => {
            let seen = LAST_PANIC.try_with(|slot| slot.borrow_mut().take()).ok().flatten();
            let text = seen.unwrap_or_else(|| payload_text(payload.as_ref()));
            // The payload's own destructor may panic; it must not escape.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
            Err(text)
        }
    }
}
