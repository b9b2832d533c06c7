import PluginHost

/// The C source of Benchmark 7's hand-written baseline: the same filter
/// and map as the expression job, written as a plugin author would write
/// them in C, compiled with `cc` at run time (see `BenchmarkPluginSource`
/// for why C lives in a Swift string here).
///
/// - `bench_orders_filter_c`: keeps orders with `amount > 100` and
///   `category != "books"`; a missing field (SQL null) drops the record, an
///   amount that is not a number or a broken record is rejected.
/// - `bench_orders_map_c`: appends `amount_eur` (amount × 0.92, exact
///   decimal arithmetic on the digits) and `category_upper` (ASCII
///   uppercase) to each order.
///
/// Both parse every record honestly: one pass over all its members, strings
/// and nested values skipped with escapes and brackets respected.
enum ExpressionsBenchmarkPluginSource {
    static let fileName = "bench_orders_c.c"
    static let libraryName = "libbench-orders-c.so"

    static let text = #"""
/* bench_orders_c.c — hand-written filter and map over datagen orders. */
#include "streamhost.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SH_PLUGIN_HOST(host);

typedef struct span { const uint8_t *start; size_t length; int found; } span;

typedef struct order_fields {
    span amount;   /* number text */
    int amount_is_number;
    span category; /* string content, without quotes */
    int category_is_string;
} order_fields;

static const uint8_t *skip_space(const uint8_t *p, const uint8_t *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Past a string starting at its quote; NULL if broken. */
static const uint8_t *skip_string(const uint8_t *p, const uint8_t *end) {
    p++;
    while (p < end) {
        if (*p == '"') return p + 1;
        if (*p == '\\') p++;
        else if (*p < 0x20) return NULL;
        p++;
    }
    return NULL;
}

static const uint8_t *skip_value(const uint8_t *p, const uint8_t *end, int depth) {
    p = skip_space(p, end);
    if (p >= end || depth > 512) return NULL;
    switch (*p) {
    case '"': return skip_string(p, end);
    case '{': case '[': {
        uint8_t close = *p == '{' ? '}' : ']';
        p = skip_space(p + 1, end);
        if (p < end && *p == close) return p + 1;
        for (;;) {
            if (close == '}') {
                p = skip_space(p, end);
                if (p >= end || *p != '"') return NULL;
                p = skip_string(p, end);
                if (p == NULL) return NULL;
                p = skip_space(p, end);
                if (p >= end || *p != ':') return NULL;
                p++;
            }
            p = skip_value(p, end, depth + 1);
            if (p == NULL) return NULL;
            p = skip_space(p, end);
            if (p < end && *p == close) return p + 1;
            if (p >= end || *p != ',') return NULL;
            p++;
        }
    }
    case 't': return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f': return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n': return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default: {
        const uint8_t *start = p;
        while (p < end && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e' || *p == 'E')) p++;
        return p > start ? p : NULL;
    }
    }
}

/* One pass over the record's members; 0 on success, -1 when broken. */
static int scan_order(const uint8_t *p, const uint8_t *end, order_fields *out) {
    memset(out, 0, sizeof *out);
    p = skip_space(p, end);
    if (p >= end || *p != '{') return -1;
    p = skip_space(p + 1, end);
    if (p < end && *p == '}') return skip_space(p + 1, end) == end ? 0 : -1;
    for (;;) {
        p = skip_space(p, end);
        if (p >= end || *p != '"') return -1;
        const uint8_t *name = p + 1;
        p = skip_string(p, end);
        if (p == NULL) return -1;
        size_t name_length = (size_t)(p - 1 - name);
        p = skip_space(p, end);
        if (p >= end || *p != ':') return -1;
        p = skip_space(p + 1, end);
        const uint8_t *value = p;
        p = skip_value(p, end, 1);
        if (p == NULL) return -1;
        if (name_length == 6 && memcmp(name, "amount", 6) == 0) {
            out->amount = (span){value, (size_t)(p - value), 1};
            out->amount_is_number = *value == '-' || (*value >= '0' && *value <= '9');
            if (*value == 'n') out->amount.found = 0; /* null */
        } else if (name_length == 8 && memcmp(name, "category", 8) == 0) {
            out->category = (span){value + 1, (size_t)(p - value) - 2, 1};
            out->category_is_string = *value == '"';
            if (*value == 'n') out->category.found = 0; /* null */
        }
        p = skip_space(p, end);
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == '}') return skip_space(p + 1, end) == end ? 0 : -1;
        return -1;
    }
}

/* A JSON number without exponent as units x 10^-scale; -1 if it does not fit. */
static int parse_decimal(span text, int64_t *units, int *scale) {
    const uint8_t *p = text.start, *end = text.start + text.length;
    int negative = 0, digits = 0, seen_point = 0;
    int64_t value = 0;
    *scale = 0;
    if (p < end && *p == '-') { negative = 1; p++; }
    if (p >= end) return -1;
    for (; p < end; p++) {
        if (*p == '.' && !seen_point) { seen_point = 1; continue; }
        if (*p < '0' || *p > '9' || ++digits > 17) return -1;
        value = value * 10 + (*p - '0');
        if (seen_point) (*scale)++;
    }
    *units = negative ? -value : value;
    return 0;
}

static const int64_t powers_of_10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
                                       1000000000, 10000000000, 100000000000, 1000000000000};

typedef struct bench_operator {
    uint8_t *buffer;
    size_t capacity;
} bench_operator;

static sh_status bench_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                              size_t config_len, void **out) {
    (void)component; (void)config_json; (void)config_len;
    bench_operator *op = calloc(1, sizeof *op);
    if (op == NULL) { host->set_error(ctx, "bench_orders_c: out of memory"); return SH_ERROR; }
    *out = op;
    return SH_OK;
}

static void bench_destroy(void *self) {
    bench_operator *op = self;
    if (op != NULL) free(op->buffer);
    free(op);
}

static sh_status reject(sh_ctx *ctx, const sh_batch *batch, uint32_t i, const char *reason) {
    sh_record record;
    sh_batch_record(batch, i, &record);
    return host->reject(ctx, &record, reason);
}

static sh_status filter_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    (void)self;
    sh_record record;
    order_fields fields;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_batch_record(batch, i, &record);
        if (record.value == NULL) continue;
        if (scan_order(record.value, record.value + record.value_len, &fields) != 0) {
            if (reject(ctx, batch, i, "not a JSON object") != SH_OK) return SH_ERROR;
            continue;
        }
        if (!fields.amount.found || !fields.category.found) continue; /* null: dropped */
        int64_t units; int scale;
        if (!fields.amount_is_number || parse_decimal(fields.amount, &units, &scale) != 0 || scale > 12) {
            if (reject(ctx, batch, i, "amount is not a decimal number") != SH_OK) return SH_ERROR;
            continue;
        }
        if (units <= 100 * powers_of_10[scale]) continue;
        if (fields.category_is_string && fields.category.length == 5 && memcmp(fields.category.start, "books", 5) == 0) continue;
        if (host->emit(ctx, &record) != SH_OK) return SH_ERROR;
    }
    return SH_OK;
}

static uint8_t *put_decimal(uint8_t *p, int64_t units, int scale) {
    while (scale > 0 && units % 10 == 0) { units /= 10; scale--; }
    char digits[24];
    uint64_t magnitude = units < 0 ? (uint64_t)(-units) : (uint64_t)units;
    int count = 0;
    do { digits[count++] = (char)('0' + magnitude % 10); magnitude /= 10; } while (magnitude > 0);
    while (count <= scale) digits[count++] = '0';
    if (units < 0) *p++ = '-';
    for (int index = count - 1; index >= 0; index--) {
        if (index == scale - 1) *p++ = '.';
        *p++ = (uint8_t)digits[index];
    }
    return p;
}

static sh_status map_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    bench_operator *op = self;
    sh_record record;
    order_fields fields;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_batch_record(batch, i, &record);
        if (record.value == NULL) { if (host->emit(ctx, &record) != SH_OK) return SH_ERROR; continue; }
        const uint8_t *value = record.value, *end = value + record.value_len;
        if (scan_order(value, end, &fields) != 0) {
            if (reject(ctx, batch, i, "not a JSON object") != SH_OK) return SH_ERROR;
            continue;
        }
        size_t needed = record.value_len + fields.category.length + 64;
        if (needed > op->capacity) {
            uint8_t *grown = realloc(op->buffer, needed * 2);
            if (grown == NULL) { host->set_error(ctx, "bench_orders_c: out of memory"); return SH_ERROR; }
            op->buffer = grown;
            op->capacity = needed * 2;
        }
        /* The record up to its closing brace, then the new members. */
        const uint8_t *close = end - 1;
        while (close > value && *close != '}') close--;
        uint8_t *p = op->buffer;
        memcpy(p, value, (size_t)(close - value));
        p += close - value;
        int empty = 1;
        for (const uint8_t *q = value + 1; q < close; q++) if (*q > ' ') { empty = 0; break; }
        if (!empty) *p++ = ',';
        memcpy(p, "\"amount_eur\":", 13);
        p += 13;
        int64_t units; int scale;
        if (!fields.amount.found || (fields.amount.length == 4 && memcmp(fields.amount.start, "null", 4) == 0)) {
            memcpy(p, "null", 4); p += 4;
        } else if (!fields.amount_is_number || parse_decimal(fields.amount, &units, &scale) != 0 || scale > 12) {
            if (reject(ctx, batch, i, "amount is not a decimal number") != SH_OK) return SH_ERROR;
            continue;
        } else {
            p = put_decimal(p, units * 92, scale + 2);
        }
        memcpy(p, ",\"category_upper\":", 18);
        p += 18;
        if (!fields.category.found) {
            memcpy(p, "null", 4); p += 4;
        } else if (!fields.category_is_string) {
            if (reject(ctx, batch, i, "category is not a string") != SH_OK) return SH_ERROR;
            continue;
        } else {
            *p++ = '"';
            const uint8_t *c = fields.category.start, *c_end = c + fields.category.length;
            while (c < c_end) {
                if (*c == '\\') { *p++ = *c++; if (c < c_end) *p++ = *c++; continue; } /* escapes unchanged */
                uint8_t byte = *c++;
                *p++ = byte >= 'a' && byte <= 'z' ? (uint8_t)(byte - 32) : byte;
            }
            *p++ = '"';
        }
        *p++ = '}';
        record.value = op->buffer;
        record.value_len = (size_t)(p - op->buffer);
        if (host->emit(ctx, &record) != SH_OK) return SH_ERROR;
    }
    return SH_OK;
}

static const sh_component_vtable filter_vtable = {
    .struct_size = sizeof(sh_component_vtable), .create = bench_create, .destroy = bench_destroy,
    .process = filter_process,
};
static const sh_component_vtable map_vtable = {
    .struct_size = sizeof(sh_component_vtable), .create = bench_create, .destroy = bench_destroy,
    .process = map_process,
};
static const sh_component filter_component = {
    .struct_size = sizeof(sh_component), .kind = SH_KIND_OPERATOR, .name = "bench_orders_filter_c",
    .description = "amount > 100 and category != books, by hand", .config_schema = NULL, .state_version = 1,
    .input_count = 1, .vtable = &filter_vtable,
};
static const sh_component map_component = {
    .struct_size = sizeof(sh_component), .kind = SH_KIND_OPERATOR, .name = "bench_orders_map_c",
    .description = "amount_eur = amount * 0.92, category_upper = upper(category), by hand", .config_schema = NULL,
    .state_version = 1, .input_count = 1, .vtable = &map_vtable,
};
static const sh_component *const components[] = {&filter_component, &map_component};
SH_PLUGIN_ENTRY(host, "bench-orders-c", "\#(HostAPI.hostVersion)", components)
"""#
}
