package streamhost

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"
)

// Callbacks a component's instance type may implement. Process is required
// of operators and sinks, Poll of sources; the others are optional and the
// host keeps its default for those a type lacks.
type (
	// Processor handles one batch (operators and sinks).
	Processor interface {
		Process(ctx *Context, batch *Batch) error
	}
	// Poller emits up to max records (sources): Polled after emitting
	// (possibly none), Idle when nothing is available now, End when the
	// source is exhausted.
	Poller interface {
		Poll(ctx *Context, max int) (PollResult, error)
	}
	// Opener runs once before data flows: register state and counters here.
	Opener interface {
		Open(ctx *Context, info TaskInfo) error
	}
	// WatermarkHandler replaces the host's forwarding of watermarks.
	WatermarkHandler interface {
		OnWatermark(ctx *Context, watermark int64) error
	}
	// TimerHandler receives fired timers (required if timers are registered).
	TimerHandler interface {
		OnTimer(ctx *Context, timer Timer) error
	}
	// Snapshotter writes operator-level state (nil or empty: none).
	Snapshotter interface {
		Snapshot(ctx *Context, checkpointID int64) ([]byte, error)
	}
	// Restorer reads back what Snapshot wrote, before Open.
	Restorer interface {
		Restore(ctx *Context, stateVersion uint32, data []byte) error
	}
	// CheckpointHandler: the barrier reached this instance (pre-commit).
	CheckpointHandler interface {
		OnCheckpoint(ctx *Context, checkpointID int64) error
	}
	// CheckpointCompleter: the checkpoint completed everywhere (commit).
	CheckpointCompleter interface {
		OnCheckpointComplete(ctx *Context, checkpointID int64) error
	}
	// CheckpointAborter: the checkpoint failed (discard the pre-commit).
	CheckpointAborter interface {
		OnCheckpointAbort(ctx *Context, checkpointID int64) error
	}
	// Closer flushes at end of input.
	Closer interface {
		Close(ctx *Context) error
	}
	// Destroyer releases what the instance holds outside Go's heap; it
	// runs last, always, and may not call the host.
	Destroyer interface {
		Destroy()
	}
)

// PollResult is what Poll returns besides an error.
type PollResult int32

const (
	Polled PollResult = C.SH_OK
	Idle   PollResult = C.SH_IDLE
	End    PollResult = C.SH_END
)

// TimeDomain of a timer.
type TimeDomain int32

const (
	EventTime      TimeDomain = C.SH_TIME_EVENT
	ProcessingTime TimeDomain = C.SH_TIME_PROCESSING
)

// LogLevel of a line of the host's message log.
type LogLevel int32

const (
	LogTrace LogLevel = C.SH_MSG_TRACE
	LogDebug LogLevel = C.SH_MSG_DEBUG
	LogInfo  LogLevel = C.SH_MSG_INFO
	LogWarn  LogLevel = C.SH_MSG_WARN
	LogError LogLevel = C.SH_MSG_ERROR
)

// Timer is a fired timer; Key is lent for the callback.
type Timer struct {
	Domain TimeDomain
	Time   int64
	Key    []byte
}

// TaskInfo is what open tells an instance about its place in the job.
type TaskInfo struct {
	Instance, Parallelism, MaxParallelism uint32
	KeyGroupFirst, KeyGroupLast           uint32
	InputCount                            uint32
	JobName, StepID                       string
	CheckpointInterval                    time.Duration // 0: no checkpoints
	InputFormat, OutputFormat             Format
}

// MigrationKind is what a Migration rewrites.
type MigrationKind int32

const (
	MigrateKeyedValue   MigrationKind = C.SH_MIGRATE_KEYED_VALUE
	MigrateMapEntry     MigrationKind = C.SH_MIGRATE_MAP_ENTRY
	MigrateOperatorBlob MigrationKind = C.SH_MIGRATE_OPERATOR_BLOB
)

// Migration is one old value or blob to rewrite; Key and Data are lent for
// the call.
type Migration struct {
	Kind                   MigrationKind
	FromVersion, ToVersion uint32
	StateName              string
	FromPluginVersion      string
	Key, Data              []byte
}

// HostError is a host call that did not return SH_OK.
type HostError struct {
	Call    string
	Status  int32
	Message string
}

func (e *HostError) Error() string {
	return fmt.Sprintf("%s failed (status %d): %s", e.Call, e.Status, e.Message)
}

// Context is the host's context of one instance, handed to every callback.
// Valid inside callbacks only, on the callback's goroutine.
type Context struct {
	c *C.sh_ctx
}

func (ctx *Context) check(call string, status C.sh_status) error {
	if status == C.SH_OK {
		return nil
	}
	return &HostError{Call: call, Status: int32(status), Message: C.GoString(C.sh_go_last_error(ctx.c))}
}

// cString points at a Go string's bytes for a call that reads len bytes
// (not NUL-terminated: the bridge copies).
func cString(s string) *C.char {
	if len(s) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer((*reflect.StringHeader)(unsafe.Pointer(&s)).Data))
}

// cBytes points at a slice's bytes for a call that reads them.
func cBytes(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func flag(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// lent is a slice over C memory the host lends for a callback.
func lent(pointer unsafe.Pointer, length C.size_t) []byte {
	if pointer == nil {
		return nil
	}
	return unsafe.Slice((*byte)(pointer), int(length))
}

// Emit appends a record to the instance's output (the host copies it).
func (ctx *Context) Emit(r Record) error {
	return ctx.check("emit", C.sh_go_emit(ctx.c, C.int64_t(r.Timestamp),
		cBytes(r.Key), C.size_t(len(r.Key)), flag(r.Key == nil),
		cBytes(r.Value), C.size_t(len(r.Value)), flag(r.Value == nil)))
}

// EmitSide emits to the side output named output.
func (ctx *Context) EmitSide(output string, r Record) error {
	return ctx.check("emit_side", C.sh_go_emit_side(ctx.c, cString(output), C.size_t(len(output)),
		C.int64_t(r.Timestamp), cBytes(r.Key), C.size_t(len(r.Key)), flag(r.Key == nil),
		cBytes(r.Value), C.size_t(len(r.Value)), flag(r.Value == nil)))
}

// EmitSelected passes on the records of batch (the one Process received)
// whose record numbers (0 ..< batch.Len()) are listed in ascending order,
// without copying them: a filter's zero-copy output. nil passes every
// record on.
func (ctx *Context) EmitSelected(batch *Batch, records []uint32) error {
	if records == nil {
		return ctx.check("emit_batch", C.sh_go_emit_selected(ctx.c, batch.c, nil, 0))
	}
	rows := records
	if batch.c.selection != nil {
		rows = make([]uint32, len(records))
		for i, record := range records {
			rows[i] = uint32(batch.Row(int(record)))
		}
	}
	var first *C.uint32_t
	if len(rows) > 0 {
		first = (*C.uint32_t)(unsafe.Pointer(&rows[0]))
	}
	return ctx.check("emit_batch", C.sh_go_emit_selected(ctx.c, batch.c, first, C.uint32_t(len(rows))))
}

// Reject sends a record the instance cannot process to the job's dead
// letters with reason; the job goes on.
func (ctx *Context) Reject(r Record, reason string) error {
	return ctx.check("reject", C.sh_go_reject(ctx.c, C.int64_t(r.Timestamp),
		cBytes(r.Key), C.size_t(len(r.Key)), flag(r.Key == nil),
		cBytes(r.Value), C.size_t(len(r.Value)), flag(r.Value == nil),
		cString(reason), C.size_t(len(reason))))
}

// Log writes a line to the host's message log, attributed to the step.
func (ctx *Context) Log(level LogLevel, message string) {
	C.sh_go_log(ctx.c, C.int32_t(level), cString(message), C.size_t(len(message)))
}

// Wakeup asks the host to poll the instance again soon: the one call any
// goroutine may make at any time.
func (ctx *Context) Wakeup() { C.sh_go_wakeup(ctx.c) }

// CurrentWatermark is the instance's event-time watermark (math.MinInt64
// before the first).
func (ctx *Context) CurrentWatermark() int64 { return int64(C.sh_go_current_watermark(ctx.c)) }

// ProcessingTime is the host's clock in ms since the Unix epoch.
func (ctx *Context) ProcessingTime() int64 { return int64(C.sh_go_processing_time(ctx.c)) }

// EmitWatermark declares, for a source whose step says
// `watermarks: {strategy: source}`, that no older record follows.
func (ctx *Context) EmitWatermark(watermark int64) error {
	return ctx.check("emit_watermark", C.sh_go_emit_watermark(ctx.c, C.int64_t(watermark)))
}

// Counter is a metric of the instance, reported in the run summary.
type Counter struct {
	ctx *Context
	id  C.sh_counter_id
}

// Counter registers a counter named name (in create or Open).
func (ctx *Context) Counter(name string) (Counter, error) {
	var id C.sh_counter_id
	if err := ctx.check("counter_register", C.sh_go_counter_register(ctx.c, cString(name), C.size_t(len(name)), &id)); err != nil {
		return Counter{}, err
	}
	return Counter{ctx: ctx, id: id}, nil
}

// Add adds delta to the counter.
func (c Counter) Add(delta int64) { C.sh_go_counter_add(c.ctx.c, c.id, C.int64_t(delta)) }

// config reads one config value with read (a bridge call): found is false
// when the key is absent, and any other status but SH_OK is an error
// naming the call.
func (ctx *Context) config(call, key string, read func(key *C.char, length C.size_t) C.sh_status) (found bool, err error) {
	status := read(cString(key), C.size_t(len(key)))
	if status == C.SH_NOT_FOUND {
		return false, nil
	}
	if err := ctx.check(call+"("+key+")", status); err != nil {
		return false, err
	}
	return true, nil
}

// ConfigString reads a string of the step's config (a dotted path); def
// when absent, an error when the value has another type.
func (ctx *Context) ConfigString(key string, def string) (string, error) {
	var out *C.char
	found, err := ctx.config("config_string", key, func(k *C.char, n C.size_t) C.sh_status { return C.sh_go_config_string(ctx.c, k, n, &out) })
	if !found || err != nil {
		return def, err
	}
	return C.GoString(out), nil
}

// ConfigInt64 reads an integer of the step's config (see ConfigString).
func (ctx *Context) ConfigInt64(key string, def int64) (int64, error) {
	var out C.int64_t
	found, err := ctx.config("config_int64", key, func(k *C.char, n C.size_t) C.sh_status { return C.sh_go_config_int64(ctx.c, k, n, &out) })
	if !found || err != nil {
		return def, err
	}
	return int64(out), nil
}

// ConfigFloat64 reads a number (integers included) of the step's config.
func (ctx *Context) ConfigFloat64(key string, def float64) (float64, error) {
	var out C.double
	found, err := ctx.config("config_double", key, func(k *C.char, n C.size_t) C.sh_status { return C.sh_go_config_double(ctx.c, k, n, &out) })
	if !found || err != nil {
		return def, err
	}
	return float64(out), nil
}

// ConfigBool reads a boolean of the step's config.
func (ctx *Context) ConfigBool(key string, def bool) (bool, error) {
	var out C.int32_t
	found, err := ctx.config("config_bool", key, func(k *C.char, n C.size_t) C.sh_status { return C.sh_go_config_bool(ctx.c, k, n, &out) })
	if !found || err != nil {
		return def, err
	}
	return out != 0, nil
}

// ConfigJSON returns any config value as JSON text ("" for the whole
// config); ok is false when the key is absent.
func (ctx *Context) ConfigJSON(key string) (text []byte, ok bool, err error) {
	var out *C.char
	var length C.size_t
	status := C.sh_go_config_json(ctx.c, cString(key), C.size_t(len(key)), &out, &length)
	if status == C.SH_NOT_FOUND {
		return nil, false, nil
	}
	if err := ctx.check("config_json("+key+")", status); err != nil {
		return nil, false, err
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(length)), true, nil
}

// RegisterTimer registers a timer for key (one per key, domain and time).
func (ctx *Context) RegisterTimer(domain TimeDomain, key []byte, time int64) error {
	return ctx.check("timer_register", C.sh_go_timer_register(ctx.c, C.int32_t(domain), cBytes(key), C.size_t(len(key)), C.int64_t(time)))
}

// DeleteTimer deletes a registered timer.
func (ctx *Context) DeleteTimer(domain TimeDomain, key []byte, time int64) error {
	return ctx.check("timer_delete", C.sh_go_timer_delete(ctx.c, C.int32_t(domain), cBytes(key), C.size_t(len(key)), C.int64_t(time)))
}
