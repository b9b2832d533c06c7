/*
 * datagen — a seeded, deterministic record generator: SOURCE "datagen".
 *
 * Record n (a global index from 0) is a pure function of the config and n:
 *
 *   order_id     n
 *   customer_id  1 + a draw in [0, customers)          from r1
 *   category     one of 8 names                        from r2's top 3 bits
 *   amount       a draw in [0.00, 1000.00), in cents   from r2's low 32 bits
 *   event_time   start_time + n * time_step_ms         (also the timestamp)
 *                - a draw in [0, disorder_ms]          from r1's low 32 bits
 *                - late_ms if n % late_every == late_every - 1
 *
 * start_time is integer ms by the time create reads it: the schema marks it
 * x-streamhost-time, so the host turns ISO 8601 text into ms at plan time.
 *
 * disorder_ms makes the stream out of order by up to that much (a watermark
 * strategy with max_out_of_orderness_ms >= disorder_ms sees no late record);
 * late_every/late_ms add stragglers later than that, the records a window's
 * allowed lateness or dead-letter handling is for.
 *
 * where r1 and r2 are outputs 2n+1 and 2n+2 of the splitmix64 stream seeded
 * with `seed`. Since nothing depends on the poll size, the instance count or
 * the clock, the same config always yields the same records; instance i of
 * p generates n = i, i+p, i+2p, ... so the instances of a step together
 * produce exactly the records of a single instance.
 *
 * The "orders" schema writes the value
 *
 *   {"order_id":N,"customer_id":C,"category":"X","amount":A,"event_time":T}
 *
 * padded to value_size bytes when that is larger: with a trailing
 * ,"pad":"xxx..." member when there is room for one (9 bytes or more), else
 * with spaces before the closing brace (still valid JSON). The "bytes"
 * schema writes value_size bytes (100 when value_size is 0) drawn from the
 * base64url alphabet, seeded by r2, so they are printable and JSON-safe.
 *
 * Formatting is hand-written (no snprintf per record), each instance
 * reuses its buffers, and a poll's records go to the host in one
 * emit_batch call: generation costs a few nanoseconds per record.
 */
#if !defined(__APPLE__) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */
#endif

#include "streamhost.h"
#include "streamhost_json.h"
#include "plugin_support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Limits and the config schema                                             */
/* ------------------------------------------------------------------------ */

/* The largest value a record may have. A bound keeps one bad config from
 * asking for gigabytes per record (the host's batch offsets are 32-bit). */
#define DATAGEN_VALUE_SIZE_MAX 1048576
/* customer_id is drawn with a 32x32-bit multiply, hence this bound. */
#define DATAGEN_CUSTOMERS_MAX 4294967295u
#define DATAGEN_BYTES_VALUE_SIZE_DEFAULT 100
/* Room for the longest natural orders value (134 bytes) and the key. */
#define DATAGEN_NATURAL_SIZE_MAX 192

static const char datagen_schema[] =
    "{"
    "\"type\":\"object\","
    "\"description\":\"Seeded, deterministic generator of orders or opaque byte records.\","
    "\"properties\":{"
    "\"count\":{\"type\":\"integer\",\"minimum\":0,\"default\":1000,"
    "\"description\":\"Records to generate over all instances of the step; 0 means unbounded.\"},"
    "\"rate\":{\"type\":\"number\",\"minimum\":0,\"default\":0,"
    "\"description\":\"Records per second for the whole step, split evenly across instances; "
    "0 means as fast as possible.\"},"
    "\"seed\":{\"type\":\"integer\",\"default\":42,"
    "\"description\":\"Seed of the splitmix64 stream: the same seed gives the same records.\"},"
    "\"schema\":{\"type\":\"string\",\"enum\":[\"orders\",\"bytes\"],\"default\":\"orders\","
    "\"description\":\"orders: one JSON order per record; bytes: value_size printable bytes per record.\"},"
    "\"value_size\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":1048576,\"default\":0,"
    "\"description\":\"orders: pad each JSON value to this many bytes when it is shorter; "
    "bytes: the exact value size (0 means 100).\"},"
    "\"key\":{\"type\":\"string\",\"enum\":[\"none\",\"order_id\",\"customer_id\",\"category\"],"
    "\"default\":\"none\","
    "\"description\":\"Field whose text also becomes the record key; none gives null keys.\"},"
    "\"customers\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":4294967295,\"default\":1000,"
    "\"description\":\"customer_id is drawn from 1 to this number.\"},"
    "\"start_time\":{\"type\":[\"integer\",\"string\"],\"x-streamhost-time\":true,\"default\":1767225600000,"
    "\"description\":\"event_time of record 0: ms since the Unix epoch or an ISO 8601 date-time "
    "(no zone: UTC; default 2026-01-01T00:00:00Z); the host hands the plugin ms.\"},"
    "\"time_step_ms\":{\"type\":\"integer\",\"minimum\":0,\"default\":1,"
    "\"description\":\"event_time advances by this many ms from one record to the next.\"},"
    "\"disorder_ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":86400000,\"default\":0,"
    "\"description\":\"Each event_time is moved back by a seeded draw in [0, disorder_ms]: out-of-order events.\"},"
    "\"late_every\":{\"type\":\"integer\",\"minimum\":0,\"default\":0,"
    "\"description\":\"Every late_every-th record (n % late_every == late_every - 1) is a straggler; 0: none.\"},"
    "\"late_ms\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":86400000,\"default\":0,"
    "\"description\":\"How much earlier than its place a straggler's event_time is (on top of disorder).\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

/* ------------------------------------------------------------------------ */
/* Deterministic draws                                                      */
/* ------------------------------------------------------------------------ */

typedef struct datagen_category {
    const char *name;
    size_t length;
} datagen_category;

#define CATEGORY(text) {text, sizeof(text) - 1}
static const datagen_category datagen_categories[8] = {
    CATEGORY("books"), CATEGORY("electronics"), CATEGORY("garden"), CATEGORY("grocery"),
    CATEGORY("toys"),  CATEGORY("sports"),      CATEGORY("beauty"), CATEGORY("home"),
};
#undef CATEGORY

/* The fields of record n that come from the hash. */
typedef struct datagen_draw {
    uint64_t customer_id;
    uint32_t category;
    uint32_t amount_cents; /* 0 ..< 100000 */
    uint64_t bytes_seed;
    uint32_t disorder_bits; /* r1's low 32 bits */
} datagen_draw;

static inline datagen_draw datagen_draw_record(uint64_t seed, uint64_t customers, uint64_t n) {
    uint64_t r1 = plugin_splitmix64_output(seed, 2 * n + 1);
    uint64_t r2 = plugin_splitmix64_output(seed, 2 * n + 2);
    datagen_draw draw;
    /* Lemire's multiply-shift maps 32 random bits onto [0, customers)
     * without a division; customers < 2^32 keeps the product in 64 bits. */
    draw.customer_id = 1 + (((r1 >> 32) * customers) >> 32);
    draw.category = (uint32_t)(r2 >> 61);
    draw.amount_cents = (uint32_t)(((r2 & 0xffffffffu) * 100000u) >> 32);
    draw.bytes_seed = r2;
    draw.disorder_bits = (uint32_t)r1;
    return draw;
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */
/* ------------------------------------------------------------------------ */

static const char base64url_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ------------------------------------------------------------------------ */
/* The instance                                                             */
/* ------------------------------------------------------------------------ */

typedef enum datagen_value_schema { DATAGEN_ORDERS, DATAGEN_BYTES } datagen_value_schema;

typedef enum datagen_key_field {
    DATAGEN_KEY_NONE,
    DATAGEN_KEY_ORDER_ID,
    DATAGEN_KEY_CUSTOMER_ID,
    DATAGEN_KEY_CATEGORY
} datagen_key_field;

typedef struct datagen {
    /* Config. */
    uint64_t count; /* 0: unbounded */
    double rate;    /* records per second for the whole step; 0: unlimited */
    uint64_t seed;
    datagen_value_schema schema;
    size_t value_size;
    datagen_key_field key_field;
    uint64_t customers;
    int64_t start_time;
    int64_t time_step_ms;
    uint64_t disorder_ms;
    uint64_t late_every;
    int64_t late_ms;

    /* Task: this instance generates first, first + stride, ...; next is
     * the following one (and what a restore says was made already). */
    plugin_strided position;
    double instance_rate;
    int rate_clock_started;
    uint64_t rate_clock_start_ns;
    uint64_t emitted;

    sh_counter_id records_counter;
    int has_records_counter;
    int emit_columns; /* emit typed columns (ABI 1.3) instead of JSON */

    /* One buffer per instance, reused for every record: value then key. */
    char *value_buffer;
    char key_buffer[32];

    /* The batch a poll builds and hands over with one emit_batch call:
     * columns as sh_batch describes them, reused across polls. */
    int64_t *timestamps;
    uint32_t *value_offsets;
    uint32_t *key_offsets;
    uint32_t batch_capacity;
    uint8_t *values;
    size_t values_capacity;
    uint8_t *keys;
    size_t keys_capacity;
} datagen;

SH_PLUGIN_HOST(host);

static uint64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* ------------------------------------------------------------------------ */
/* Config                                                                   */
/* ------------------------------------------------------------------------ */

static sh_status config_failure(sh_ctx *ctx, const char *key, const char *expected, sh_status status) {
    return plugin_config_failure(host, ctx, "datagen", key, expected, status);
}

/* Reads an integer in [minimum, maximum]; fallback when the key is absent
 * (the host fills schema defaults, so that only happens with a host that
 * does not). */
static sh_status config_integer(sh_ctx *ctx, const char *key, int64_t fallback, int64_t minimum, int64_t maximum,
                                int64_t *out) {
    int64_t value = fallback;
    sh_status status = host->config_int64(ctx, key, &value);
    if (status == SH_NOT_FOUND) {
        value = fallback;
    } else if (status != SH_OK) {
        return config_failure(ctx, key, "an integer", status);
    }
    if (value < minimum || value > maximum) {
        return plugin_fail(host, ctx,
                           "datagen: config '%s' is %" PRId64 "; it must be between %" PRId64 " and %" PRId64, key,
                           value, minimum, maximum);
    }
    *out = value;
    return SH_OK;
}

/* Reads a number >= 0. JSON Schema's "number" includes integers, so an
 * integer-typed value is accepted too. */
static sh_status config_nonnegative_number(sh_ctx *ctx, const char *key, double fallback, double *out) {
    double value = fallback;
    sh_status status = host->config_double(ctx, key, &value);
    if (status == SH_WRONG_TYPE) {
        int64_t integer = 0;
        status = host->config_int64(ctx, key, &integer);
        value = (double)integer;
    }
    if (status == SH_NOT_FOUND) {
        value = fallback;
    } else if (status != SH_OK) {
        return config_failure(ctx, key, "a number", status);
    }
    if (!(value >= 0) || value > 1e18) {
        return plugin_fail(host, ctx, "datagen: config '%s' is %g; it must be a number >= 0", key, value);
    }
    *out = value;
    return SH_OK;
}

/* Reads one of choices (a NULL-terminated list) and returns its index. */
static sh_status config_choice(sh_ctx *ctx, const char *key, const char *const *choices, int fallback, int *out) {
    const char *text = NULL;
    sh_status status = host->config_string(ctx, key, &text);
    if (status == SH_NOT_FOUND) {
        *out = fallback;
        return SH_OK;
    }
    if (status != SH_OK) return config_failure(ctx, key, "a string", status);
    for (int i = 0; choices[i] != NULL; i++) {
        if (strcmp(text, choices[i]) == 0) {
            *out = i;
            return SH_OK;
        }
    }
    char list[128] = "";
    for (int i = 0; choices[i] != NULL; i++) {
        strncat(list, i == 0 ? "" : ", ", sizeof list - strlen(list) - 1);
        strncat(list, choices[i], sizeof list - strlen(list) - 1);
    }
    return plugin_fail(host, ctx, "datagen: config '%s' is \"%.100s\"; it must be one of %s", key, text, list);
}

static const char *const schema_choices[] = {"orders", "bytes", NULL};
static const char *const key_choices[] = {"none", "order_id", "customer_id", "category", NULL};

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

static void datagen_destroy(void *self) {
    datagen *g = self;
    if (g == NULL) return;
    free(g->value_buffer);
    free(g->timestamps);
    free(g->value_offsets);
    free(g->key_offsets);
    free(g->values);
    free(g->keys);
    plugin_strided_free(&g->position);
    free(g);
}

/* Makes room for count records in the batch columns; 0 on failure. */
static int reserve_records(datagen *g, uint32_t count) {
    if (count <= g->batch_capacity) return 1;
    int64_t *timestamps = realloc(g->timestamps, sizeof(int64_t) * count);
    if (timestamps == NULL) return 0;
    g->timestamps = timestamps;
    uint32_t *value_offsets = realloc(g->value_offsets, sizeof(uint32_t) * ((size_t)count + 1));
    if (value_offsets == NULL) return 0;
    g->value_offsets = value_offsets;
    uint32_t *key_offsets = realloc(g->key_offsets, sizeof(uint32_t) * ((size_t)count + 1));
    if (key_offsets == NULL) return 0;
    g->key_offsets = key_offsets;
    g->batch_capacity = count;
    return 1;
}

static sh_status datagen_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    datagen *g = calloc(1, sizeof *g);
    if (g == NULL) {
        host->set_error(ctx, "datagen: out of memory creating the instance");
        return SH_ERROR;
    }
    int64_t count, seed, value_size, customers, start_time, time_step_ms, disorder_ms, late_every, late_ms;
    int schema, key_field;
    if (config_integer(ctx, "count", 1000, 0, INT64_MAX, &count) != SH_OK ||
        config_nonnegative_number(ctx, "rate", 0, &g->rate) != SH_OK ||
        config_integer(ctx, "seed", 42, INT64_MIN, INT64_MAX, &seed) != SH_OK ||
        config_choice(ctx, "schema", schema_choices, DATAGEN_ORDERS, &schema) != SH_OK ||
        config_integer(ctx, "value_size", 0, 0, DATAGEN_VALUE_SIZE_MAX, &value_size) != SH_OK ||
        config_choice(ctx, "key", key_choices, DATAGEN_KEY_NONE, &key_field) != SH_OK ||
        config_integer(ctx, "customers", 1000, 1, DATAGEN_CUSTOMERS_MAX, &customers) != SH_OK ||
        config_integer(ctx, "start_time", 1767225600000, INT64_MIN, INT64_MAX, &start_time) != SH_OK ||
        config_integer(ctx, "time_step_ms", 1, 0, INT64_MAX, &time_step_ms) != SH_OK ||
        config_integer(ctx, "disorder_ms", 0, 0, 86400000, &disorder_ms) != SH_OK ||
        config_integer(ctx, "late_every", 0, 0, INT64_MAX, &late_every) != SH_OK ||
        config_integer(ctx, "late_ms", 0, 0, 86400000, &late_ms) != SH_OK) {
        datagen_destroy(g);
        return SH_ERROR;
    }
    g->count = (uint64_t)count;
    g->seed = (uint64_t)seed;
    g->schema = (datagen_value_schema)schema;
    g->value_size = (size_t)value_size;
    if (g->schema == DATAGEN_BYTES && g->value_size == 0) g->value_size = DATAGEN_BYTES_VALUE_SIZE_DEFAULT;
    g->key_field = (datagen_key_field)key_field;
    g->customers = (uint64_t)customers;
    g->start_time = start_time;
    g->time_step_ms = time_step_ms;
    g->disorder_ms = (uint64_t)disorder_ms;
    g->late_every = (uint64_t)late_every;
    g->late_ms = late_ms;

    /* Until open says otherwise: the only instance. */
    plugin_strided_init(&g->position);
    g->instance_rate = g->rate;

    g->value_buffer = malloc(g->value_size + DATAGEN_NATURAL_SIZE_MAX);
    if (g->value_buffer == NULL) {
        host->set_error(ctx, "datagen: out of memory allocating the record buffer");
        datagen_destroy(g);
        return SH_ERROR;
    }
    *out = g;
    return SH_OK;
}

static sh_status datagen_open(void *self, sh_ctx *ctx, const sh_task_info *info) {
    datagen *g = self;
    /* instance and parallelism are ABI 1.0 members: every host that loads
     * this plugin has them (rule 2), so there is no struct_size to probe. */
    if (plugin_strided_open(host, ctx, "datagen", &g->position, info->instance, info->parallelism) != SH_OK) {
        return SH_ERROR;
    }
    /* ABI 1.3: the host asks for columns when the next steps take them;
     * only values without padding have a column form. */
    g->emit_columns = info->output_format == SH_FORMAT_COLUMNS && g->schema == DATAGEN_ORDERS && g->value_size == 0;
    g->instance_rate = g->rate / (double)info->parallelism;
    if (host->counter_register(ctx, "records", &g->records_counter) != SH_OK) {
        return plugin_fail(host, ctx, "datagen: cannot register counter 'records': %s", host->last_error(ctx));
    }
    g->has_records_counter = 1;
    return SH_OK;
}

/* Operator state (state_version 1): the strided position (plugin_support.h)
 * under the magic "DGN1". */
#define DATAGEN_STATE_MAGIC 0x314e4744u

static sh_status datagen_snapshot(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    (void)checkpoint_id;
    datagen *g = self;
    return plugin_strided_snapshot(host, ctx, "datagen", DATAGEN_STATE_MAGIC, &g->position, out);
}

static sh_status datagen_restore(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data, size_t len) {
    datagen *g = self;
    if (state_version != 1) {
        return plugin_fail(host, ctx, "datagen: cannot read state_version %u (this build writes 1)", state_version);
    }
    return plugin_strided_restore(host, ctx, "datagen", DATAGEN_STATE_MAGIC, &g->position, data, len);
}

/* Writes record n's value into the instance buffer and its key into the key
 * buffer; fills record. */
/* Record n's event_time (its timestamp too). */
static inline int64_t datagen_event_time(const datagen *g, uint64_t n, const datagen_draw *draw) {
    int64_t event_time = (int64_t)((uint64_t)g->start_time + n * (uint64_t)g->time_step_ms);
    if (g->disorder_ms > 0) event_time -= (int64_t)(draw->disorder_bits % (g->disorder_ms + 1));
    if (g->late_every > 0 && n % g->late_every == g->late_every - 1) event_time -= g->late_ms;
    return event_time;
}

static inline void datagen_format(datagen *g, uint64_t n, sh_record *record) {
    datagen_draw draw = datagen_draw_record(g->seed, g->customers, n);
    int64_t event_time = datagen_event_time(g, n, &draw);
    char *start = g->value_buffer;
    char *p = start;

    if (g->schema == DATAGEN_ORDERS) {
        const datagen_category *category = &datagen_categories[draw.category];
        p = PLUGIN_PUT_LITERAL(p, "{\"order_id\":");
        p = plugin_put_u64(p, n);
        p = PLUGIN_PUT_LITERAL(p, ",\"customer_id\":");
        p = plugin_put_u64(p, draw.customer_id);
        p = PLUGIN_PUT_LITERAL(p, ",\"category\":\"");
        memcpy(p, category->name, category->length);
        p += category->length;
        p = PLUGIN_PUT_LITERAL(p, "\",\"amount\":");
        p = plugin_put_u64(p, draw.amount_cents / 100);
        unsigned cents = (draw.amount_cents % 100) * 2;
        p[0] = '.';
        p[1] = plugin_digit_pairs[cents];
        p[2] = plugin_digit_pairs[cents + 1];
        p += 3;
        p = PLUGIN_PUT_LITERAL(p, ",\"event_time\":");
        p = plugin_put_i64(p, event_time);
        size_t natural = (size_t)(p - start) + 1; /* with the closing brace */
        if (g->value_size > natural) {
            size_t extra = g->value_size - natural;
            if (extra >= sizeof(",\"pad\":\"\"") - 1) {
                size_t pad = extra - (sizeof(",\"pad\":\"\"") - 1);
                p = PLUGIN_PUT_LITERAL(p, ",\"pad\":\"");
                memset(p, 'x', pad);
                p += pad;
                *p++ = '"';
            } else {
                /* Too little room for a member: insignificant whitespace. */
                memset(p, ' ', extra);
                p += extra;
            }
        }
        *p++ = '}';
    } else {
        /* Ten base64url characters (60 bits) per splitmix64 output. */
        uint64_t state = draw.bytes_seed;
        size_t remaining = g->value_size;
        while (remaining > 0) {
            state += PLUGIN_SPLITMIX64_GAMMA;
            uint64_t bits = plugin_splitmix64_mix(state);
            size_t chunk = remaining < 10 ? remaining : 10;
            for (size_t i = 0; i < chunk; i++) {
                p[i] = base64url_alphabet[bits & 63];
                bits >>= 6;
            }
            p += chunk;
            remaining -= chunk;
        }
    }

    record->timestamp = event_time;
    record->value = (const uint8_t *)start;
    record->value_len = (size_t)(p - start);

    char *key = g->key_buffer;
    switch (g->key_field) {
    case DATAGEN_KEY_NONE:
        record->key = NULL;
        record->key_len = 0;
        return;
    case DATAGEN_KEY_ORDER_ID:
        record->key_len = (size_t)(plugin_put_u64(key, n) - key);
        break;
    case DATAGEN_KEY_CUSTOMER_ID:
        record->key_len = (size_t)(plugin_put_u64(key, draw.customer_id) - key);
        break;
    case DATAGEN_KEY_CATEGORY:
        memcpy(key, datagen_categories[draw.category].name, datagen_categories[draw.category].length);
        record->key_len = datagen_categories[draw.category].length;
        break;
    }
    record->key = (const uint8_t *)key;
}

/* ------------------------------------------------------------------------ */
/* Typed columns (ABI 1.3)                                                  */
/* ------------------------------------------------------------------------ */

/* With the orders schema and no padding, datagen can emit its records as
 * typed columns, the same values as the JSON text:
 *
 *   order_id     int64 not null     "l"
 *   customer_id  int64 not null     "l"
 *   category     utf8 not null      "u"
 *   amount       decimal(9,2) not null  "d:9,2" (the cents, unscaled)
 *   event_time   timestamp ms UTC not null  "tsm:UTC"
 *
 * It does when the host asks for columns (sh_task_info.output_format): a
 * poll builds one struct array and hands it over with emit_columns, which
 * takes it without copying. Every array of a batch lives in one
 * datagen_columns block, freed when the last of the struct array and its
 * children is released (the host may move a child away and release it
 * later, on another thread, hence the atomic count). */
#define DATAGEN_FIELD_COUNT 5

static const char *const datagen_field_names[DATAGEN_FIELD_COUNT] = {
    "order_id", "customer_id", "category", "amount", "event_time"};
static const char *const datagen_field_formats[DATAGEN_FIELD_COUNT] = {"l", "l", "u", "d:9,2", "tsm:UTC"};

typedef struct datagen_columns {
    int references; /* the struct array and its children not yet released */
    struct ArrowArray children[DATAGEN_FIELD_COUNT];
    struct ArrowArray *child_pointers[DATAGEN_FIELD_COUNT];
    const void *struct_buffers[1];
    const void *child_buffers[DATAGEN_FIELD_COUNT][3];
    int64_t *order_id;
    int64_t *customer_id;
    int32_t *category_offsets;
    char *category_data;
    uint64_t *amount; /* two words per row: low, high */
    int64_t *event_time;
} datagen_columns;

static void datagen_columns_unref(datagen_columns *block) {
    if (__atomic_sub_fetch(&block->references, 1, __ATOMIC_ACQ_REL) != 0) return;
    free(block->order_id);
    free(block->customer_id);
    free(block->category_offsets);
    free(block->category_data);
    free(block->amount);
    free(block->event_time);
    free(block);
}

static void datagen_child_release(struct ArrowArray *array) {
    datagen_columns *block = array->private_data;
    array->release = NULL;
    datagen_columns_unref(block);
}

static void datagen_struct_release(struct ArrowArray *array) {
    datagen_columns *block = array->private_data;
    for (int64_t i = 0; i < array->n_children; i++) {
        struct ArrowArray *child = array->children[i];
        if (child->release != NULL) child->release(child);
    }
    array->release = NULL;
    datagen_columns_unref(block);
}

/* The schema: children in one block, released with the parent. */
typedef struct datagen_schema_block {
    struct ArrowSchema children[DATAGEN_FIELD_COUNT];
    struct ArrowSchema *child_pointers[DATAGEN_FIELD_COUNT];
} datagen_schema_block;

static void datagen_schema_child_release(struct ArrowSchema *schema) {
    schema->release = NULL;
}

static void datagen_schema_release(struct ArrowSchema *schema) {
    datagen_schema_block *block = schema->private_data;
    for (int i = 0; i < DATAGEN_FIELD_COUNT; i++) {
        if (block->children[i].release != NULL) block->children[i].release(&block->children[i]);
    }
    free(block);
    schema->release = NULL;
}

/* Fills *out with the orders schema; 0 when out of memory. */
static int datagen_orders_schema(struct ArrowSchema *out) {
    datagen_schema_block *block = calloc(1, sizeof *block);
    if (block == NULL) return 0;
    for (int i = 0; i < DATAGEN_FIELD_COUNT; i++) {
        block->children[i] = (struct ArrowSchema){
            .format = datagen_field_formats[i], .name = datagen_field_names[i], .flags = 0,
            .release = datagen_schema_child_release};
        block->child_pointers[i] = &block->children[i];
    }
    *out = (struct ArrowSchema){.format = "+s", .name = "", .flags = 0, .n_children = DATAGEN_FIELD_COUNT,
                                .children = block->child_pointers, .release = datagen_schema_release,
                                .private_data = block};
    return 1;
}

/* output_schema: the orders schema for the configs whose values it fits
 * (schema "orders", value_size 0), SH_NOT_FOUND for the others. */
static sh_status datagen_output_schema(const sh_component *component, const char *config_json, size_t config_len,
                                       struct ArrowSchema *out) {
    (void)component;
    sh_json_value value;
    char text[16];
    size_t length = 0;
    if (sh_json_find(config_json, config_len, "schema", &value, NULL) == SH_JSON_OK &&
        (sh_json_string(&value, text, sizeof text, &length) != SH_JSON_OK || strcmp(text, "orders") != 0)) {
        return SH_NOT_FOUND;
    }
    int64_t value_size = 0;
    if (sh_json_find(config_json, config_len, "value_size", &value, NULL) == SH_JSON_OK &&
        (sh_json_int64(&value, &value_size) != SH_JSON_OK || value_size != 0)) {
        return SH_NOT_FOUND;
    }
    return datagen_orders_schema(out) ? SH_OK : SH_ERROR;
}

/* Generates count records (the caller bounded it) as one struct array and
 * emits it with emit_columns. */
static sh_status datagen_emit_columns(datagen *g, sh_ctx *ctx, uint32_t count, uint32_t *emitted) {
    datagen_columns *block = calloc(1, sizeof *block);
    if (block == NULL) return plugin_fail(host, ctx, "datagen: out of memory for a batch");
    block->references = 1 + DATAGEN_FIELD_COUNT;
    size_t rows = count > 0 ? count : 1;
    block->order_id = malloc(sizeof(int64_t) * rows);
    block->customer_id = malloc(sizeof(int64_t) * rows);
    block->category_offsets = malloc(sizeof(int32_t) * (rows + 1));
    block->category_data = malloc(16 * rows);
    block->amount = malloc(2 * sizeof(uint64_t) * rows);
    block->event_time = malloc(sizeof(int64_t) * rows);
    if (block->order_id == NULL || block->customer_id == NULL || block->category_offsets == NULL ||
        block->category_data == NULL || block->amount == NULL || block->event_time == NULL ||
        !reserve_records(g, count) ||
        !plugin_reserve_bytes(&g->keys, &g->keys_capacity, (size_t)count * 24 + 1, 64 * 1024)) {
        block->references = 1;
        datagen_columns_unref(block);
        return plugin_fail(host, ctx, "datagen: out of memory for a batch");
    }
    uint32_t made = 0;
    int32_t category_bytes = 0;
    size_t keys_used = 0;
    block->category_offsets[0] = 0;
    g->key_offsets[0] = 0;
    for (; made < count; made++) {
        plugin_strided_skip_done(&g->position);
        if (g->count != 0 && g->position.next >= g->count) break;
        uint64_t n = g->position.next;
        datagen_draw draw = datagen_draw_record(g->seed, g->customers, n);
        const datagen_category *category = &datagen_categories[draw.category];
        block->order_id[made] = (int64_t)n;
        block->customer_id[made] = (int64_t)draw.customer_id;
        memcpy(block->category_data + category_bytes, category->name, category->length);
        category_bytes += (int32_t)category->length;
        block->category_offsets[made + 1] = category_bytes;
        block->amount[2 * made] = draw.amount_cents;
        block->amount[2 * made + 1] = 0;
        int64_t event_time = datagen_event_time(g, n, &draw);
        block->event_time[made] = event_time;
        g->timestamps[made] = event_time;
        /* The key as the byte path writes it. */
        char *key = (char *)g->keys + keys_used;
        switch (g->key_field) {
        case DATAGEN_KEY_NONE: break;
        case DATAGEN_KEY_ORDER_ID: keys_used += (size_t)(plugin_put_u64(key, n) - key); break;
        case DATAGEN_KEY_CUSTOMER_ID: keys_used += (size_t)(plugin_put_u64(key, draw.customer_id) - key); break;
        case DATAGEN_KEY_CATEGORY:
            memcpy(key, category->name, category->length);
            keys_used += category->length;
            break;
        }
        g->key_offsets[made + 1] = (uint32_t)keys_used;
        g->position.next += g->position.stride;
    }
    const void *values[DATAGEN_FIELD_COUNT] = {block->order_id, block->customer_id, block->category_offsets,
                                               block->amount, block->event_time};
    for (int i = 0; i < DATAGEN_FIELD_COUNT; i++) {
        block->child_buffers[i][0] = NULL;
        block->child_buffers[i][1] = values[i];
        block->child_buffers[i][2] = block->category_data;
        block->children[i] = (struct ArrowArray){
            .length = made, .null_count = 0, .offset = 0, .n_buffers = i == 2 ? 3 : 2, .n_children = 0,
            .buffers = block->child_buffers[i], .release = datagen_child_release, .private_data = block};
        block->child_pointers[i] = &block->children[i];
    }
    block->struct_buffers[0] = NULL;
    struct ArrowArray array = {
        .length = made, .null_count = 0, .offset = 0, .n_buffers = 1, .n_children = DATAGEN_FIELD_COUNT,
        .buffers = block->struct_buffers, .children = block->child_pointers, .release = datagen_struct_release,
        .private_data = block};
    struct ArrowSchema schema;
    if (!datagen_orders_schema(&schema)) {
        array.release(&array);
        return plugin_fail(host, ctx, "datagen: out of memory for a schema");
    }
    sh_batch rows_info = {
        .struct_size = sizeof(sh_batch),
        .count = made,
        .timestamps = g->timestamps,
        .key_offsets = g->key_field == DATAGEN_KEY_NONE ? NULL : g->key_offsets,
        .keys = g->key_field == DATAGEN_KEY_NONE ? NULL : g->keys,
    };
    /* The host takes both structs whatever it answers. */
    sh_status status = host->emit_columns(ctx, &schema, &array, &rows_info);
    if (status != SH_OK) {
        return plugin_fail(host, ctx, "datagen: emit_columns of %u records failed (status %d): %s", made, (int)status,
                           host->last_error(ctx));
    }
    *emitted = made;
    return SH_OK;
}

static sh_status datagen_poll(void *self, sh_ctx *ctx, uint32_t max) {
    datagen *g = self;
    uint64_t todo = max;
    if (g->count != 0) {
        if (g->position.next >= g->count) return SH_END;
        uint64_t remaining = (g->count - 1 - g->position.next) / g->position.stride + 1;
        if (todo > remaining) todo = remaining;
    }
    if (g->instance_rate > 0) {
        /* Record k of this instance is due k / instance_rate seconds after
         * the first poll; a late poll catches up, capped by max. */
        uint64_t now = monotonic_ns();
        if (!g->rate_clock_started) {
            g->rate_clock_started = 1;
            g->rate_clock_start_ns = now;
        }
        double allowed = (double)(now - g->rate_clock_start_ns) * 1e-9 * g->instance_rate + 1.0;
        uint64_t due = allowed >= 1.8e19 ? UINT64_MAX : (uint64_t)allowed;
        due = due > g->emitted ? due - g->emitted : 0;
        if (due == 0) return SH_IDLE;
        if (todo > due) todo = due;
    }

    if (g->emit_columns) {
        uint32_t made = 0;
        sh_status status = datagen_emit_columns(g, ctx, (uint32_t)todo, &made);
        if (status != SH_OK) return status;
        g->emitted += made;
        if (g->has_records_counter && made > 0) host->counter_add(ctx, g->records_counter, (int64_t)made);
        if (g->count != 0 && g->position.next >= g->count) return SH_END;
        return SH_OK;
    }

    /* Build the whole batch here and hand it over with one emit_batch: the
     * host copies it in bulk instead of taking one call per record. */
    if (!reserve_records(g, (uint32_t)todo)) {
        host->set_error(ctx, "datagen: out of memory for a batch");
        return SH_ERROR;
    }
    sh_record record = {0};
    size_t values_used = 0, keys_used = 0;
    g->value_offsets[0] = 0;
    g->key_offsets[0] = 0;
    for (uint64_t i = 0; i < todo; i++) {
        plugin_strided_skip_done(&g->position);
        if (g->count != 0 && g->position.next >= g->count) {
            todo = i;
            break;
        }
        datagen_format(g, g->position.next, &record);
        if (!plugin_reserve_bytes(&g->values, &g->values_capacity, values_used + record.value_len, 64 * 1024) ||
            !plugin_reserve_bytes(&g->keys, &g->keys_capacity, keys_used + record.key_len + 1, 64 * 1024)) {
            host->set_error(ctx, "datagen: out of memory for a batch");
            return SH_ERROR;
        }
        memcpy(g->values + values_used, record.value, record.value_len);
        values_used += record.value_len;
        if (record.key != NULL) {
            memcpy(g->keys + keys_used, record.key, record.key_len);
            keys_used += record.key_len;
        }
        g->timestamps[i] = record.timestamp;
        g->value_offsets[i + 1] = (uint32_t)values_used;
        g->key_offsets[i + 1] = (uint32_t)keys_used;
        g->position.next += g->position.stride;
    }
    if (todo > 0) {
        sh_batch batch = {
            .struct_size = sizeof(sh_batch),
            .count = (uint32_t)todo,
            .timestamps = g->timestamps,
            .key_offsets = g->key_field == DATAGEN_KEY_NONE ? NULL : g->key_offsets,
            .keys = g->key_field == DATAGEN_KEY_NONE ? NULL : g->keys,
            .value_offsets = g->value_offsets,
            .values = g->values,
        };
        sh_status status = host->emit_batch(ctx, &batch);
        if (status != SH_OK) {
            return plugin_fail(host, ctx, "datagen: emit_batch of %" PRIu64 " records failed (status %d): %s", todo,
                               (int)status, host->last_error(ctx));
        }
    }
    g->emitted += todo;
    if (g->has_records_counter && todo > 0) host->counter_add(ctx, g->records_counter, (int64_t)todo);
    /* The records emitted by this call are delivered either way; SH_END
     * right away saves the host one more poll. */
    if (g->count != 0 && g->position.next >= g->count) return SH_END;
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable datagen_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = datagen_create,
    .destroy = datagen_destroy,
    .open = datagen_open,
    .poll = datagen_poll,
    .snapshot = datagen_snapshot,
    .restore = datagen_restore,
    .output_schema = datagen_output_schema,
};

static const sh_component datagen_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SOURCE,
    .name = "datagen",
    .description = "Seeded, deterministic generator of JSON orders or fixed-size byte records",
    .config_schema = datagen_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &datagen_vtable,
    .output_formats = SH_FORMAT_BYTES | SH_FORMAT_COLUMNS,
};

static const sh_component *const datagen_components[] = {&datagen_component};

SH_PLUGIN_ENTRY(host, "datagen", STREAMHOST_FIRST_PARTY_VERSION, datagen_components)
