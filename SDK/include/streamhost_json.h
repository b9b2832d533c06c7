/*
 * streamhost_json.h — finding a field in a JSON record, for C plugins.
 *
 * A header-only helper (every function static inline, nothing exported,
 * nothing to link): not part of the plugin ABI, and free to change between
 * SDK versions without breaking a built plugin. It reads JSON under the same
 * rule as the host and the Swift plugin kit (SDK/README.md, "JSON"):
 * RFC 8259 exactly, strings in well-formed UTF-8 with \u escapes that pair
 * surrogates, numbers finite as a double, at most SH_JSON_NESTING_DEPTH_MAX
 * levels of arrays and objects, a leading UTF-8 byte order mark skipped.
 * Duplicate member names are not looked for; a lookup finds the first.
 *
 * Ownership: nothing here keeps a pointer past the call. An sh_json_value
 * BORROWS the text it was found in (for a record, valid until the callback
 * that received the record returns). Output buffers are the caller's.
 * Nothing allocates, except sh_json_double on a number longer than
 * SH_JSON_NUMBER_INLINE_MAX bytes (a malloc freed before it returns).
 *
 * Thread safety: no state; any thread may call any function.
 *
 *     sh_json_value amount;
 *     double value;
 *     if (sh_json_find(record.value, record.value_len, "amount", &amount, NULL) == SH_JSON_OK
 *         && sh_json_double(&amount, &value) == SH_JSON_OK) { ... }
 */
#ifndef STREAMHOST_JSON_H
#define STREAMHOST_JSON_H

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The deepest nesting of arrays and objects read, as in the host: deep
 * enough for any record, shallow enough that a hostile one cannot exhaust
 * the stack of the recursive walk. */
#define SH_JSON_NESTING_DEPTH_MAX 512
/* Numbers up to this many bytes are converted in a stack buffer. */
#define SH_JSON_NUMBER_INLINE_MAX 255

typedef enum sh_json_status {
    SH_JSON_OK = 0,
    /* An object along the path lacks the next member name. */
    SH_JSON_MISSING = 1,
    /* The text, or a value along the path before the last name, is not an
     * object. */
    SH_JSON_NOT_AN_OBJECT = 2,
    /* The text is not valid JSON; *error_offset says where. */
    SH_JSON_MALFORMED = 3,
    /* The value is not of the kind asked for (or, for sh_json_int64, not
     * an integer that fits int64_t). */
    SH_JSON_WRONG_TYPE = 4,
    /* The caller's buffer is too small; *length says how much is needed. */
    SH_JSON_TOO_SMALL = 5,
    /* A long number could not be copied for conversion. */
    SH_JSON_NO_MEMORY = 6
} sh_json_status;

typedef enum sh_json_kind {
    SH_JSON_NULL, SH_JSON_BOOL, SH_JSON_NUMBER, SH_JSON_STRING, SH_JSON_ARRAY, SH_JSON_OBJECT
} sh_json_kind;

/* One value inside a JSON text: its kind and its text (BORROWED; strings
 * with their quotes, objects and arrays from bracket to bracket). */
typedef struct sh_json_value {
    sh_json_kind kind;
    const unsigned char *text;
    size_t length;
} sh_json_value;

/* ------------------------------------------------------------------------ */
/* The scanner (internal: names with sh_json__ may change)                  */
/* ------------------------------------------------------------------------ */

typedef struct sh_json__cursor {
    const unsigned char *p;
    const unsigned char *end;
} sh_json__cursor;

static inline void sh_json__space(sh_json__cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static inline int sh_json__hex(unsigned char byte) {
    if (byte >= '0' && byte <= '9') return byte - '0';
    if (byte >= 'a' && byte <= 'f') return byte - 'a' + 10;
    if (byte >= 'A' && byte <= 'F') return byte - 'A' + 10;
    return -1;
}

static inline long sh_json__hex4(const unsigned char *p, const unsigned char *end) {
    if (end - p < 4) return -1;
    long unit = 0;
    for (int i = 0; i < 4; i++) {
        int digit = sh_json__hex(p[i]);
        if (digit < 0) return -1;
        unit = unit * 16 + digit;
    }
    return unit;
}

/* The length of the well-formed UTF-8 sequence at p (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static inline size_t sh_json__utf8_length(const unsigned char *p, const unsigned char *end) {
    unsigned char lead = p[0];
    size_t length;
    unsigned char low = 0x80, high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead == 0xE0) { length = 3; low = 0xA0; }
    else if (lead == 0xED) { length = 3; high = 0x9F; }
    else if (lead >= 0xE1 && lead <= 0xEF) length = 3;
    else if (lead == 0xF0) { length = 4; low = 0x90; }
    else if (lead == 0xF4) { length = 4; high = 0x8F; }
    else if (lead >= 0xF1 && lead <= 0xF3) length = 4;
    else return 0;
    if ((size_t)(end - p) < length) return 0;
    if (p[1] < low || p[1] > high) return 0;
    for (size_t i = 2; i < length; i++) if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return length;
}

/* Decodes the escape at p (a backslash): the scalar value and the escape's
 * length, or 0 when it is malformed or names a lone surrogate. */
static inline size_t sh_json__escape(const unsigned char *p, const unsigned char *end, uint32_t *scalar) {
    if (end - p < 2) return 0;
    switch (p[1]) {
    case '"': case '\\': case '/': *scalar = p[1]; return 2;
    case 'b': *scalar = '\b'; return 2;
    case 'f': *scalar = '\f'; return 2;
    case 'n': *scalar = '\n'; return 2;
    case 'r': *scalar = '\r'; return 2;
    case 't': *scalar = '\t'; return 2;
    case 'u': {
        long unit = sh_json__hex4(p + 2, end);
        if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return 0;
        if (unit < 0xD800 || unit > 0xDBFF) { *scalar = (uint32_t)unit; return 6; }
        if (end - p < 12 || p[6] != '\\' || p[7] != 'u') return 0;
        long low = sh_json__hex4(p + 8, end);
        if (low < 0xDC00 || low > 0xDFFF) return 0;
        *scalar = 0x10000 + (((uint32_t)unit - 0xD800) << 10) + ((uint32_t)low - 0xDC00);
        return 12;
    }
    default: return 0;
    }
}

/* Appends the UTF-8 of scalar to out (4 bytes room); returns its length. */
static inline size_t sh_json__utf8_encode(uint32_t scalar, unsigned char *out) {
    if (scalar < 0x80) { out[0] = (unsigned char)scalar; return 1; }
    if (scalar < 0x800) {
        out[0] = (unsigned char)(0xC0 | scalar >> 6);
        out[1] = (unsigned char)(0x80 | (scalar & 0x3F));
        return 2;
    }
    if (scalar < 0x10000) {
        out[0] = (unsigned char)(0xE0 | scalar >> 12);
        out[1] = (unsigned char)(0x80 | (scalar >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (scalar & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | scalar >> 18);
    out[1] = (unsigned char)(0x80 | (scalar >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (scalar >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (scalar & 0x3F));
    return 4;
}

/* Steps over the string at c->p (its opening quote). With name != NULL,
 * sets *matches to whether the decoded string is exactly the name_length
 * bytes of name. Returns 0, or -1 with c->p at the fault. */
static inline int sh_json__string(sh_json__cursor *c, const unsigned char *name, size_t name_length, int *matches) {
    size_t matched = 0;
    int equal = 1;
    c->p++;
    while (c->p < c->end) {
        unsigned char byte = *c->p;
        if (byte == '"') {
            c->p++;
            if (name != NULL) *matches = equal && matched == name_length;
            return 0;
        }
        if (byte < 0x20) return -1;
        unsigned char decoded[4];
        size_t decoded_length;
        if (byte == '\\') {
            uint32_t scalar;
            size_t length = sh_json__escape(c->p, c->end, &scalar);
            if (length == 0) return -1;
            c->p += length;
            decoded_length = name != NULL ? sh_json__utf8_encode(scalar, decoded) : 0;
        } else if (byte >= 0x80) {
            size_t length = sh_json__utf8_length(c->p, c->end);
            if (length == 0) return -1;
            memcpy(decoded, c->p, length);
            decoded_length = length;
            c->p += length;
        } else {
            decoded[0] = byte;
            decoded_length = 1;
            c->p++;
        }
        if (name != NULL && equal) {
            if (name_length - matched >= decoded_length && memcmp(name + matched, decoded, decoded_length) == 0) {
                matched += decoded_length;
            } else {
                equal = 0;
            }
        }
    }
    return -1;
}

static inline int sh_json__digit(const sh_json__cursor *c) {
    return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* Converts the number text [start, end) with strtod (which reads '.' as the
 * C locale does, the default of a process that never calls setlocale). */
static inline sh_json_status sh_json__strtod(const unsigned char *start, size_t length, double *out) {
    char inline_copy[SH_JSON_NUMBER_INLINE_MAX + 1];
    char *copy = length <= SH_JSON_NUMBER_INLINE_MAX ? inline_copy : (char *)malloc(length + 1);
    if (copy == NULL) return SH_JSON_NO_MEMORY;
    memcpy(copy, start, length);
    copy[length] = '\0';
    int saved = errno;
    errno = 0;
    double value = strtod(copy, NULL);
    int range = errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL);
    errno = saved;
    if (copy != inline_copy) free(copy);
    if (range) return SH_JSON_MALFORMED;
    *out = value;
    return SH_JSON_OK;
}

/* Steps over a number (RFC 8259 grammar) that must be finite as a double. */
static inline int sh_json__number(sh_json__cursor *c) {
    const unsigned char *start = c->p;
    if (c->p < c->end && *c->p == '-') c->p++;
    if (!sh_json__digit(c)) return -1;
    if (*c->p == '0') {
        c->p++;
    } else {
        while (sh_json__digit(c)) c->p++;
    }
    int check_range = c->p - start > 300;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!sh_json__digit(c)) return -1;
        while (sh_json__digit(c)) c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-')) c->p++;
        if (!sh_json__digit(c)) return -1;
        while (sh_json__digit(c)) c->p++;
        check_range = 1;
    }
    double ignored;
    if (check_range && sh_json__strtod(start, (size_t)(c->p - start), &ignored) == SH_JSON_MALFORMED) {
        c->p = start;
        return -1;
    }
    return 0;
}

static inline int sh_json__literal(sh_json__cursor *c, const char *word, size_t length) {
    if ((size_t)(c->end - c->p) < length || memcmp(c->p, word, length) != 0) return -1;
    c->p += length;
    return 0;
}

/* Steps over the value at c->p (no whitespace before it) at nesting depth;
 * sets *kind. Returns 0, or -1 with c->p at the fault. */
static inline int sh_json__value(sh_json__cursor *c, int depth, sh_json_kind *kind) {
    if (c->p >= c->end) return -1;
    switch (*c->p) {
    case '"': *kind = SH_JSON_STRING; return sh_json__string(c, NULL, 0, NULL);
    case 't': *kind = SH_JSON_BOOL; return sh_json__literal(c, "true", 4);
    case 'f': *kind = SH_JSON_BOOL; return sh_json__literal(c, "false", 5);
    case 'n': *kind = SH_JSON_NULL; return sh_json__literal(c, "null", 4);
    case '{':
    case '[': {
        unsigned char close = *c->p == '{' ? '}' : ']';
        *kind = close == '}' ? SH_JSON_OBJECT : SH_JSON_ARRAY;
        if (depth >= SH_JSON_NESTING_DEPTH_MAX) return -1;
        c->p++;
        sh_json__space(c);
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return 0;
        }
        for (;;) {
            sh_json_kind inner;
            if (close == '}') {
                if (c->p >= c->end || *c->p != '"' || sh_json__string(c, NULL, 0, NULL) != 0) return -1;
                sh_json__space(c);
                if (c->p >= c->end || *c->p != ':') return -1;
                c->p++;
                sh_json__space(c);
            }
            if (sh_json__value(c, depth + 1, &inner) != 0) return -1;
            sh_json__space(c);
            if (c->p >= c->end) return -1;
            if (*c->p == close) {
                c->p++;
                return 0;
            }
            if (*c->p != ',') return -1;
            c->p++;
            sh_json__space(c);
        }
    }
    default: *kind = SH_JSON_NUMBER; return sh_json__number(c);
    }
}

static inline void sh_json__start(sh_json__cursor *c, const void *text, size_t length) {
    c->p = (const unsigned char *)text;
    c->end = c->p + length;
    if (length >= 3 && c->p[0] == 0xEF && c->p[1] == 0xBB && c->p[2] == 0xBF) c->p += 3;
    sh_json__space(c);
}

static inline sh_json_status sh_json__malformed(const sh_json__cursor *c, const void *text, size_t *error_offset) {
    if (error_offset != NULL) *error_offset = (size_t)(c->p - (const unsigned char *)text);
    return SH_JSON_MALFORMED;
}

/* ------------------------------------------------------------------------ */
/* The helpers                                                              */
/* ------------------------------------------------------------------------ */

/* Checks that text (length bytes, BORROWED) is exactly one JSON value with
 * only whitespace around it. SH_JSON_OK or SH_JSON_MALFORMED with the byte
 * offset of the fault in *error_offset (when not NULL). */
static inline sh_json_status sh_json_validate(const void *text, size_t length, size_t *error_offset) {
    sh_json__cursor c;
    sh_json_kind kind;
    sh_json__start(&c, text, length);
    if (sh_json__value(&c, 0, &kind) != 0) return sh_json__malformed(&c, text, error_offset);
    sh_json__space(&c);
    if (c.p != c.end) return sh_json__malformed(&c, text, error_offset);
    return SH_JSON_OK;
}

/* Finds the member at path (NUL-terminated UTF-8 names joined by '.', such
 * as "customer.id"; BORROWED for the call) in the JSON object text (length
 * bytes, BORROWED) and views its value in *out, which borrows text.
 *
 * Every byte up to the end of the found value is checked; bytes after it
 * are not read, and where an object is needed and another kind of value
 * starts, that value is not read either (SH_JSON_NOT_AN_OBJECT), as in the
 * host's lookups. Returns SH_JSON_OK,
 * SH_JSON_MISSING, SH_JSON_NOT_AN_OBJECT, or SH_JSON_MALFORMED with the
 * fault's offset in *error_offset (when not NULL). */
static inline sh_json_status sh_json_find(const void *text, size_t length, const char *path, sh_json_value *out,
                                          size_t *error_offset) {
    sh_json__cursor c;
    sh_json__start(&c, text, length);
    const unsigned char *segment = (const unsigned char *)path;
    for (int depth = 0;; depth++) {
        const unsigned char *dot = (const unsigned char *)strchr((const char *)segment, '.');
        size_t segment_length = dot != NULL ? (size_t)(dot - segment) : strlen((const char *)segment);
        if (c.p >= c.end) return sh_json__malformed(&c, text, error_offset);
        if (*c.p != '{') {
            /* As the host's lookups: another kind of value is not read
             * further. */
            if (strchr("\"[tfn-0123456789", *c.p) != NULL && *c.p != '\0') return SH_JSON_NOT_AN_OBJECT;
            return sh_json__malformed(&c, text, error_offset);
        }
        if (depth >= SH_JSON_NESTING_DEPTH_MAX) return sh_json__malformed(&c, text, error_offset);
        c.p++;
        sh_json__space(&c);
        if (c.p < c.end && *c.p == '}') return SH_JSON_MISSING;
        for (;;) {
            int matches = 0;
            if (c.p >= c.end || *c.p != '"' || sh_json__string(&c, segment, segment_length, &matches) != 0) {
                return sh_json__malformed(&c, text, error_offset);
            }
            sh_json__space(&c);
            if (c.p >= c.end || *c.p != ':') return sh_json__malformed(&c, text, error_offset);
            c.p++;
            sh_json__space(&c);
            if (matches && dot != NULL) break;  /* Descend into the value. */
            const unsigned char *value_start = c.p;
            sh_json_kind kind;
            if (sh_json__value(&c, depth + 1, &kind) != 0) return sh_json__malformed(&c, text, error_offset);
            if (matches) {
                out->kind = kind;
                out->text = value_start;
                out->length = (size_t)(c.p - value_start);
                return SH_JSON_OK;
            }
            sh_json__space(&c);
            if (c.p < c.end && *c.p == '}') return SH_JSON_MISSING;
            if (c.p >= c.end || *c.p != ',') return sh_json__malformed(&c, text, error_offset);
            c.p++;
            sh_json__space(&c);
        }
        segment = dot + 1;
    }
}

/* The value of a number as the nearest double. SH_JSON_WRONG_TYPE for other
 * kinds. */
static inline sh_json_status sh_json_double(const sh_json_value *value, double *out) {
    if (value->kind != SH_JSON_NUMBER) return SH_JSON_WRONG_TYPE;
    return sh_json__strtod(value->text, value->length, out);
}

/* The value of a number written as an integer (no fraction, no exponent)
 * that fits int64_t; SH_JSON_WRONG_TYPE otherwise. */
static inline sh_json_status sh_json_int64(const sh_json_value *value, int64_t *out) {
    if (value->kind != SH_JSON_NUMBER) return SH_JSON_WRONG_TYPE;
    size_t index = value->text[0] == '-' ? 1 : 0;
    uint64_t magnitude = 0;
    uint64_t limit = index == 1 ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; index < value->length; index++) {
        unsigned char byte = value->text[index];
        if (byte < '0' || byte > '9') return SH_JSON_WRONG_TYPE;
        if (magnitude > (limit - (uint64_t)(byte - '0')) / 10) return SH_JSON_WRONG_TYPE;
        magnitude = magnitude * 10 + (uint64_t)(byte - '0');
    }
    *out = value->text[0] == '-' ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return SH_JSON_OK;
}

/* Decodes a string (escapes resolved, no quotes) into buffer (capacity
 * bytes, the caller's), NUL-terminated; *length (when not NULL) gets the
 * decoded length without the NUL. SH_JSON_TOO_SMALL when capacity is not
 * at least that length + 1 (then *length says how much is needed);
 * SH_JSON_WRONG_TYPE for other kinds. The text may hold a NUL (\u0000):
 * use *length, not strlen. */
static inline sh_json_status sh_json_string(const sh_json_value *value, char *buffer, size_t capacity, size_t *length) {
    if (value->kind != SH_JSON_STRING) return SH_JSON_WRONG_TYPE;
    const unsigned char *p = value->text + 1;
    const unsigned char *end = value->text + value->length - 1;
    size_t written = 0;
    while (p < end) {
        unsigned char decoded[4];
        size_t decoded_length = 1;
        if (*p == '\\') {
            uint32_t scalar = 0;
            size_t escape = sh_json__escape(p, end, &scalar);
            if (escape == 0) return SH_JSON_WRONG_TYPE; /* Not a value this header found. */
            decoded_length = sh_json__utf8_encode(scalar, decoded);
            p += escape;
        } else {
            decoded[0] = *p++;
        }
        if (written + decoded_length < capacity) memcpy(buffer + written, decoded, decoded_length);
        written += decoded_length;
    }
    if (length != NULL) *length = written;
    if (written >= capacity) return SH_JSON_TOO_SMALL;
    buffer[written] = '\0';
    return SH_JSON_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* STREAMHOST_JSON_H */
