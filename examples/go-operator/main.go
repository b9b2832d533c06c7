// Two operators written with the Go SDK (SDK/go), built as one plugin:
//
//	big-orders-go   the Go twin of examples/c-operator/big_orders.c: keeps
//	                the orders whose "amount" is at least min_amount, sends
//	                records it cannot judge to the dead letters with the
//	                reason, counts what it drops;
//	order-count-go  keyed state: after key_by, counts each key's records in
//	                a value state the host checkpoints, and emits
//	                {"key": ..., "orders": n} for every record.
//
// Build: go build -buildmode=c-shared -o libgo-operators.so .   (or make)
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"

	"streamhost.dev/sdk"
)

func init() {
	streamhost.Register("go-operators", "1.0.0",
		streamhost.Define(streamhost.Spec{
			Kind:        streamhost.Operator,
			Name:        "big-orders-go",
			Description: "Keeps orders whose amount is at least min_amount",
			ConfigSchema: `{"type":"object","properties":{"min_amount":{"type":"number","default":100,` +
				`"description":"Orders whose amount is at least this pass; the others are dropped."}},` +
				`"additionalProperties":false}`,
		}, newBigOrders),
		streamhost.Define(streamhost.Spec{
			Kind:        streamhost.Operator,
			Name:        "order-count-go",
			Description: "Counts the records of each key in keyed state",
			ConfigSchema: `{"type":"object","properties":{"panic_at":{"type":"integer","default":0,` +
				`"description":"Panics on this record number of the instance (1-based; 0: never): a test of the SDK's panic guard."}},` +
				`"additionalProperties":false}`,
		}, newOrderCount),
	)
}

func main() {}

// BigOrders keeps orders with amount >= minAmount.
//
// It works a batch at a time, as cgo calls cost tens of nanoseconds each:
// one call reads every record's amount (JSONPath.Float64s), one passes the
// kept records on without copying them (Context.EmitSelected).
type BigOrders struct {
	minAmount float64
	amount    streamhost.JSONPath
	dropped   streamhost.Counter
	// Reused from batch to batch.
	amounts  []float64
	statuses []streamhost.JSONStatus
	kept     []uint32
}

func newBigOrders(ctx *streamhost.Context, config []byte) (*BigOrders, error) {
	minAmount, err := ctx.ConfigFloat64("min_amount", 100)
	if err != nil {
		return nil, fmt.Errorf("big-orders-go: config 'min_amount' must be a number: %w", err)
	}
	dropped, err := ctx.Counter("dropped")
	if err != nil {
		return nil, err
	}
	return &BigOrders{minAmount: minAmount, amount: streamhost.NewJSONPath("amount"), dropped: dropped}, nil
}

// reasons are the dead-letter reasons of examples/c-operator, by status.
var reasons = map[streamhost.JSONStatus]string{
	streamhost.JSONNullRecord:  "big-orders: the value is null",
	streamhost.JSONMissing:     "big-orders: field 'amount' is missing",
	streamhost.JSONNotAnObject: "big-orders: the value is not a JSON object",
	streamhost.JSONWrongType:   "big-orders: field 'amount' is not a number",
	streamhost.JSONMalformed:   "big-orders: the value is not valid JSON",
}

func (b *BigOrders) Process(ctx *streamhost.Context, batch *streamhost.Batch) error {
	b.amounts, b.statuses = b.amount.Float64s(batch, b.amounts, b.statuses)
	b.kept = b.kept[:0]
	var dropped int64
	for j, status := range b.statuses {
		switch {
		case status != streamhost.JSONOK:
			reason, known := reasons[status]
			if !known {
				reason = "big-orders: the value is not valid JSON"
			}
			if err := ctx.Reject(batch.Record(j), reason); err != nil {
				return fmt.Errorf("big-orders-go: record %d of the batch: %w", j, err)
			}
		case b.amounts[j] >= b.minAmount:
			b.kept = append(b.kept, uint32(j))
		default:
			dropped++
		}
	}
	if dropped > 0 {
		b.dropped.Add(dropped)
	}
	return ctx.EmitSelected(batch, b.kept)
}

// OrderCount counts records per key in a value state.
type OrderCount struct {
	counts  streamhost.ValueState
	panicAt int64
	seen    int64
}

func newOrderCount(ctx *streamhost.Context, config []byte) (*OrderCount, error) {
	panicAt, err := ctx.ConfigInt64("panic_at", 0)
	if err != nil {
		return nil, err
	}
	return &OrderCount{panicAt: panicAt}, nil
}

func (o *OrderCount) Open(ctx *streamhost.Context, info streamhost.TaskInfo) (err error) {
	o.counts, err = ctx.ValueState("orders", 0)
	return err
}

func (o *OrderCount) Process(ctx *streamhost.Context, batch *streamhost.Batch) error {
	var count [8]byte
	for j := 0; j < batch.Len(); j++ {
		record := batch.Record(j)
		o.seen++
		if o.seen == o.panicAt {
			panic(fmt.Sprintf("order-count-go: panic_at %d reached", o.panicAt))
		}
		if record.Key == nil {
			if err := ctx.Reject(record, "order-count-go: the record has no key (use key_by)"); err != nil {
				return err
			}
			continue
		}
		old, found, err := o.counts.Get(record.Key)
		if err != nil {
			return err
		}
		var n uint64 = 1
		if found && len(old) == 8 {
			n = binary.LittleEndian.Uint64(old) + 1
		}
		binary.LittleEndian.PutUint64(count[:], n)
		if err := o.counts.Put(record.Key, count[:]); err != nil {
			return err
		}
		key, _ := json.Marshal(string(record.Key))
		value := []byte(`{"key":` + string(key) + `,"orders":` + strconv.FormatUint(n, 10) + `}`)
		if err := ctx.Emit(streamhost.Record{Timestamp: record.Timestamp, Key: record.Key, Value: value}); err != nil {
			return err
		}
	}
	return nil
}
