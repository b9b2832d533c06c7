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

#endif
