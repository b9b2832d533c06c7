/*
 * big-orders — an operator written in C against SDK/include only.
 *
 * Keeps the orders whose top-level "amount" field is at least min_amount
 * (default 100) and drops the others. A record it cannot judge — a null
 * value, a value that is not a JSON object, no "amount" field, an "amount"
 * that is not a number — goes to the job's dead-letter destination through
 * host->reject with the reason, and the job goes on.
 *
 * Build:  cc -shared -fPIC -O2 -Wall -Wextra -I ../../SDK/include \
 *             -o libbig-orders.so big_orders.c
 *
 * Everything but the entry point is static, so the library exports exactly
 * one symbol, streamhost_plugin_entry.
 */
#include "streamhost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The JSON Schema of the config; the host validates the step's config
 * against it and fills in the default. */
static const char big_orders_schema[] =
    "{"
    "\"type\":\"object\","
    "\"properties\":{"
    "\"min_amount\":{\"type\":\"number\",\"default\":100,"
    "\"description\":\"Orders whose amount is at least this pass; the others are dropped.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

/* The host-API table, static for the life of the process. */
static const sh_host_api *host;

typedef struct big_orders {
    double min_amount;
    sh_counter_id dropped_counter;
} big_orders;

/* ------------------------------------------------------------------------ */
/* A small JSON scanner: just enough to find a top-level field              */
/* ------------------------------------------------------------------------ */

typedef struct scanner {
    const unsigned char *p;
    const unsigned char *end;
} scanner;

static void skip_space(scanner *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Scans a string starting at its opening quote. When name is not NULL, sets
 * *matches to whether the decoded string equals name (an ASCII name; an
 * escape such as \u0061 is decoded, so "\u0061mount" is "amount").
 * Returns 0 on success, -1 on malformed JSON. */
static int scan_string(scanner *s, const char *name, int *matches) {
    size_t matched = 0;
    int equal = 1;
    if (s->p >= s->end || *s->p != '"') return -1;
    s->p++;
    while (s->p < s->end) {
        unsigned char c = *s->p++;
        int decoded = c;
        if (c == '"') {
            if (name != NULL) *matches = equal && name[matched] == '\0';
            return 0;
        }
        if (c < 0x20) return -1;
        if (c == '\\') {
            if (s->p >= s->end) return -1;
            unsigned char e = *s->p++;
            switch (e) {
            case '"': case '\\': case '/': decoded = e; break;
            case 'b': decoded = '\b'; break;
            case 'f': decoded = '\f'; break;
            case 'n': decoded = '\n'; break;
            case 'r': decoded = '\r'; break;
            case 't': decoded = '\t'; break;
            case 'u':
                if (s->end - s->p < 4) return -1;
                decoded = 0;
                for (int i = 0; i < 4; i++) {
                    int h = hex_value(s->p[i]);
                    if (h < 0) return -1;
                    decoded = decoded * 16 + h;
                }
                s->p += 4;
                /* A code point past ASCII cannot match an ASCII name. */
                if (decoded >= 0x80) decoded = -1;
                break;
            default:
                return -1;
            }
        } else if (c >= 0x80) {
            decoded = -1;
        }
        if (name != NULL && equal) {
            if (decoded >= 0 && name[matched] != '\0' && (unsigned char)name[matched] == decoded) {
                matched++;
            } else {
                equal = 0;
            }
        }
    }
    return -1;
}

/* Scans a JSON number (RFC 8259 grammar). Returns 0 or -1. */
static int scan_number(scanner *s) {
    const unsigned char *p = s->p;
    if (p < s->end && *p == '-') p++;
    if (p >= s->end) return -1;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < s->end && *p >= '0' && *p <= '9') p++;
    } else {
        return -1;
    }
    if (p < s->end && *p == '.') {
        p++;
        if (p >= s->end || *p < '0' || *p > '9') return -1;
        while (p < s->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < s->end && (*p == '+' || *p == '-')) p++;
        if (p >= s->end || *p < '0' || *p > '9') return -1;
        while (p < s->end && *p >= '0' && *p <= '9') p++;
    }
    s->p = p;
    return 0;
}

static int scan_literal(scanner *s, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return -1;
    s->p += n;
    return 0;
}

/* Skips any JSON value. Nesting is bounded so that a hostile record cannot
 * exhaust the stack. Returns 0 or -1. */
static int skip_value(scanner *s, int depth) {
    if (depth > 512) return -1;
    skip_space(s);
    if (s->p >= s->end) return -1;
    switch (*s->p) {
    case '"':
        return scan_string(s, NULL, NULL);
    case '{':
    case '[': {
        unsigned char close = *s->p == '{' ? '}' : ']';
        int object = close == '}';
        s->p++;
        skip_space(s);
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return 0;
        }
        for (;;) {
            if (object) {
                skip_space(s);
                if (scan_string(s, NULL, NULL) != 0) return -1;
                skip_space(s);
                if (s->p >= s->end || *s->p != ':') return -1;
                s->p++;
            }
            if (skip_value(s, depth + 1) != 0) return -1;
            skip_space(s);
            if (s->p >= s->end) return -1;
            if (*s->p == ',') {
                s->p++;
                continue;
            }
            if (*s->p == close) {
                s->p++;
                return 0;
            }
            return -1;
        }
    }
    case 't': return scan_literal(s, "true");
    case 'f': return scan_literal(s, "false");
    case 'n': return scan_literal(s, "null");
    default: return scan_number(s);
    }
}

typedef enum amount_result {
    AMOUNT_FOUND,
    AMOUNT_MISSING,
    AMOUNT_NOT_A_NUMBER,
    AMOUNT_NOT_AN_OBJECT,
    AMOUNT_MALFORMED
} amount_result;

/* Finds the top-level "amount" member of the JSON object in value. */
static amount_result find_amount(const unsigned char *value, size_t length, double *amount) {
    scanner s = {value, value + length};
    skip_space(&s);
    if (s.p >= s.end) return AMOUNT_MALFORMED;
    if (*s.p != '{') return skip_value(&s, 0) == 0 ? AMOUNT_NOT_AN_OBJECT : AMOUNT_MALFORMED;
    s.p++;
    skip_space(&s);
    if (s.p < s.end && *s.p == '}') return AMOUNT_MISSING;
    for (;;) {
        int is_amount = 0;
        skip_space(&s);
        if (scan_string(&s, "amount", &is_amount) != 0) return AMOUNT_MALFORMED;
        skip_space(&s);
        if (s.p >= s.end || *s.p != ':') return AMOUNT_MALFORMED;
        s.p++;
        skip_space(&s);
        if (is_amount) {
            const unsigned char *start = s.p;
            if (s.p < s.end && (*s.p == '-' || (*s.p >= '0' && *s.p <= '9'))) {
                if (scan_number(&s) != 0) return AMOUNT_MALFORMED;
                const unsigned char *number_end = s.p;
                /* What follows must end the member: "01" or "1x" is not JSON. */
                skip_space(&s);
                if (s.p >= s.end || (*s.p != ',' && *s.p != '}')) return AMOUNT_MALFORMED;
                /* strtod needs a terminated copy (JSON numbers are short) and
                 * reads '.' as the C locale does, the default of a process
                 * that never calls setlocale. */
                char text[128];
                size_t n = (size_t)(number_end - start);
                char *copy = n < sizeof text ? text : malloc(n + 1);
                if (copy == NULL) return AMOUNT_MALFORMED;
                memcpy(copy, start, n);
                copy[n] = '\0';
                *amount = strtod(copy, NULL);
                if (copy != text) free(copy);
                return AMOUNT_FOUND;
            }
            return skip_value(&s, 1) == 0 ? AMOUNT_NOT_A_NUMBER : AMOUNT_MALFORMED;
        }
        if (skip_value(&s, 1) != 0) return AMOUNT_MALFORMED;
        skip_space(&s);
        if (s.p >= s.end) return AMOUNT_MALFORMED;
        if (*s.p == ',') {
            s.p++;
            continue;
        }
        if (*s.p == '}') return AMOUNT_MISSING;
        return AMOUNT_MALFORMED;
    }
}

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

static sh_status big_orders_create(sh_ctx *ctx, const sh_component *component, const char *config_json, size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    double min_amount = 100;
    sh_status status = host->config_double(ctx, "min_amount", &min_amount);
    if (status == SH_WRONG_TYPE) {
        /* An integer is a JSON Schema "number" too. */
        int64_t integer = 0;
        status = host->config_int64(ctx, "min_amount", &integer);
        min_amount = (double)integer;
    }
    if (status == SH_NOT_FOUND) {
        min_amount = 100;
    } else if (status != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "big-orders: config 'min_amount' must be a number (host status %d: %s)",
                 (int)status, host->last_error(ctx));
        host->set_error(ctx, message);
        return SH_ERROR;
    }

    big_orders *self = calloc(1, sizeof *self);
    if (self == NULL) {
        host->set_error(ctx, "big-orders: out of memory");
        return SH_ERROR;
    }
    self->min_amount = min_amount;
    if (host->counter_register(ctx, "dropped", &self->dropped_counter) != SH_OK) {
        char message[300];
        snprintf(message, sizeof message, "big-orders: cannot register counter 'dropped': %s", host->last_error(ctx));
        host->set_error(ctx, message);
        free(self);
        return SH_ERROR;
    }
    *out = self;
    return SH_OK;
}

static void big_orders_destroy(void *self) {
    free(self);
}

static sh_status big_orders_process(void *instance, sh_ctx *ctx, const sh_batch *batch) {
    big_orders *self = instance;
    int64_t dropped = 0;
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_record record;
        sh_batch_record(batch, i, &record);

        const char *reason = NULL;
        double amount = 0;
        if (record.value == NULL) {
            reason = "big-orders: the value is null";
        } else {
            switch (find_amount(record.value, record.value_len, &amount)) {
            case AMOUNT_FOUND: break;
            case AMOUNT_MISSING: reason = "big-orders: field 'amount' is missing"; break;
            case AMOUNT_NOT_A_NUMBER: reason = "big-orders: field 'amount' is not a number"; break;
            case AMOUNT_NOT_AN_OBJECT: reason = "big-orders: the value is not a JSON object"; break;
            case AMOUNT_MALFORMED: reason = "big-orders: the value is not valid JSON"; break;
            }
        }

        sh_status status = SH_OK;
        const char *what = NULL;
        if (reason != NULL) {
            status = host->reject(ctx, &record, reason);
            what = "reject";
        } else if (amount >= self->min_amount) {
            status = host->emit(ctx, &record);
            what = "emit";
        } else {
            dropped++;
        }
        if (status != SH_OK) {
            char message[300];
            snprintf(message, sizeof message, "big-orders: %s of record %u of the batch failed (status %d): %s", what,
                     (unsigned)i, (int)status, host->last_error(ctx));
            host->set_error(ctx, message);
            host->counter_add(ctx, self->dropped_counter, dropped);
            return SH_ERROR;
        }
    }
    if (dropped > 0) host->counter_add(ctx, self->dropped_counter, dropped);
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable big_orders_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = big_orders_create,
    .destroy = big_orders_destroy,
    .process = big_orders_process,
};

static const sh_component big_orders_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_OPERATOR,
    .name = "big-orders",
    .description = "Keeps orders whose amount is at least min_amount",
    .config_schema = big_orders_schema,
    .state_version = 1,
    .input_count = 1,
    .vtable = &big_orders_vtable,
};

static const sh_component *const big_orders_components[] = {&big_orders_component};

static const sh_plugin_descriptor big_orders_descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 1,
    .name = "big-orders",
    .version = "1.0.0",
    .components = big_orders_components,
    .function_count = 0,
    .functions = NULL,
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    host = api;
    return &big_orders_descriptor;
}
