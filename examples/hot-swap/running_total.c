/*
 * running_total.c — the plugin of the hot-swap example, built three times
 * from this one file (RUNNING_TOTAL_VERSION = 1, 2 or 3):
 *
 *   v1 (plugin 1.0.0, state_version 1) keeps, per customer, "count,cents"
 *      as text in keyed state, and as its operator state the highest
 *      order_id it has seen, as text.
 *   v2 (plugin 2.0.0, state_version 2) keeps the same facts in binary:
 *      16 bytes per customer (count, cents; little-endian) and 8 bytes of
 *      operator state. Its migrate hook rewrites v1 state into that layout.
 *   v3 (plugin 3.0.0, state_version 3) has v2's layout but reads only v2
 *      state: its migrate hook refuses v1 state (restore through v2 first),
 *      which is how the example shows a refused migration.
 *
 * The operator "running-total" reads orders keyed by customer (key_by
 * customer_id upstream) and emits, for every order, the customer's running
 * order count and total in cents, with the build that computed it:
 *   {"order_id":7,"customer_id":42,"orders":3,"total_cents":15023,"build":1}
 * Because its state moves through the swap, the counts continue without a
 * gap or a repeat: the k-th order of a customer always says "orders":k.
 *
 *   cc -shared -fPIC -O2 -I ../../SDK/include -DRUNNING_TOTAL_VERSION=1 -o librunning-total-v1.so running_total.c
 */
#include "streamhost.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RUNNING_TOTAL_VERSION
#define RUNNING_TOTAL_VERSION 1
#endif
#if RUNNING_TOTAL_VERSION < 1 || RUNNING_TOTAL_VERSION > 3
#error "RUNNING_TOTAL_VERSION must be 1, 2 or 3"
#endif

#define STR2(x) #x
#define STR(x) STR2(x)

SH_PLUGIN_HOST(host);

typedef struct running_total {
    sh_state_id totals;
    int has_state;
    int64_t max_order_id;
    char out[256];
} running_total;

/* ---- the state layouts ------------------------------------------------- */

typedef struct customer_total {
    uint64_t count;
    int64_t cents;
} customer_total;

__attribute__((unused)) static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

__attribute__((unused)) static uint64_t get_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* v1's text layout "count,cents"; 0 when it does not parse. */
__attribute__((unused)) static int parse_v1_total(const uint8_t *data, size_t len, customer_total *out) {
    char text[64];
    if (len == 0 || len >= sizeof text) return 0;
    memcpy(text, data, len);
    text[len] = 0;
    char *end = NULL;
    unsigned long long count = strtoull(text, &end, 10);
    if (end == text || *end != ',') return 0;
    char *cents_start = end + 1;
    long long cents = strtoll(cents_start, &end, 10);
    if (end == cents_start || *end != 0) return 0;
    out->count = count;
    out->cents = cents;
    return 1;
}

/* The current build's layout: writes into buffer (at least 64 bytes);
 * returns the length. */
static size_t encode_total(const customer_total *total, uint8_t *buffer) {
#if RUNNING_TOTAL_VERSION == 1
    return (size_t)snprintf((char *)buffer, 64, "%" PRIu64 ",%" PRId64, total->count, total->cents);
#else
    put_le64(buffer, total->count);
    put_le64(buffer + 8, (uint64_t)total->cents);
    return 16;
#endif
}

static int decode_total(const uint8_t *data, size_t len, customer_total *out) {
#if RUNNING_TOTAL_VERSION == 1
    return parse_v1_total(data, len, out);
#else
    if (len != 16) return 0;
    out->count = get_le64(data);
    out->cents = (int64_t)get_le64(data + 8);
    return 1;
#endif
}

/* ---- JSON fields (orders from datagen: flat, numbers unquoted) ---------- */

/* The number after "name": in value, as cents when cents is set
 * ("12.5" -> 1250); 0 when the field is missing or not a number. */
static int read_number(const uint8_t *value, size_t len, const char *name, int cents, int64_t *out) {
    char pattern[64];
    int plen = snprintf(pattern, sizeof pattern, "\"%s\":", name);
    for (size_t i = 0; i + (size_t)plen <= len; i++) {
        if (memcmp(value + i, pattern, (size_t)plen) != 0) continue;
        size_t p = i + (size_t)plen;
        int negative = 0;
        if (p < len && value[p] == '-') {
            negative = 1;
            p++;
        }
        int64_t whole = 0, fraction = 0;
        int digits = 0, fraction_digits = 0;
        while (p < len && value[p] >= '0' && value[p] <= '9') {
            whole = whole * 10 + (value[p++] - '0');
            digits++;
        }
        if (p < len && value[p] == '.') {
            p++;
            while (p < len && value[p] >= '0' && value[p] <= '9') {
                if (fraction_digits < 2) {
                    fraction = fraction * 10 + (value[p] - '0');
                    fraction_digits++;
                }
                p++;
            }
        }
        if (digits == 0) return 0;
        if (cents) {
            while (fraction_digits < 2) {
                fraction *= 10;
                fraction_digits++;
            }
            whole = whole * 100 + fraction;
        }
        *out = negative ? -whole : whole;
        return 1;
    }
    return 0;
}

/* ---- callbacks ----------------------------------------------------------- */

static sh_status total_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len,
                              void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    running_total *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "running-total: out of memory");
        return SH_ERROR;
    }
    self->max_order_id = -1;
    *out = self;
    return SH_OK;
}

static void total_destroy(void *self) {
    free(self);
}

static sh_status total_open(void *instance, sh_ctx *ctx, const sh_task_info *info) {
    (void)info;
    running_total *self = instance;
    sh_state_desc desc = {.struct_size = sizeof desc, .kind = SH_STATE_VALUE, .name = "totals", .ttl_ms = 0};
    if (host->state_register(ctx, &desc, &self->totals) != SH_OK) {
        char message[256];
        snprintf(message, sizeof message, "running-total: cannot register its state: %s", host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }
    self->has_state = 1;
    return SH_OK;
}

static sh_status total_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    running_total *self = instance;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_record record;
        sh_batch_record(batch, i, &record);
        int64_t order_id = 0, customer_id = 0, cents = 0;
        if (record.key == NULL || record.value == NULL ||
            !read_number(record.value, record.value_len, "order_id", 0, &order_id) ||
            !read_number(record.value, record.value_len, "customer_id", 0, &customer_id) ||
            !read_number(record.value, record.value_len, "amount", 1, &cents)) {
            if (host->reject(ctx, &record, "running-total: needs a key and order_id, customer_id and amount") != SH_OK) {
                return SH_ERROR;
            }
            continue;
        }
        customer_total total = {0, 0};
        const uint8_t *stored = NULL;
        size_t stored_len = 0;
        sh_status status = host->state_get(ctx, self->totals, record.key, record.key_len, &stored, &stored_len);
        if (status == SH_OK) {
            if (!decode_total(stored, stored_len, &total)) {
                host->set_error(ctx, "running-total: stored state has the wrong layout for build " STR(RUNNING_TOTAL_VERSION));
                return SH_ERROR;
            }
        } else if (status != SH_NOT_FOUND) {
            return SH_ERROR;
        }
        total.count += 1;
        total.cents += cents;
        uint8_t encoded[64];
        size_t encoded_len = encode_total(&total, encoded);
        if (host->state_put(ctx, self->totals, record.key, record.key_len, encoded, encoded_len) != SH_OK) return SH_ERROR;
        if (order_id > self->max_order_id) self->max_order_id = order_id;
        int n = snprintf(self->out, sizeof self->out,
                         "{\"order_id\":%" PRId64 ",\"customer_id\":%" PRId64 ",\"orders\":%" PRIu64
                         ",\"total_cents\":%" PRId64 ",\"build\":%d}",
                         order_id, customer_id, total.count, total.cents, RUNNING_TOTAL_VERSION);
        sh_record out = {.timestamp = record.timestamp, .key = record.key, .key_len = record.key_len,
                         .value = (const uint8_t *)self->out, .value_len = (size_t)n};
        if (host->emit(ctx, &out) != SH_OK) return SH_ERROR;
    }
    return SH_OK;
}

/* Operator state: the highest order_id seen (text in v1, 8 bytes after). */
static sh_status total_snapshot(void *instance, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    (void)checkpoint_id;
    running_total *self = instance;
    uint8_t *data = host->alloc(32);
    if (data == NULL) {
        host->set_error(ctx, "running-total: out of memory");
        return SH_ERROR;
    }
#if RUNNING_TOTAL_VERSION == 1
    out->len = (size_t)snprintf((char *)data, 32, "%" PRId64, self->max_order_id);
#else
    put_le64(data, (uint64_t)self->max_order_id);
    out->len = 8;
#endif
    out->data = data;
    return SH_OK;
}

static sh_status total_restore(void *instance, sh_ctx *ctx, uint32_t state_version, const uint8_t *data, size_t len) {
    running_total *self = instance;
    int64_t restored;
#if RUNNING_TOTAL_VERSION == 1
    char text[32];
    if (state_version != 1 || len == 0 || len >= sizeof text) goto bad;
    memcpy(text, data, len);
    text[len] = 0;
    restored = strtoll(text, NULL, 10);
#else
    if (state_version != RUNNING_TOTAL_VERSION || len != 8) goto bad;
    restored = (int64_t)get_le64(data);
#endif
    /* Every instance sees every blob after a rescale: keep the highest. */
    if (restored > self->max_order_id) self->max_order_id = restored;
    return SH_OK;
bad:
    host->set_error(ctx, "running-total: the restored operator state has the wrong layout");
    return SH_ERROR;
}

#if RUNNING_TOTAL_VERSION > 1
/* Rewrites state of an older build into this build's layout. */
static sh_status total_migrate(sh_ctx *ctx, const sh_component *component, const sh_migration *migration, sh_blob *out) {
    (void)component;
    char message[256];
#if RUNNING_TOTAL_VERSION == 3
    if (migration->from_version == 2) {
        /* Same layout: copy. */
        uint8_t *data = host->alloc(migration->len > 0 ? migration->len : 1);
        if (data == NULL) return SH_ERROR;
        memcpy(data, migration->data, migration->len);
        out->data = data;
        out->len = migration->len;
        return SH_OK;
    }
    snprintf(message, sizeof message,
             "running-total 3.0.0 reads state_version 2 only; restore this state with build 2.0.0 first");
    host->set_error(ctx, message);
    return SH_ERROR;
#else
    if (migration->from_version != 1) {
        snprintf(message, sizeof message, "running-total 2.0.0 cannot read state_version %u", migration->from_version);
        host->set_error(ctx, message);
        return SH_ERROR;
    }
    uint8_t *data = host->alloc(16);
    if (data == NULL) return SH_ERROR;
    if (migration->kind == SH_MIGRATE_OPERATOR_BLOB) {
        char text[32];
        if (migration->len == 0 || migration->len >= sizeof text) goto bad;
        memcpy(text, migration->data, migration->len);
        text[migration->len] = 0;
        put_le64(data, (uint64_t)strtoll(text, NULL, 10));
        out->len = 8;
    } else {
        customer_total total;
        if (!parse_v1_total(migration->data, migration->len, &total)) goto bad;
        out->len = encode_total(&total, data);
    }
    out->data = data;
    return SH_OK;
bad:
    host->free(data);
    snprintf(message, sizeof message, "running-total 2.0.0: a v1 %s is not in v1's layout (%zu bytes)",
             migration->kind == SH_MIGRATE_OPERATOR_BLOB ? "operator state" : "total", migration->len);
    host->set_error(ctx, message);
    return SH_ERROR;
#endif
}
#endif

static const sh_component_vtable total_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = total_create,
    .destroy = total_destroy,
    .open = total_open,
    .process = total_process,
    .snapshot = total_snapshot,
    .restore = total_restore,
#if RUNNING_TOTAL_VERSION > 1
    .migrate = total_migrate,
#endif
};

static const sh_component total_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "running-total",
    .description = "Running order count and total per customer (hot-swap example, build " STR(RUNNING_TOTAL_VERSION) ")",
    .config_schema = NULL,
    .state_version = RUNNING_TOTAL_VERSION,
    .input_count = 1,
    .vtable = &total_vtable,
};

static const sh_component *const components[] = {&total_component};

SH_PLUGIN_ENTRY(host, "running-total", STR(RUNNING_TOTAL_VERSION) ".0.0", components)
