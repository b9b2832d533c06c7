//! What a plugin author implements: one of `Source`, `Operator` or `Sink`
//! (each a `Component`), and the optional callbacks as traits of their own.
//!
//! An optional trait that a type implements is wired into its vtable by
//! `plugin!`; one it does not implement stays NULL, so the host applies the
//! header's default (and `streamhost plugin inspect` shows the callbacks
//! the component really has).
//!
//! # Thread safety
//! The host calls one instance from one thread at a time (never
//! concurrently), but not always from the same thread: an instance must be
//! `Send`. `migrate` and `output_schema` run without an instance.
use crate::batch::Batch;
use crate::context::{Config, Context, TaskInfo};
use crate::error::Result;
use crate::state::Timer;
use crate::sys;

/// The metadata and lifecycle every component has.
pub trait Component: Sized + Send + 'static {
    /// Unique among all loaded plugins (per kind).
    const NAME: &'static str;
    /// One line.
    const DESCRIPTION: &'static str;
    /// The JSON Schema (an object) of the step's config; `None`: no config.
    const CONFIG_SCHEMA: Option<&'static str> = None;
    /// Version of the state layout, from 1.
    const STATE_VERSION: u32 = 1;
    /// Operators: the inputs it takes.
    const INPUT_COUNT: u32 = 1;
    /// `sys::SH_FORMAT_*` bits `process` accepts (ABI 1.3).
    const INPUT_FORMATS: u32 = sys::SH_FORMAT_BYTES;
    /// `sys::SH_FORMAT_*` bits it emits (ABI 1.3).
    const OUTPUT_FORMATS: u32 = sys::SH_FORMAT_BYTES;

    /// Makes an instance from the validated config (defaults filled in).
    /// Counters, the message log and config work here; state does not.
    fn create(config: &mut Config<'_>) -> Result<Self>;

    /// Called once before data flows; register keyed state here.
    fn open(&mut self, _ctx: &mut Context, _info: &TaskInfo) -> Result<()> {
        Ok(())
    }

    /// End of input: flush. Emitting is allowed here, except in a job that
    /// takes checkpoints (flush at the `i64::MAX` watermark there).
    fn close(&mut self, _ctx: &mut Context) -> Result<()> {
        Ok(())
    }
}

/// What a source's `poll` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poll {
    /// Emitted records (possibly none); call again.
    Ready,
    /// Nothing available now: poll again after a pause or a wakeup.
    Idle,
    /// Exhausted: never called again.
    End,
}

/// A source: emits records when polled.
pub trait Source: Component {
    /// Emits up to `max` records with `ctx.emit`.
    fn poll(&mut self, ctx: &mut Context, max: u32) -> Result<Poll>;
}

/// An operator: reads batches, emits records.
pub trait Operator: Component {
    /// Handles one batch (BORROWED for the call).
    fn process(&mut self, ctx: &mut Context, batch: &Batch<'_>) -> Result<()>;
}

/// A sink: reads batches, emits nothing.
pub trait Sink: Component {
    /// Handles one batch (BORROWED for the call).
    fn process(&mut self, ctx: &mut Context, batch: &Batch<'_>) -> Result<()>;
}

/// Optional: told of every watermark (after the timers up to it fired).
/// Without it the host forwards watermarks all the same.
pub trait OnWatermark: Component {
    fn on_watermark(&mut self, ctx: &mut Context, watermark: i64) -> Result<()>;
}

/// Required of a component that registers timers.
pub trait OnTimer: Component {
    fn on_timer(&mut self, ctx: &mut Context, timer: &Timer<'_>) -> Result<()>;
}

/// Optional: operator-level state, written at each checkpoint and read back
/// before `open` on a restored run. (Keyed state and timers need nothing
/// here: the host snapshots them.)
pub trait Snapshot: Component {
    /// The state for checkpoint `checkpoint_id`; `None`: no state.
    fn snapshot(&mut self, ctx: &mut Context, checkpoint_id: i64) -> Result<Option<Vec<u8>>>;

    /// Reads back a blob `snapshot` wrote, of the current `STATE_VERSION`
    /// (`Migrate` has run when versions differed). At a changed
    /// parallelism every instance gets every old instance's blob, one call
    /// each: keep what this instance owns now.
    fn restore(&mut self, ctx: &mut Context, state_version: u32, data: &[u8]) -> Result<()>;
}

/// What kind of old state a migration rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationKind {
    KeyedValue,
    MapEntry,
    OperatorBlob,
}

/// One old keyed value, map entry or operator blob to rewrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration<'a> {
    pub kind: MigrationKind,
    pub from_version: u32,
    pub to_version: u32,
    /// The keyed state's name; `None` for operator blobs.
    pub state_name: Option<&'a str>,
    pub from_plugin_version: &'a str,
    /// Keyed kinds: the key.
    pub key: Option<&'a [u8]>,
    pub data: &'a [u8],
}

/// Optional: rewrites state written with an older `STATE_VERSION`. Without
/// it the host refuses any version change.
pub trait Migrate: Component {
    /// The new layout of `migration.data`, or `Err` to refuse (the restore
    /// stops before any record moves). Runs without an instance.
    fn migrate(migration: &Migration<'_>) -> Result<Vec<u8>>;
}

/// Optional: the checkpoint protocol, for sinks that commit (two-phase).
pub trait CheckpointHooks: Component {
    /// The barrier reached this instance: pre-commit.
    fn on_checkpoint(&mut self, _ctx: &mut Context, _checkpoint_id: i64) -> Result<()> {
        Ok(())
    }
    /// The checkpoint is complete everywhere: commit.
    fn on_checkpoint_complete(&mut self, _ctx: &mut Context, _checkpoint_id: i64) -> Result<()> {
        Ok(())
    }
    /// The checkpoint failed: discard (or keep pending) what was pre-committed.
    fn on_checkpoint_abort(&mut self, _ctx: &mut Context, _checkpoint_id: i64) -> Result<()> {
        Ok(())
    }
}
