//! OPERATOR "big-orders-rust": the Rust twin of examples/c-operator.
//!
//! Keeps the orders whose top-level numeric "amount" is at least
//! `min_amount` (default 100) and drops the others. A record it cannot
//! judge goes to the job's dead-letter destination with the same reasons as
//! the C operator ("big-orders: field 'amount' is missing", "... is not a
//! number", "the value is not a JSON object", "the value is not valid
//! JSON", "the value is null") and the job goes on. Dropped orders are
//! counted in the instance's "dropped" counter.
//!
//! Keyed state: per record key (the job keys orders by customer), a value
//! state "kept" holds how many orders of that key were kept, as 8 bytes
//! little-endian; the counter "keys" counts the keys whose first order was
//! kept. The records it emits are exactly the C operator's.
use streamhost::json::{self, JsonError};
use streamhost::{plugin, Batch, Component, Config, Context, Counter, Operator, Result, TaskInfo, ValueState};

/// The JSON Schema of the config; the host validates the step's config
/// against it and fills in the default.
const SCHEMA: &str = concat!(
    r#"{"type":"object","properties":{"min_amount":{"type":"number","default":100,"#,
    r#""description":"Orders whose amount is at least this pass; the others are dropped."}},"#,
    r#""additionalProperties":false}"#
);

struct BigOrders {
    min_amount: f64,
    dropped: Counter,
    keys: Counter,
    /// Registered in open (keyed state exists from open on).
    kept: Option<ValueState>,
}

impl Component for BigOrders {
    const NAME: &'static str = "big-orders-rust";
    const DESCRIPTION: &'static str = "Keeps orders whose amount is at least min_amount (Rust)";
    const CONFIG_SCHEMA: Option<&'static str> = Some(SCHEMA);

    fn create(config: &mut Config<'_>) -> Result<Self> {
        let min_amount = config.double("min_amount")?.unwrap_or(100.0);
        let dropped = config.context().counter("dropped")?;
        let keys = config.context().counter("keys")?;
        Ok(BigOrders { min_amount, dropped, keys, kept: None })
    }

    fn open(&mut self, ctx: &mut Context, _info: &TaskInfo) -> Result<()> {
        self.kept = Some(ctx.value_state("kept", 0)?);
        Ok(())
    }
}

impl BigOrders {
    /// Counts a kept order of `key` in the keyed state.
    fn count_kept(&self, ctx: &mut Context, key: &[u8]) -> Result<()> {
        let kept = self.kept.as_ref().expect("open registered the state");
        let previous = match kept.get(ctx, key)? {
            Some(bytes) if bytes.len() == 8 => {
                let mut count = [0u8; 8];
                count.copy_from_slice(bytes);
                u64::from_le_bytes(count)
            }
            Some(bytes) => return Err(format!("big-orders: state 'kept' holds {} bytes, not 8", bytes.len()).into()),
            None => {
                ctx.add(self.keys, 1);
                0
            }
        };
        kept.put(ctx, key, &(previous + 1).to_le_bytes())
    }
}

impl Operator for BigOrders {
    fn process(&mut self, ctx: &mut Context, batch: &Batch<'_>) -> Result<()> {
        let mut dropped = 0i64;
        let outcome = (|| {
            for record in batch {
                let judged = match record.value {
                    None => Err("big-orders: the value is null"),
                    Some(value) => match json::find(value, "amount") {
                        Ok(field) => field.double().map_err(|_| "big-orders: field 'amount' is not a number"),
                        Err(JsonError::Missing) => Err("big-orders: field 'amount' is missing"),
                        Err(JsonError::NotAnObject) => Err("big-orders: the value is not a JSON object"),
                        Err(_) => Err("big-orders: the value is not valid JSON"),
                    },
                };
                match judged {
                    Err(reason) => ctx.reject(&record, reason)?,
                    Ok(amount) if amount >= self.min_amount => {
                        ctx.emit(&record)?;
                        if let Some(key) = record.key {
                            self.count_kept(ctx, key)?;
                        }
                    }
                    Ok(_) => dropped += 1,
                }
            }
            Ok(())
        })();
        // Report what was dropped even when an emit failed half-way.
        if dropped > 0 {
            ctx.add(self.dropped, dropped);
        }
        outcome
    }
}

plugin! {
    name: "big-orders-rust",
    version: "1.0.0",
    components: [operator BigOrders],
}
