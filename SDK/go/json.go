package streamhost

// JSON fields of records, read under the host's JSON rule by the SDK's C
// helper (SDK/include/streamhost_json.h), so a Go operator accepts and
// refuses exactly the records a C or Swift one does.

/*
#include <stdlib.h>
#include "streamhost.h"
#include "streamhost_json.h"

// Offsets instead of pointers: the text may be Go memory, which C may not
// leave pointers to in Go memory.
static inline int sh_go_json_find(const void *text, size_t length, const char *path, int *kind, size_t *offset,
                                  size_t *value_length, size_t *error_offset) {
    sh_json_value value;
    sh_json_status status = sh_json_find(text, length, path, &value, error_offset);
    if (status == SH_JSON_OK) {
        *kind = (int)value.kind;
        *offset = (size_t)(value.text - (const unsigned char *)text);
        *value_length = value.length;
    }
    return (int)status;
}

static inline int sh_go_json_double(const void *text, size_t length, double *out) {
    sh_json_value value = {SH_JSON_NUMBER, (const unsigned char *)text, length};
    return (int)sh_json_double(&value, out);
}

// The number at path in every record of a bytes batch, in one call (a cgo
// call costs more than finding a field): values[j] and statuses[j] for
// record j (the batch's selection applied). A null value is status -1.
static inline void sh_go_json_doubles(const sh_batch *batch, const char *path, double *values, int8_t *statuses) {
    uint32_t records = sh_batch_record_count(batch);
    for (uint32_t j = 0; j < records; j++) {
        sh_record record;
        sh_batch_record(batch, sh_batch_row(batch, j), &record);
        values[j] = 0;
        if (record.value == NULL) {
            statuses[j] = -1;
            continue;
        }
        sh_json_value value;
        sh_json_status status = sh_json_find(record.value, record.value_len, path, &value, NULL);
        if (status == SH_JSON_OK) status = sh_json_double(&value, &values[j]);
        statuses[j] = (int8_t)status;
    }
}

static inline int sh_go_json_int64(const void *text, size_t length, int64_t *out) {
    sh_json_value value = {SH_JSON_NUMBER, (const unsigned char *)text, length};
    return (int)sh_json_int64(&value, out);
}
*/
import "C"

import "unsafe"

// JSONStatus is the outcome of a JSON lookup.
type JSONStatus int8

const (
	JSONOK          JSONStatus = C.SH_JSON_OK
	JSONMissing     JSONStatus = C.SH_JSON_MISSING       // no such member
	JSONNotAnObject JSONStatus = C.SH_JSON_NOT_AN_OBJECT // the text (or a value on the path) is not an object
	JSONMalformed   JSONStatus = C.SH_JSON_MALFORMED     // not valid JSON
	JSONWrongType   JSONStatus = C.SH_JSON_WRONG_TYPE    // not the kind asked for
	JSONNullRecord  JSONStatus = -1                      // Float64s: the record's value is null
)

// JSONKind is the kind of a JSON value.
type JSONKind int

const (
	JSONNull   JSONKind = C.SH_JSON_NULL
	JSONBool   JSONKind = C.SH_JSON_BOOL
	JSONNumber JSONKind = C.SH_JSON_NUMBER
	JSONString JSONKind = C.SH_JSON_STRING
	JSONArray  JSONKind = C.SH_JSON_ARRAY
	JSONObject JSONKind = C.SH_JSON_OBJECT
)

// JSONValue is one value found in a JSON text; Text is a slice of that
// text (strings with their quotes).
type JSONValue struct {
	Kind JSONKind
	Text []byte
}

// JSONPath is a member path ("amount", "customer.id"), prepared once and
// kept for the life of the plugin.
type JSONPath struct {
	c *C.char
}

// NewJSONPath prepares a path. Make it once (in create), not per record.
func NewJSONPath(path string) JSONPath {
	return JSONPath{c: C.CString(path)}
}

// Find looks the path up in a JSON object text. Every byte up to the end
// of the found value is checked under the host's rule.
func (p JSONPath) Find(text []byte) (JSONValue, JSONStatus) {
	var kind C.int
	var offset, length, errorOffset C.size_t
	status := JSONStatus(C.sh_go_json_find(cBytes(text), C.size_t(len(text)), p.c, &kind, &offset, &length, &errorOffset))
	if status != JSONOK {
		return JSONValue{}, status
	}
	return JSONValue{Kind: JSONKind(kind), Text: text[offset : offset+length]}, JSONOK
}

// Float64s reads the number at the path in every record of a bytes batch
// with one cgo call: values[j] and statuses[j] for record j (0 ..<
// batch.Len()); a status other than JSONOK says why record j has no number
// (JSONNullRecord, JSONMissing, JSONNotAnObject, JSONMalformed,
// JSONWrongType). values and statuses are grown to batch.Len() and
// returned; pass the previous batch's to reuse them.
func (p JSONPath) Float64s(batch *Batch, values []float64, statuses []JSONStatus) ([]float64, []JSONStatus) {
	n := batch.Len()
	if cap(values) < n {
		values = make([]float64, n)
	}
	if cap(statuses) < n {
		statuses = make([]JSONStatus, n)
	}
	values, statuses = values[:n], statuses[:n]
	if n == 0 || batch.Format() != FormatBytes {
		for j := range statuses {
			statuses[j] = JSONWrongType
		}
		return values, statuses
	}
	C.sh_go_json_doubles((*C.sh_batch)(unsafe.Pointer(batch.c)), p.c, (*C.double)(unsafe.Pointer(&values[0])),
		(*C.int8_t)(unsafe.Pointer(&statuses[0])))
	return values, statuses
}

// Float64 reads a number.
func (v JSONValue) Float64() (float64, JSONStatus) {
	if v.Kind != JSONNumber {
		return 0, JSONWrongType
	}
	var out C.double
	status := JSONStatus(C.sh_go_json_double(unsafe.Pointer(&v.Text[0]), C.size_t(len(v.Text)), &out))
	return float64(out), status
}

// Int64 reads an integer that fits int64.
func (v JSONValue) Int64() (int64, JSONStatus) {
	if v.Kind != JSONNumber {
		return 0, JSONWrongType
	}
	var out C.int64_t
	status := JSONStatus(C.sh_go_json_int64(unsafe.Pointer(&v.Text[0]), C.size_t(len(v.Text)), &out))
	return int64(out), status
}
