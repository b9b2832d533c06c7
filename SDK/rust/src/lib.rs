//! Write streamhost plugins — sources, operators and sinks — in Rust.
//!
//! Two layers, no dependencies outside std:
//!
//! - [`sys`]: the whole C ABI of `SDK/include/streamhost.h` (1.3), bound by
//!   hand under the C names, its layout asserted at compile time and tested
//!   against `SDK/abi/abi_layout.c` and the C compiler.
//! - The safe layer: implement [`Operator`] (or [`Source`], [`Sink`]) and
//!   any optional callback traits ([`OnTimer`], [`OnWatermark`],
//!   [`Snapshot`], [`Migrate`], [`CheckpointHooks`]), and export the plugin
//!   with [`plugin!`]. Batches and records are borrowed views; keyed state,
//!   timers, emit, reject, counters and config go through [`Context`].
//!   Every callback's body runs under `catch_unwind`: an `Err` or a panic
//!   fails the job with its message (`set_error` + `SH_ERROR`) and never
//!   unwinds into the host.
//!
//! ```ignore
//! use streamhost::{plugin, Batch, Component, Config, Context, Operator, Result};
//!
//! struct Uppercase;
//! impl Component for Uppercase {
//!     const NAME: &'static str = "uppercase-rust";
//!     const DESCRIPTION: &'static str = "upper-cases ASCII letters in values";
//!     fn create(_config: &mut Config<'_>) -> Result<Self> { Ok(Uppercase) }
//! }
//! impl Operator for Uppercase {
//!     fn process(&mut self, ctx: &mut Context, batch: &Batch<'_>) -> Result<()> {
//!         for mut record in batch {
//!             let upper = record.value.map(|v| v.to_ascii_uppercase());
//!             record.value = upper.as_deref();
//!             ctx.emit(&record)?;
//!         }
//!         Ok(())
//!     }
//! }
//! plugin! { name: "uppercase-rust", version: "1.0.0", components: [operator Uppercase] }
//! ```
//!
//! Build it as a `cdylib` (see SDK/rust/README.md).

// A panic must be caught at the boundary; with panic=abort it cannot be.
#[cfg(panic = "abort")]
compile_error!(
    "streamhost plugins must be built with panic = \"unwind\" (the default): the SDK catches panics at the \
     boundary and fails the job with their message; with panic = \"abort\" a panic would kill the host"
);

pub mod sys;

mod batch;
mod boundary;
mod component;
mod context;
mod error;
mod export;
pub mod json;
mod state;

pub use batch::{Batch, Column, Columns, Format, Record, Records};
pub use component::{
    CheckpointHooks, Component, Migrate, Migration, MigrationKind, OnTimer, OnWatermark, Operator, Poll, Sink,
    Snapshot, Source,
};
pub use context::{Config, Context, Counter, LogLevel, TaskInfo, Waker};
pub use error::{status_name, Error, Result};
pub use state::{MapState, TimeDomain, Timer, ValueState};

/// What `plugin!` expands to uses; not API.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::{
        entry, operator, sink, source, ComponentSpec, Probe, WithCheckpointHooks, WithMigrate, WithOnTimer,
        WithOnWatermark, WithSnapshot, WithoutCheckpointHooks, WithoutMigrate, WithoutOnTimer, WithoutOnWatermark,
        WithoutSnapshot,
    };
}

/// Exports `streamhost_plugin_entry` and the plugin's descriptor:
///
/// ```ignore
/// streamhost::plugin! {
///     name: "my-plugin",
///     version: "1.0.0",
///     components: [operator MyOperator, source MySource, sink MySink],
/// }
/// ```
///
/// Each component's vtable has the callbacks of its kind and of every
/// optional trait its type implements; the others stay NULL (the header's
/// defaults). Use it once per library, at the crate's top level.
#[macro_export]
macro_rules! plugin {
    (name: $name:expr, version: $version:expr, components: [$($kind:ident $ty:ty),+ $(,)?] $(,)?) => {
        /// The plugin's one exported symbol.
        #[no_mangle]
        pub extern "C" fn streamhost_plugin_entry(
            host: *const $crate::sys::sh_host_api,
        ) -> *const $crate::sys::sh_plugin_descriptor {
            fn components() -> ::std::vec::Vec<$crate::__private::ComponentSpec> {
                ::std::vec![$($crate::__component!($kind $ty)),+]
            }
            $crate::__private::entry(host, $name, $version, components)
        }
    };
}

/// One component of `plugin!`: its kind's vtable plus the optional
/// callbacks its type implements (found by autoref specialization).
#[doc(hidden)]
#[macro_export]
macro_rules! __component {
    (operator $ty:ty) => { $crate::__component!(@optional $ty, $crate::__private::operator::<$ty>()) };
    (source $ty:ty) => { $crate::__component!(@optional $ty, $crate::__private::source::<$ty>()) };
    (sink $ty:ty) => { $crate::__component!(@optional $ty, $crate::__private::sink::<$ty>()) };
    (@optional $ty:ty, $spec:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{
            WithCheckpointHooks as _, WithMigrate as _, WithOnTimer as _, WithOnWatermark as _, WithSnapshot as _,
            WithoutCheckpointHooks as _, WithoutMigrate as _, WithoutOnTimer as _, WithoutOnWatermark as _,
            WithoutSnapshot as _,
        };
        let mut spec: $crate::__private::ComponentSpec = $spec;
        let probe = $crate::__private::Probe::<$ty>::new();
        (&probe).fill_on_watermark(&mut spec.vtable);
        (&probe).fill_on_timer(&mut spec.vtable);
        (&probe).fill_snapshot(&mut spec.vtable);
        (&probe).fill_migrate(&mut spec.vtable);
        (&probe).fill_checkpoint_hooks(&mut spec.vtable);
        spec
    }};
    ($other:ident $ty:ty) => {
        compile_error!(concat!("streamhost::plugin!: unknown component kind '", stringify!($other),
                               "'; use operator, source or sink"))
    };
}
