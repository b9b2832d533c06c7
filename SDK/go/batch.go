package streamhost

/*
#include "bridge.h"
*/
import "C"

import (
	"math"
	"strconv"
	"strings"
	"unsafe"
)

// Record is one record. A nil Key or Value is null (a tombstone value); an
// empty non-nil slice is empty. Records read from a Batch lend their Key
// and Value from the host until the callback returns.
type Record struct {
	Timestamp  int64
	Key, Value []byte
}

// Batch is a read-only batch of records, lent for the Process call.
type Batch struct {
	c *C.sh_batch
}

func (b *Batch) hasV13() bool {
	return b.c.struct_size >= C.uint32_t(unsafe.Offsetof(b.c.headers)+unsafe.Sizeof(b.c.headers))
}

// Len is the number of records (the selected rows when the batch has a
// selection).
func (b *Batch) Len() int {
	if b.hasV13() && b.c.selection != nil {
		return int(b.c.selection_count)
	}
	return int(b.c.count)
}

// Row is the row of record j (j itself without a selection).
func (b *Batch) Row(j int) int {
	if b.hasV13() && b.c.selection != nil {
		return int(unsafe.Slice(b.c.selection, b.c.selection_count)[j])
	}
	return j
}

// Input is the step input the batch came in on (0 unless several).
func (b *Batch) Input() int { return int(b.c.input) }

// Format is FormatBytes or FormatColumns.
func (b *Batch) Format() Format {
	if b.hasV13() && Format(b.c.format) == FormatColumns {
		return FormatColumns
	}
	return FormatBytes
}

// Record returns record j (0 ..< Len()). For a columns batch Value is nil:
// read the values with Column.
func (b *Batch) Record(j int) Record {
	row := b.Row(j)
	count := int(b.c.count)
	var flags byte
	if b.c.flags != nil {
		flags = byte(unsafe.Slice((*C.uint8_t)(b.c.flags), count)[row])
	}
	r := Record{Timestamp: int64(unsafe.Slice((*C.int64_t)(b.c.timestamps), count)[row])}
	if b.c.key_offsets != nil && flags&C.SH_RECORD_KEY_NULL == 0 {
		offsets := unsafe.Slice((*C.uint32_t)(b.c.key_offsets), count+1)
		r.Key = span(unsafe.Pointer(b.c.keys), offsets[row], offsets[row+1])
	}
	if b.Format() == FormatBytes && flags&C.SH_RECORD_VALUE_NULL == 0 {
		offsets := unsafe.Slice((*C.uint32_t)(b.c.value_offsets), count+1)
		r.Value = span(unsafe.Pointer(b.c.values), offsets[row], offsets[row+1])
	}
	return r
}

// span is bytes [start, end) of a batch's key or value bytes: never nil,
// since nil means null (a batch may have no bytes buffer when every key or
// value in it is empty).
func span(base unsafe.Pointer, start, end C.uint32_t) []byte {
	if end == start {
		return []byte{}
	}
	return unsafe.Slice((*byte)(unsafe.Add(base, start)), int(end-start))
}

// Column is one typed column of a columns batch (an Arrow child array),
// read by row (Batch.Row). Its data is lent for the Process call.
type Column struct {
	Name   string
	Format string // the Arrow format string: "l", "g", "u", "tsm:UTC"...
	array  *C.struct_ArrowArray
}

// Column finds the field name of a columns batch.
func (b *Batch) Column(name string) (Column, bool) {
	if b.Format() != FormatColumns || b.c.schema == nil || b.c.columns == nil {
		return Column{}, false
	}
	schema, array := b.c.schema, b.c.columns
	children := unsafe.Slice(schema.children, int(schema.n_children))
	arrays := unsafe.Slice(array.children, int(array.n_children))
	for i, child := range children {
		if C.GoString(child.name) == name && i < len(arrays) {
			return Column{Name: name, Format: C.GoString(child.format), array: arrays[i]}, true
		}
	}
	return Column{}, false
}

func (c Column) buffer(i int) unsafe.Pointer {
	return unsafe.Slice(c.array.buffers, int(c.array.n_buffers))[i]
}

// Valid says whether the value at row is not null.
func (c Column) Valid(row int) bool {
	validity := c.buffer(0)
	if validity == nil {
		return true
	}
	bit := int(c.array.offset) + row
	return (*(*byte)(unsafe.Add(validity, bit>>3))>>(bit&7))&1 == 1
}

// Int64 reads an integer, timestamp or date column ("l", "i", "tsm:UTC",
// "tdD", "b" as 0/1); ok is false for a null or another type.
func (c Column) Int64(row int) (value int64, ok bool) {
	if !c.Valid(row) {
		return 0, false
	}
	at := int(c.array.offset) + row
	switch {
	case c.Format == "l" || strings.HasPrefix(c.Format, "ts"):
		return *(*int64)(unsafe.Add(c.buffer(1), at*8)), true
	case c.Format == "i" || c.Format == "tdD":
		return int64(*(*int32)(unsafe.Add(c.buffer(1), at*4))), true
	case c.Format == "b":
		if (*(*byte)(unsafe.Add(c.buffer(1), at>>3))>>(at&7))&1 == 1 {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Float64 reads a number column ("g", the integer types, and decimals
// "d:P,S" whose value fits in 64 bits, rounded to the nearest double).
func (c Column) Float64(row int) (value float64, ok bool) {
	if !c.Valid(row) {
		return 0, false
	}
	at := int(c.array.offset) + row
	switch {
	case c.Format == "g":
		return *(*float64)(unsafe.Add(c.buffer(1), at*8)), true
	case strings.HasPrefix(c.Format, "d:"):
		low := *(*int64)(unsafe.Add(c.buffer(1), at*16))
		high := *(*int64)(unsafe.Add(c.buffer(1), at*16+8))
		if (high != 0 || low < 0) && (high != -1 || low >= 0) {
			return 0, false // beyond 64 bits
		}
		scale := 0
		if comma := strings.LastIndexByte(c.Format, ','); comma >= 0 {
			scale, _ = strconv.Atoi(c.Format[comma+1:])
		}
		return float64(low) / math.Pow10(scale), true
	}
	integer, ok := c.Int64(row)
	return float64(integer), ok
}

// Bytes reads a utf8 or binary column ("u", "z"), lent for the call.
func (c Column) Bytes(row int) (value []byte, ok bool) {
	if !c.Valid(row) || (c.Format != "u" && c.Format != "z") {
		return nil, false
	}
	at := int(c.array.offset) + row
	offsets := unsafe.Slice((*int32)(c.buffer(1)), at+2)
	start, end := offsets[at], offsets[at+1]
	return unsafe.Slice((*byte)(unsafe.Add(c.buffer(2), start)), int(end-start)), true
}
