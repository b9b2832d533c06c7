/*
 * plugin_support.h — small helpers the first-party C plugins share.
 *
 * Not part of the ABI: plugins outside this repository need only
 * SDK/include/streamhost.h. Compiled into each plugin with hidden
 * visibility, so a plugin still exports nothing but its entry point.
 */
#ifndef STREAMHOST_PLUGIN_SUPPORT_H
#define STREAMHOST_PLUGIN_SUPPORT_H

#include "streamhost.h"
#include "streamhost_version.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The version of every first-party plugin: they ship with the host, so
 * they carry its version (`streamhost --version`, sh_host_api.host_version). */
#define STREAMHOST_FIRST_PARTY_VERSION STREAMHOST_VERSION

/* Formats a message (printf-style, at most 1 KiB), hands it to
 * host->set_error and returns SH_ERROR: `return plugin_fail(host, ctx, ...)`. */
__attribute__((visibility("hidden"), format(printf, 3, 4)))
sh_status plugin_fail(const sh_host_api *host, sh_ctx *ctx, const char *format, ...);

/* "<who>: config '<key>' must be <expected> (host status N: <last_error>)". */
__attribute__((visibility("hidden")))
sh_status plugin_config_failure(const sh_host_api *host, sh_ctx *ctx, const char *who, const char *key,
                                const char *expected, sh_status status);

/* Grows *buffer (doubling from `initial`) to hold at least `needed` bytes;
 * 0 on allocation failure, the buffer unchanged. */
__attribute__((visibility("hidden")))
int plugin_reserve_bytes(uint8_t **buffer, size_t *capacity, size_t needed, size_t initial);

/* The partition count of `topic` into *out, or SH_ERROR with a message
 * naming <who> and the topic (missing topic, or the host's error). */
__attribute__((visibility("hidden")))
sh_status plugin_topic_partitions(const sh_host_api *host, sh_ctx *ctx, const char *who, const char *topic,
                                  uint32_t *out);

/* Little-endian integers of `bytes` bytes (1..8) in operator-state blobs:
 * the same on every host, whatever its byte order. */
static inline void plugin_put_le(uint8_t *out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; i++) out[i] = (uint8_t)(value >> (8 * i));
}

static inline uint64_t plugin_get_le(const uint8_t *in, int bytes) {
    uint64_t value = 0;
    for (int i = 0; i < bytes; i++) value |= (uint64_t)in[i] << (8 * i);
    return value;
}

/* Record headers collected record by record, handed to the host as a
 * batch's headers column (sh_batch.headers, ABI 1.3): a plugin that
 * regroups the records it received (the log sink buffers them per
 * partition) keeps each record's headers with it. Zero-initialize, add one
 * record at a time (plugin_headers_add, with or without headers), take
 * the array for the batch being handed over (plugin_headers_array), then
 * plugin_headers_clear; plugin_headers_free releases the memory. */
typedef struct plugin_headers {
    uint32_t records;        /* records added */
    uint32_t entries;        /* headers added */
    int any;                 /* some record has a header */
    int32_t *lists;          /* records + 1 offsets into the entries */
    size_t lists_capacity;   /* bytes */
    int32_t *key_offsets;    /* entries + 1 */
    size_t key_offsets_capacity;
    uint8_t *keys;
    size_t keys_capacity;
    int32_t *value_offsets;  /* entries + 1 */
    size_t value_offsets_capacity;
    uint8_t *values;
    size_t values_capacity;
    uint8_t *value_validity; /* one bit per entry: 0 = a header without a value */
    size_t value_validity_capacity;
    int64_t value_nulls;
    /* The arrays plugin_headers_array fills; BORROWED by the host for the
     * call they are passed to. */
    struct ArrowArray list_array, pairs_array, key_array, value_array;
    const void *list_buffers[2], *pairs_buffers[1], *key_buffers[3], *value_buffers[3];
    struct ArrowArray *list_children[1], *pairs_children[2];
} plugin_headers;

/* Adds row `row` of `batch` as the next record, with its headers (none
 * when the batch has no headers column); 0 on allocation failure or when
 * the headers pass 2 GiB. */
__attribute__((visibility("hidden")))
int plugin_headers_add(plugin_headers *h, const sh_batch *batch, uint32_t row);

/* The records' headers as an ArrowArray for sh_batch.headers, or NULL when
 * no record added since the last clear has any. Valid until the next add,
 * clear or free. */
__attribute__((visibility("hidden")))
const struct ArrowArray *plugin_headers_array(plugin_headers *h);

/* Forgets the records added (keeps the memory). */
__attribute__((visibility("hidden")))
void plugin_headers_clear(plugin_headers *h);

__attribute__((visibility("hidden")))
void plugin_headers_free(plugin_headers *h);

/* ------------------------------------------------------------------------ */
/* Seeded draws: splitmix64                                                 */
/* ------------------------------------------------------------------------ */

#define PLUGIN_SPLITMIX64_GAMMA 0x9e3779b97f4a7c15u

/* The splitmix64 output function (Steele, Lea, Flood 2014). */
static inline uint64_t plugin_splitmix64_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Output k (from 1) of the splitmix64 stream seeded with seed. Unsigned
 * arithmetic wraps, as the generator intends. */
static inline uint64_t plugin_splitmix64_output(uint64_t seed, uint64_t k) {
    return plugin_splitmix64_mix(seed + k * PLUGIN_SPLITMIX64_GAMMA);
}

/* ------------------------------------------------------------------------ */
/* Decimal text without snprintf (generators format millions of numbers)   */
/* ------------------------------------------------------------------------ */

/* "00" "01" ... "99". */
__attribute__((visibility("hidden"))) extern const char plugin_digit_pairs[201];

static inline unsigned plugin_decimal_digits(uint64_t value) {
    unsigned digits = 1;
    for (;;) {
        if (value < 10) return digits;
        if (value < 100) return digits + 1;
        if (value < 1000) return digits + 2;
        if (value < 10000) return digits + 3;
        value /= 10000;
        digits += 4;
    }
}

/* Writes value in decimal at p; returns the end of what it wrote. */
static inline char *plugin_put_u64(char *p, uint64_t value) {
    char *end = p + plugin_decimal_digits(value);
    char *q = end;
    while (value >= 100) {
        unsigned pair = (unsigned)(value % 100) * 2;
        value /= 100;
        q -= 2;
        q[0] = plugin_digit_pairs[pair];
        q[1] = plugin_digit_pairs[pair + 1];
    }
    if (value >= 10) {
        unsigned pair = (unsigned)value * 2;
        q[-2] = plugin_digit_pairs[pair];
        q[-1] = plugin_digit_pairs[pair + 1];
    } else {
        q[-1] = (char)('0' + value);
    }
    return end;
}

static inline char *plugin_put_i64(char *p, int64_t value) {
    if (value < 0) {
        *p++ = '-';
        return plugin_put_u64(p, 0 - (uint64_t)value);
    }
    return plugin_put_u64(p, (uint64_t)value);
}

/* Copies a string literal to p; the end of what it wrote. */
#define PLUGIN_PUT_LITERAL(p, text) (memcpy((p), (text), sizeof(text) - 1), (p) + sizeof(text) - 1)

/* ------------------------------------------------------------------------ */
/* Strided positions: a generator's instances at any parallelism            */
/* ------------------------------------------------------------------------ */

/* A generator whose record n is a pure function of its config and n splits
 * the work by stride: instance i of p makes n = i, i+p, i+2p, ..., so the
 * instances together make exactly the records of one instance. This is
 * where such an instance is, and what a restore at another parallelism
 * says was made already: record n was made when some restored entry has
 * n % stride == first and n < next. Entries fully behind this instance's
 * next are dropped as it goes.
 *
 * Snapshot blob (the component's state_version 1): 4 magic bytes, a u32
 * entry count, then per entry the stride, first and next (little-endian
 * u64s): this instance's own position, then the restored ones it still
 * has to skip. */
typedef struct plugin_stride_entry {
    uint64_t stride, first, next;
} plugin_stride_entry;

typedef struct plugin_strided {
    uint64_t first;  /* this instance's first record */
    uint64_t next;   /* the next record it makes */
    uint64_t stride; /* the parallelism */
    plugin_stride_entry *done;
    size_t done_count;
    size_t done_capacity;
} plugin_strided;

/* The only instance, at record 0 (until open says otherwise). */
static inline void plugin_strided_init(plugin_strided *position) {
    *position = (plugin_strided){.first = 0, .next = 0, .stride = 1};
}

__attribute__((visibility("hidden"))) void plugin_strided_free(plugin_strided *position);

/* open: instance `instance` of `parallelism`; a restore at the same
 * parallelism continues where this instance was. SH_ERROR (naming who)
 * for impossible task info. */
__attribute__((visibility("hidden")))
sh_status plugin_strided_open(const sh_host_api *host, sh_ctx *ctx, const char *who, plugin_strided *position,
                              uint32_t instance, uint32_t parallelism);

/* Moves next past records made before the restore (call before making
 * record next). */
__attribute__((visibility("hidden"))) void plugin_strided_skip_done(plugin_strided *position);

/* The snapshot blob, allocated with host->alloc, into *out. magic tells one
 * generator's blobs from another's. */
__attribute__((visibility("hidden")))
sh_status plugin_strided_snapshot(const sh_host_api *host, sh_ctx *ctx, const char *who, uint32_t magic,
                                  const plugin_strided *position, sh_blob *out);

/* Adds the entries of a blob snapshot wrote (any instance's); SH_ERROR
 * naming who for a blob that is not one. */
__attribute__((visibility("hidden")))
sh_status plugin_strided_restore(const sh_host_api *host, sh_ctx *ctx, const char *who, uint32_t magic,
                                 plugin_strided *position, const uint8_t *data, size_t len);

/* ------------------------------------------------------------------------ */
/* Record values: a JSON member and a time                                  */
/* ------------------------------------------------------------------------ */

/* What plugin_json_member found. */
typedef enum plugin_json_kind {
    PLUGIN_JSON_MISSING = 0,    /* no such member (or the value is no object) */
    PLUGIN_JSON_NULL,
    PLUGIN_JSON_STRING,         /* *start..*start+*len: the content, escapes left as written */
    PLUGIN_JSON_NUMBER,
    PLUGIN_JSON_OTHER,          /* true, false, an object or an array */
    PLUGIN_JSON_INVALID         /* the value is not a JSON object */
} plugin_json_kind;

/* The top-level member `name` of the JSON object in value[0..len): its
 * kind, and in *start/*len its text (a string's content without the
 * quotes). The last member of that name wins, as JSONView's member does.
 * Nesting deeper than PLUGIN_JSON_DEPTH_MAX is PLUGIN_JSON_INVALID. */
#define PLUGIN_JSON_DEPTH_MAX 256
__attribute__((visibility("hidden")))
plugin_json_kind plugin_json_member(const uint8_t *value, size_t len, const char *name, const uint8_t **start,
                                    size_t *text_len);

/* The rule TimeText (SDK/swift/TimeText) reads a point in time with, in C
 * for the C plugins: an integer of ms since the Unix epoch, or an ISO 8601
 * / RFC 3339 date-time (`T`, `t` or a space between date and time; a
 * fraction of any length, truncated to ms; `Z` or +HH:MM / +HHMM / -HH:MM;
 * no zone: UTC). 1 and the ms in *out, or 0 when text does not follow it.
 * TimeTextTests checks it against TimeText over the same cases. */
__attribute__((visibility("hidden")))
int plugin_time_text_ms(const uint8_t *text, size_t len, int64_t *out);

/* TimeText.rule, for messages. */
#define PLUGIN_TIME_TEXT_RULE                                                                                   \
    "an integer of milliseconds since the Unix epoch, or an ISO 8601 / RFC 3339 date-time such as "             \
    "2026-01-01T00:00:00Z, 2026-01-01T00:00:00.250+02:00 or 2026-01-01T00:00:00 (no zone: UTC)"

/* PLUGIN_TIME_TEXT_RULE as a function, for the test that holds it to TimeText.rule. */
__attribute__((visibility("hidden"))) const char *plugin_time_text_rule(void);

#endif
