package streamhost

// The Go functions the C bridge calls (bridge.c). A file with //export may
// only declare C functions in its preamble, so the bridge's C lives in
// bridge.c.

/*
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"runtime/debug"
	"time"
	"unsafe"
)

// instance is what a cgo handle stands for: the component's value and the
// Context of the instance (the host's ctx is valid until destroy).
type instance struct {
	value     any
	ctx       Context
	component *Component
}

func instanceOf(self C.uintptr_t, ctx *C.sh_ctx) *instance {
	box := cgo.Handle(self).Value().(*instance)
	box.ctx.c = ctx
	return box
}

// guard turns an error or a panic of a callback into SH_ERROR with the
// message given to set_error.
func guard(ctx *C.sh_ctx, what string, status *C.sh_status) {
	if recovered := recover(); recovered != nil {
		// The stack goes to the message log, the panic to the job's error.
		stack := string(debug.Stack())
		C.sh_go_log(ctx, C.SH_MSG_ERROR, cString(stack), C.size_t(len(stack)))
		message := fmt.Sprintf("%s panicked: %v", what, recovered)
		C.sh_go_set_error(ctx, cString(message), C.size_t(len(message)))
		*status = C.SH_ERROR
	}
}

func fail(ctx *C.sh_ctx, err error) C.sh_status {
	if err == nil {
		return C.SH_OK
	}
	message := err.Error()
	C.sh_go_set_error(ctx, cString(message), C.size_t(len(message)))
	return C.SH_ERROR
}

//export shgoEntry
func shgoEntry() C.int {
	return C.int(buildDescriptor())
}

//export shgoCreate
func shgoCreate(ctx *C.sh_ctx, index C.uint32_t, config *C.char, configLen C.size_t, out *C.uintptr_t) (status C.sh_status) {
	component := component(int(index))
	defer guard(ctx, "create of "+component.spec.Name, &status)
	box := &instance{component: component}
	box.ctx.c = ctx
	value, err := component.create(&box.ctx, C.GoBytes(unsafe.Pointer(config), C.int(configLen)))
	if err != nil {
		return fail(ctx, err)
	}
	box.value = value
	*out = C.uintptr_t(cgo.NewHandle(box))
	return C.SH_OK
}

//export shgoDestroy
func shgoDestroy(self C.uintptr_t) {
	handle := cgo.Handle(self)
	box := handle.Value().(*instance)
	handle.Delete()
	defer func() {
		// No ctx to report to: destroy runs after the instance's end.
		if recovered := recover(); recovered != nil {
			fmt.Fprintf(os.Stderr, "streamhost Go plugin: Destroy of %s panicked: %v\n", box.component.spec.Name, recovered)
		}
	}()
	if destroyer, ok := box.value.(Destroyer); ok {
		destroyer.Destroy()
	}
}

//export shgoOpen
func shgoOpen(self C.uintptr_t, ctx *C.sh_ctx, info *C.sh_task_info) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "Open of "+box.component.spec.Name, &status)
	task := TaskInfo{
		Instance: uint32(info.instance), Parallelism: uint32(info.parallelism), MaxParallelism: uint32(info.max_parallelism),
		KeyGroupFirst: uint32(info.key_group_first), KeyGroupLast: uint32(info.key_group_last),
		InputCount: uint32(info.input_count), JobName: C.GoString(info.job_name), StepID: C.GoString(info.step_id),
	}
	size := uintptr(info.struct_size)
	if size >= unsafe.Offsetof(info.checkpoint_interval_ms)+8 {
		task.CheckpointInterval = time.Duration(info.checkpoint_interval_ms) * time.Millisecond
	}
	if size >= unsafe.Offsetof(info.output_format)+4 {
		task.InputFormat, task.OutputFormat = Format(info.input_format), Format(info.output_format)
	}
	return fail(ctx, box.value.(Opener).Open(&box.ctx, task))
}

//export shgoProcess
func shgoProcess(self C.uintptr_t, ctx *C.sh_ctx, batch *C.sh_batch) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "Process of "+box.component.spec.Name, &status)
	return fail(ctx, box.value.(Processor).Process(&box.ctx, &Batch{c: batch}))
}

//export shgoPoll
func shgoPoll(self C.uintptr_t, ctx *C.sh_ctx, max C.uint32_t) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "Poll of "+box.component.spec.Name, &status)
	result, err := box.value.(Poller).Poll(&box.ctx, int(max))
	if err != nil {
		return fail(ctx, err)
	}
	return C.sh_status(result)
}

//export shgoWatermark
func shgoWatermark(self C.uintptr_t, ctx *C.sh_ctx, watermark C.int64_t) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "OnWatermark of "+box.component.spec.Name, &status)
	return fail(ctx, box.value.(WatermarkHandler).OnWatermark(&box.ctx, int64(watermark)))
}

//export shgoTimer
func shgoTimer(self C.uintptr_t, ctx *C.sh_ctx, timer *C.sh_timer) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "OnTimer of "+box.component.spec.Name, &status)
	fired := Timer{Domain: TimeDomain(timer.domain), Time: int64(timer.time), Key: lent(unsafe.Pointer(timer.key), timer.key_len)}
	if fired.Key == nil {
		fired.Key = []byte{}
	}
	return fail(ctx, box.value.(TimerHandler).OnTimer(&box.ctx, fired))
}

//export shgoSnapshot
func shgoSnapshot(self C.uintptr_t, ctx *C.sh_ctx, checkpointID C.int64_t, out *C.sh_blob) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "Snapshot of "+box.component.spec.Name, &status)
	data, err := box.value.(Snapshotter).Snapshot(&box.ctx, int64(checkpointID))
	if err != nil {
		return fail(ctx, err)
	}
	if C.sh_go_blob(out, cBytes(data), C.size_t(len(data))) != C.SH_OK {
		return fail(ctx, fmt.Errorf("Snapshot of %s: the host could not allocate %d bytes", box.component.spec.Name, len(data)))
	}
	return C.SH_OK
}

//export shgoRestore
func shgoRestore(self C.uintptr_t, ctx *C.sh_ctx, stateVersion C.uint32_t, data *C.uint8_t, length C.size_t) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "Restore of "+box.component.spec.Name, &status)
	blob := lent(unsafe.Pointer(data), length)
	if blob == nil {
		blob = []byte{}
	}
	return fail(ctx, box.value.(Restorer).Restore(&box.ctx, uint32(stateVersion), blob))
}

//export shgoMigrate
func shgoMigrate(ctx *C.sh_ctx, index C.uint32_t, migration *C.sh_migration, out *C.sh_blob) (status C.sh_status) {
	component := component(int(index))
	defer guard(ctx, "Migrate of "+component.spec.Name, &status)
	m := Migration{
		Kind: MigrationKind(migration.kind), FromVersion: uint32(migration.from_version), ToVersion: uint32(migration.to_version),
		FromPluginVersion: C.GoString(migration.from_plugin_version),
		Key:               lent(unsafe.Pointer(migration.key), migration.key_len),
		Data:              lent(unsafe.Pointer(migration.data), migration.len),
	}
	if migration.state_name != nil {
		m.StateName = C.GoString(migration.state_name)
	}
	data, err := component.spec.Migrate(m)
	if err != nil {
		return fail(ctx, err)
	}
	if C.sh_go_blob(out, cBytes(data), C.size_t(len(data))) != C.SH_OK {
		return fail(ctx, fmt.Errorf("Migrate of %s: the host could not allocate %d bytes", component.spec.Name, len(data)))
	}
	return C.SH_OK
}

//export shgoCheckpoint
func shgoCheckpoint(self C.uintptr_t, ctx *C.sh_ctx, checkpointID C.int64_t, phase C.int) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "a checkpoint callback of "+box.component.spec.Name, &status)
	id := int64(checkpointID)
	switch phase {
	case 0:
		return fail(ctx, box.value.(CheckpointHandler).OnCheckpoint(&box.ctx, id))
	case 1:
		return fail(ctx, box.value.(CheckpointCompleter).OnCheckpointComplete(&box.ctx, id))
	default:
		return fail(ctx, box.value.(CheckpointAborter).OnCheckpointAbort(&box.ctx, id))
	}
}

//export shgoClose
func shgoClose(self C.uintptr_t, ctx *C.sh_ctx) (status C.sh_status) {
	box := instanceOf(self, ctx)
	defer guard(ctx, "Close of "+box.component.spec.Name, &status)
	return fail(ctx, box.value.(Closer).Close(&box.ctx))
}

//export shgoMapVisit
func shgoMapVisit(visit C.uintptr_t, userKey *C.uint8_t, userKeyLen C.size_t, value *C.uint8_t, valueLen C.size_t) C.sh_status {
	visitor := cgo.Handle(visit).Value().(func(userKey, value []byte) bool)
	if visitor(lent(unsafe.Pointer(userKey), userKeyLen), lent(unsafe.Pointer(value), valueLen)) {
		return C.SH_OK
	}
	return C.SH_IDLE
}
