/*
 * plugin_json_time.c — a record value's JSON member and the time text rule,
 * for the C plugins (the log source's timestamp_field). See plugin_support.h.
 */
#include "plugin_support.h"

/* ------------------------------------------------------------------------ */
/* JSON                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct json_cursor {
    const uint8_t *p;
    const uint8_t *end;
} json_cursor;

static void json_space(json_cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

/* Past a string whose opening quote is at c->p; its content in [*from, *to). */
static int json_string(json_cursor *c, const uint8_t **from, const uint8_t **to) {
    if (c->p >= c->end || *c->p != '"') return 0;
    c->p++;
    *from = c->p;
    while (c->p < c->end) {
        uint8_t byte = *c->p;
        if (byte == '"') {
            *to = c->p;
            c->p++;
            return 1;
        }
        if (byte < 0x20) return 0;
        if (byte == '\\') {
            c->p++;
            if (c->p >= c->end) return 0;
        }
        c->p++;
    }
    return 0;
}

/* Past one value of any kind (depth counts the nesting around it). */
static int json_skip(json_cursor *c, int depth, plugin_json_kind *kind) {
    if (depth > PLUGIN_JSON_DEPTH_MAX) return 0;
    json_space(c);
    if (c->p >= c->end) return 0;
    const uint8_t *from, *to;
    switch (*c->p) {
    case '"':
        *kind = PLUGIN_JSON_STRING;
        return json_string(c, &from, &to);
    case '{':
    case '[': {
        uint8_t close = *c->p == '{' ? '}' : ']';
        int object = close == '}';
        *kind = PLUGIN_JSON_OTHER;
        c->p++;
        json_space(c);
        if (c->p < c->end && *c->p == close) {
            c->p++;
            return 1;
        }
        for (;;) {
            plugin_json_kind inner;
            if (object) {
                json_space(c);
                if (!json_string(c, &from, &to)) return 0;
                json_space(c);
                if (c->p >= c->end || *c->p != ':') return 0;
                c->p++;
            }
            if (!json_skip(c, depth + 1, &inner)) return 0;
            json_space(c);
            if (c->p >= c->end) return 0;
            if (*c->p == ',') {
                c->p++;
                continue;
            }
            if (*c->p != close) return 0;
            c->p++;
            return 1;
        }
    }
    default: {
        const uint8_t *start = c->p;
        while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ']' && *c->p != ' ' && *c->p != '\t' &&
               *c->p != '\n' && *c->p != '\r')
            c->p++;
        size_t n = (size_t)(c->p - start);
        if (n == 4 && memcmp(start, "null", 4) == 0) *kind = PLUGIN_JSON_NULL;
        else if ((n == 4 && memcmp(start, "true", 4) == 0) || (n == 5 && memcmp(start, "false", 5) == 0))
            *kind = PLUGIN_JSON_OTHER;
        else if (n > 0 && (*start == '-' || (*start >= '0' && *start <= '9'))) *kind = PLUGIN_JSON_NUMBER;
        else return 0;
        return 1;
    }
    }
}

/* Whether the key text [from, to) (escapes as written) names `name`. */
static int json_key_is(const uint8_t *from, const uint8_t *to, const char *name) {
    size_t n = strlen(name);
    const uint8_t *p = from;
    size_t i = 0;
    while (p < to) {
        uint8_t byte = *p++;
        if (byte == '\\') {
            if (p >= to) return 0;
            uint8_t escaped = *p++;
            switch (escaped) {
            case '"': case '\\': case '/': byte = escaped; break;
            case 'b': byte = '\b'; break;
            case 'f': byte = '\f'; break;
            case 'n': byte = '\n'; break;
            case 'r': byte = '\r'; break;
            case 't': byte = '\t'; break;
            default: return 0; /* \u escapes: compared as not equal (names are plain) */
            }
        }
        if (i >= n || (uint8_t)name[i] != byte) return 0;
        i++;
    }
    return i == n;
}

plugin_json_kind plugin_json_member(const uint8_t *value, size_t len, const char *name, const uint8_t **start,
                                    size_t *text_len) {
    json_cursor c = {.p = value, .end = value + len};
    plugin_json_kind found = PLUGIN_JSON_MISSING;
    json_space(&c);
    if (c.p >= c.end || *c.p != '{') return PLUGIN_JSON_INVALID;
    c.p++;
    json_space(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            const uint8_t *key_from, *key_to;
            json_space(&c);
            if (!json_string(&c, &key_from, &key_to)) return PLUGIN_JSON_INVALID;
            json_space(&c);
            if (c.p >= c.end || *c.p != ':') return PLUGIN_JSON_INVALID;
            c.p++;
            json_space(&c);
            const uint8_t *value_start = c.p;
            plugin_json_kind kind;
            if (!json_skip(&c, 1, &kind)) return PLUGIN_JSON_INVALID;
            if (json_key_is(key_from, key_to, name)) {
                found = kind;
                *start = kind == PLUGIN_JSON_STRING ? value_start + 1 : value_start;
                *text_len = (size_t)(c.p - value_start) - (kind == PLUGIN_JSON_STRING ? 2 : 0);
            }
            json_space(&c);
            if (c.p >= c.end) return PLUGIN_JSON_INVALID;
            if (*c.p == ',') {
                c.p++;
                continue;
            }
            if (*c.p != '}') return PLUGIN_JSON_INVALID;
            c.p++;
            break;
        }
    }
    json_space(&c);
    return c.p == c.end ? found : PLUGIN_JSON_INVALID;
}

/* ------------------------------------------------------------------------ */
/* Time text                                                                */
/* ------------------------------------------------------------------------ */

/* An optional minus and 1..19 digits, without overflow. */
static int time_integer(const uint8_t *text, size_t len, int64_t *out) {
    size_t i = 0;
    int negative = len > 0 && text[0] == '-';
    if (negative) i = 1;
    if (i >= len || len - i > 19) return 0;
    uint64_t value = 0;
    for (; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') return 0;
        value = value * 10 + (uint64_t)(text[i] - '0');
        if (value > (uint64_t)INT64_MAX) return 0;
    }
    *out = negative ? -(int64_t)value : (int64_t)value;
    return 1;
}

static int time_digits(const uint8_t *text, size_t len, size_t *i, int count, int64_t *out) {
    if (*i + (size_t)count > len) return 0;
    int64_t value = 0;
    for (int k = 0; k < count; k++) {
        uint8_t byte = text[*i + (size_t)k];
        if (byte < '0' || byte > '9') return 0;
        value = value * 10 + (byte - '0');
    }
    *i += (size_t)count;
    *out = value;
    return 1;
}

static int time_skip(const uint8_t *text, size_t len, size_t *i, uint8_t byte) {
    if (*i < len && text[*i] == byte) {
        (*i)++;
        return 1;
    }
    return 0;
}

static int64_t time_days_in(int64_t month, int64_t year) {
    switch (month) {
    case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28;
    case 4: case 6: case 9: case 11: return 30;
    default: return 31;
    }
}

/* Days from 1970-01-01 (Howard Hinnant's days_from_civil), as TimeText. */
static int64_t time_days_from_civil(int64_t year, int64_t month, int64_t day) {
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

/* The most fraction digits read, as TimeText's fractionDigitsMax. */
#define TIME_FRACTION_DIGITS_MAX 64

int plugin_time_text_ms(const uint8_t *text, size_t len, int64_t *out) {
    if (time_integer(text, len, out)) return 1;
    size_t i = 0;
    int64_t year, month, day, hour, minute, second;
    if (!time_digits(text, len, &i, 4, &year) || !time_skip(text, len, &i, '-') ||
        !time_digits(text, len, &i, 2, &month) || !time_skip(text, len, &i, '-') ||
        !time_digits(text, len, &i, 2, &day))
        return 0;
    if (!time_skip(text, len, &i, 'T') && !time_skip(text, len, &i, 't') && !time_skip(text, len, &i, ' ')) return 0;
    if (!time_digits(text, len, &i, 2, &hour) || !time_skip(text, len, &i, ':') ||
        !time_digits(text, len, &i, 2, &minute) || !time_skip(text, len, &i, ':') ||
        !time_digits(text, len, &i, 2, &second))
        return 0;
    if (month < 1 || month > 12 || day < 1 || day > time_days_in(month, year) || hour > 23 || minute > 59 ||
        second > 60)
        return 0;
    int64_t millisecond = 0;
    if (time_skip(text, len, &i, '.') || time_skip(text, len, &i, ',')) {
        int count = 0;
        while (i < len && text[i] >= '0' && text[i] <= '9') {
            if (count >= TIME_FRACTION_DIGITS_MAX) return 0;
            if (count < 3) millisecond = millisecond * 10 + (text[i] - '0');
            count++;
            i++;
        }
        if (count == 0) return 0;
        for (int scale = count; scale < 3; scale++) millisecond *= 10;
    }
    int64_t offset_minutes = 0;
    if (time_skip(text, len, &i, 'Z') || time_skip(text, len, &i, 'z')) {
    } else if (i < len && (text[i] == '+' || text[i] == '-')) {
        int64_t sign = text[i] == '+' ? 1 : -1;
        i++;
        int64_t hours, minutes;
        if (!time_digits(text, len, &i, 2, &hours)) return 0;
        (void)time_skip(text, len, &i, ':');
        if (!time_digits(text, len, &i, 2, &minutes) || hours > 23 || minutes > 59) return 0;
        offset_minutes = sign * (hours * 60 + minutes);
    }
    if (i != len) return 0;
    int64_t days = time_days_from_civil(year, month, day);
    int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    *out = seconds * 1000 + millisecond;
    return 1;
}

const char *plugin_time_text_rule(void) { return PLUGIN_TIME_TEXT_RULE; }
