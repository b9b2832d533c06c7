package streamhost

/*
#include "bridge.h"
*/
import "C"

import (
	"runtime/cgo"
	"time"
	"unsafe"
)

// ValueState is a keyed state holding one value per key, kept by the host
// (checkpointed, restored, rescaled with its key groups).
type ValueState struct {
	ctx *Context
	id  C.sh_state_id
}

// MapState is a keyed state holding a map from user key to value per key.
type MapState struct {
	ctx *Context
	id  C.sh_state_id
}

func (ctx *Context) registerState(kind C.int32_t, name string, ttl time.Duration) (C.sh_state_id, error) {
	var id C.sh_state_id
	err := ctx.check("state_register("+name+")", C.sh_go_state_register(ctx.c, kind, cString(name), C.size_t(len(name)),
		C.int64_t(ttl.Milliseconds()), &id))
	return id, err
}

// ValueState registers a value state named name (in Open); ttl 0: entries
// never expire.
func (ctx *Context) ValueState(name string, ttl time.Duration) (ValueState, error) {
	id, err := ctx.registerState(C.SH_STATE_VALUE, name, ttl)
	return ValueState{ctx: ctx, id: id}, err
}

// MapState registers a map state named name (in Open).
func (ctx *Context) MapState(name string, ttl time.Duration) (MapState, error) {
	id, err := ctx.registerState(C.SH_STATE_MAP, name, ttl)
	return MapState{ctx: ctx, id: id}, err
}

// Get returns a copy of key's value; ok is false when there is none.
func (s ValueState) Get(key []byte) (value []byte, ok bool, err error) {
	var out *C.uint8_t
	var length C.size_t
	status := C.sh_go_state_get(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)), &out, &length)
	if status == C.SH_NOT_FOUND {
		return nil, false, nil
	}
	if err := s.ctx.check("state_get", status); err != nil {
		return nil, false, err
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(length)), true, nil
}

// Put stores value for key (the host copies both).
func (s ValueState) Put(key, value []byte) error {
	return s.ctx.check("state_put", C.sh_go_state_put(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)), cBytes(value), C.size_t(len(value))))
}

// Delete removes key's value (absent is not an error).
func (s ValueState) Delete(key []byte) error {
	status := C.sh_go_state_delete(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)))
	if status == C.SH_NOT_FOUND {
		return nil
	}
	return s.ctx.check("state_delete", status)
}

// Get returns a copy of the value under key and userKey.
func (s MapState) Get(key, userKey []byte) (value []byte, ok bool, err error) {
	var out *C.uint8_t
	var length C.size_t
	status := C.sh_go_state_map_get(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)), cBytes(userKey), C.size_t(len(userKey)), &out, &length)
	if status == C.SH_NOT_FOUND {
		return nil, false, nil
	}
	if err := s.ctx.check("state_map_get", status); err != nil {
		return nil, false, err
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(length)), true, nil
}

// Put stores value under key and userKey.
func (s MapState) Put(key, userKey, value []byte) error {
	return s.ctx.check("state_map_put", C.sh_go_state_map_put(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)),
		cBytes(userKey), C.size_t(len(userKey)), cBytes(value), C.size_t(len(value))))
}

// Delete removes the entry under key and userKey.
func (s MapState) Delete(key, userKey []byte) error {
	status := C.sh_go_state_map_delete(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)), cBytes(userKey), C.size_t(len(userKey)))
	if status == C.SH_NOT_FOUND {
		return nil
	}
	return s.ctx.check("state_map_delete", status)
}

// Each visits key's entries; visit's slices are lent for its call; return
// false to stop.
func (s MapState) Each(key []byte, visit func(userKey, value []byte) bool) error {
	handle := cgo.NewHandle(visit)
	defer handle.Delete()
	status := C.sh_go_state_map_iterate(s.ctx.c, s.id, cBytes(key), C.size_t(len(key)), C.uintptr_t(handle))
	if status == C.SH_IDLE { // the visitor stopped: not an error
		return nil
	}
	return s.ctx.check("state_map_iterate", status)
}
