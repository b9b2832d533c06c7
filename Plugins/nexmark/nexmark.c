/*
 * nexmark — the Nexmark benchmark's event generator: SOURCE "nexmark".
 *
 * The events of nexmark/nexmark's generator (nexmark-flink's
 * NexmarkGenerator and its Person/Auction/Bid generators, themselves from
 * Apache Beam's Nexmark), with its rules and constants, but seeded: event
 * n is a pure function of the config and n, so the same config gives the
 * same events on every run, at every parallelism (instance i of p makes
 * n = i, i+p, ...), after any restore. The original draws from unseeded
 * randoms and the wall clock.
 *
 * Event n (from 0) is, by n % (P + A + B) with the proportions P:A:B
 * (default 1:3:46), a person (< P), an auction (< P + A) or a bid. Its
 * dateTime is base-time + floor(n * 1000 / first-event.rate) ms, and that
 * is also the record's timestamp. Ids count people and auctions so far
 * (from 1000); a new auction's seller is a hot seller (the first of the
 * newest 100 people) with probability 1 - 1/auction.hot-ratio.sellers,
 * else one of the newest 1000 people or the next 10; a bid's auction is
 * the hot one (the first of the newest 100 auctions) with probability
 * 1 - 1/bid.hot-ratio.auctions, else one of the newest 100 or the next
 * 10; its bidder the hot one (the second of the newest 100 people) with
 * probability 1 - 1/bid.hot-ratio.bidders, else as a seller — plus 1000
 * more, as nexmark/nexmark adds the first person id twice. Prices are
 * cents, log-uniform over 1.00 .. 1,000,000.00; category 10 .. 14; names,
 * cities and states from the original's lists; an auction expires 1 ms to
 * twice the time until 100 auctions later; half the bids come from the
 * hot channels Google, Facebook, Baidu and Apple, the others from
 * channel-0 .. channel-9999, nine in ten of whose URLs carry a
 * channel_id; `extra` pads each event to its avg-size on average (±20%)
 * with text cut from a 1 MiB pool. See nexmark_model.c.
 *
 * Where it differs from the original, on purpose: the event numbering
 * starts at 0 (Apache Beam's; nexmark-flink's table source starts its one
 * generator at 2, an artifact of its constructor arguments, so its first
 * event is an auction); several instances share one timeline and one id
 * space instead of each running its own (so p = 1 and p = 2 give the same
 * events); the URLs and the extras' pool come from the seed; draws of
 * long ranges are unbiased (the original's nextLong skews ranges >= 2^31).
 *
 * Options, named as the Flink connector's WITH options, a dotted option
 * being a nested object (`events: {num: 100000}`: the host reads
 * "events.num" as that path); integers may be written as strings of
 * digits, as SQL's WITH clause writes them:
 *   events.num                 events in all; 0: unbounded (default 0)
 *   first-event.rate           events per second of event time (10000)
 *   next-event.rate            must equal first-event.rate when given (the
 *                              original never reads it either)
 *   person|auction|bid.proportion   1, 3, 46
 *   person|auction|bid.avg-size     bytes: 200, 500, 100
 *   auction.hot-ratio.sellers  4;  bid.hot-ratio.auctions 2;  bid.hot-ratio.bidders 4
 *   seed                       the draws' seed (42)
 *   base-time                  dateTime of event 0: ms or ISO 8601
 *                              (default 2015-07-15T00:00:00Z, Beam's)
 * Events come as fast as the job takes them (the original's default
 * max-emit-speed).
 *
 * Formats (ABI 1.3): typed columns (the schema in nexmark_arrow.h, the
 * physical columns of Nexmark's ddl_gen.sql) when the next steps take
 * columns; else one JSON object per event, as Flink's `json` format reads
 * the ddl_gen table from a file:
 *
 *   {"event_type":2,"person":null,"auction":null,"bid":{"auction":1000,
 *    "bidder":2001,"price":3917,"channel":"Google","url":"https://...",
 *    "dateTime":"2015-07-15 00:00:00.003","extra":"..."}}
 *
 * fields in ddl_gen.sql's order, TIMESTAMP(3) as Flink's SQL timestamp
 * text (UTC), no key.
 */
#include "streamhost.h"
#include "plugin_support.h"

#include "nexmark_arrow.h"
#include "nexmark_model.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Limits and the config schema                                             */
/* ------------------------------------------------------------------------ */

/* Events one poll makes at most: bounds a batch's memory (extras of up to
 * 1.2 * avg-size each). */
#define NEXMARK_POLL_MAX 4096
#define NEXMARK_PROPORTION_MAX 1000000
#define NEXMARK_RATE_MAX 1000000000
#define NEXMARK_HOT_RATIO_MAX 1000000
/* base-time within years 1970 .. 9999, so the dateTime text is Flink's. */
#define NEXMARK_BASE_TIME_MAX 253402300799999
#define NEXMARK_BASE_TIME_DEFAULT 1436918400000 /* 2015-07-15T00:00:00Z */
/* A JSON line's fixed text and numbers, beyond its strings (escaped). */
#define NEXMARK_JSON_FIXED_MAX 512

#define INT_OR_DIGITS "\"type\":[\"integer\",\"string\"]"
#define OPTION(name, default_value, text) \
    "\"" name "\":{" INT_OR_DIGITS ",\"default\":" #default_value ",\"description\":\"" text "\"}"
#define GROUP(name, members) \
    "\"" name "\":{\"type\":\"object\",\"default\":{},\"properties\":{" members "},\"additionalProperties\":false}"

static const char nexmark_schema[] =
    "{"
    "\"type\":\"object\","
    "\"description\":\"Nexmark's events (person, auction, bid) as nexmark/nexmark generates them, seeded; "
    "options named as the Flink connector's, a dotted name being a nested object.\","
    "\"properties\":{"
    GROUP("events", OPTION("num", 0, "Events in all; 0: unbounded.")) ","
    GROUP("first-event", OPTION("rate", 10000, "Events per second of event time: dateTime advances 1000/rate ms per event.")) ","
    GROUP("next-event", "\"rate\":{" INT_OR_DIGITS ",\"description\":\"Must equal first-event.rate: one rate.\"}") ","
    GROUP("person", OPTION("proportion", 1, "People per P+A+B events.") ","
                    OPTION("avg-size", 200, "Average bytes of a person, extra padding included.")) ","
    GROUP("auction", OPTION("proportion", 3, "Auctions per P+A+B events.") ","
                     OPTION("avg-size", 500, "Average bytes of an auction, extra padding included.") ","
                     GROUP("hot-ratio", OPTION("sellers", 4, "An auction's seller is hot with probability 1 - 1/this."))) ","
    GROUP("bid", OPTION("proportion", 46, "Bids per P+A+B events.") ","
                 OPTION("avg-size", 100, "Average bytes of a bid, extra padding included.") ","
                 GROUP("hot-ratio", OPTION("auctions", 2, "A bid's auction is hot with probability 1 - 1/this.") ","
                                    OPTION("bidders", 4, "A bid's bidder is hot with probability 1 - 1/this."))) ","
    "\"seed\":{\"type\":\"integer\",\"default\":42,"
    "\"description\":\"Seed of the draws: the same seed and options give the same events.\"},"
    "\"base-time\":{\"type\":[\"integer\",\"string\"],\"x-streamhost-time\":true,\"default\":1436918400000,"
    "\"description\":\"dateTime of event 0: ms since the Unix epoch or an ISO 8601 date-time (no zone: UTC; "
    "default 2015-07-15T00:00:00Z); the host hands the plugin ms.\"}"
    "},"
    "\"additionalProperties\":false"
    "}";

/* ------------------------------------------------------------------------ */
/* The instance                                                             */
/* ------------------------------------------------------------------------ */

typedef struct nexmark {
    nexmark_config config;
    nexmark_tables tables;
    plugin_strided position;
    int emit_columns;
    sh_counter_id events_counter;
    int has_events_counter;
    nexmark_event event; /* the one being written */

    /* The bytes batch a poll builds, reused across polls. */
    int64_t *timestamps;
    uint32_t *value_offsets;
    uint8_t *values;
    size_t values_capacity;
} nexmark;

SH_PLUGIN_HOST(host);

/* ------------------------------------------------------------------------ */
/* Config                                                                   */
/* ------------------------------------------------------------------------ */

/* Reads an integer option in [minimum, maximum], written as a JSON integer
 * or a string of decimal digits; fallback when absent. */
static sh_status option_integer(sh_ctx *ctx, const char *key, int64_t fallback, int64_t minimum, int64_t maximum,
                                int64_t *out) {
    int64_t value = fallback;
    sh_status status = host->config_int64(ctx, key, &value);
    if (status == SH_WRONG_TYPE) {
        const char *text = NULL;
        status = host->config_string(ctx, key, &text);
        if (status == SH_OK) {
            char *end = NULL;
            int digits = text[0] >= '0' && text[0] <= '9';
            unsigned long long parsed = digits ? strtoull(text, &end, 10) : 0;
            if (!digits || *end != '\0' || parsed > (unsigned long long)INT64_MAX) {
                return plugin_fail(host, ctx, "nexmark: option '%s' is \"%.60s\"; it must be an integer (digits only)",
                                   key, text);
            }
            value = (int64_t)parsed;
        }
    }
    if (status == SH_NOT_FOUND) {
        value = fallback;
    } else if (status != SH_OK) {
        return plugin_config_failure(host, ctx, "nexmark", key, "an integer", status);
    }
    if (value < minimum || value > maximum) {
        return plugin_fail(host, ctx, "nexmark: option '%s' is %" PRId64 "; it must be between %" PRId64 " and %" PRId64,
                           key, value, minimum, maximum);
    }
    *out = value;
    return SH_OK;
}

static sh_status nexmark_read_config(sh_ctx *ctx, nexmark_config *c) {
    int64_t events_num, seed = 42;
    if (option_integer(ctx, "events.num", 0, 0, INT64_MAX, &events_num) != SH_OK ||
        option_integer(ctx, "first-event.rate", 10000, 1, NEXMARK_RATE_MAX, &c->rate) != SH_OK ||
        option_integer(ctx, "person.proportion", 1, 0, NEXMARK_PROPORTION_MAX, &c->person_proportion) != SH_OK ||
        option_integer(ctx, "auction.proportion", 3, 0, NEXMARK_PROPORTION_MAX, &c->auction_proportion) != SH_OK ||
        option_integer(ctx, "bid.proportion", 46, 0, NEXMARK_PROPORTION_MAX, &c->bid_proportion) != SH_OK ||
        option_integer(ctx, "person.avg-size", 200, 0, NEXMARK_AVG_SIZE_MAX, &c->person_avg_size) != SH_OK ||
        option_integer(ctx, "auction.avg-size", 500, 0, NEXMARK_AVG_SIZE_MAX, &c->auction_avg_size) != SH_OK ||
        option_integer(ctx, "bid.avg-size", 100, 0, NEXMARK_AVG_SIZE_MAX, &c->bid_avg_size) != SH_OK ||
        option_integer(ctx, "auction.hot-ratio.sellers", 4, 1, NEXMARK_HOT_RATIO_MAX, &c->hot_sellers_ratio) != SH_OK ||
        option_integer(ctx, "bid.hot-ratio.auctions", 2, 1, NEXMARK_HOT_RATIO_MAX, &c->hot_auction_ratio) != SH_OK ||
        option_integer(ctx, "bid.hot-ratio.bidders", 4, 1, NEXMARK_HOT_RATIO_MAX, &c->hot_bidders_ratio) != SH_OK ||
        option_integer(ctx, "base-time", NEXMARK_BASE_TIME_DEFAULT, 0, NEXMARK_BASE_TIME_MAX, &c->base_time) != SH_OK) {
        return SH_ERROR;
    }
    sh_status status = host->config_int64(ctx, "seed", &seed);
    if (status != SH_OK && status != SH_NOT_FOUND) return plugin_config_failure(host, ctx, "nexmark", "seed", "an integer", status);
    int64_t next_rate = 0;
    status = host->config_int64(ctx, "next-event.rate", &next_rate);
    if (status != SH_NOT_FOUND) {
        if (option_integer(ctx, "next-event.rate", 0, 1, NEXMARK_RATE_MAX, &next_rate) != SH_OK) return SH_ERROR;
        if (next_rate != c->rate) {
            return plugin_fail(host, ctx,
                               "nexmark: option 'next-event.rate' is %" PRId64 " but 'first-event.rate' is %" PRId64
                               "; this generator has one rate (nexmark/nexmark never reads the second either): "
                               "give both the same value or leave next-event.rate out",
                               next_rate, c->rate);
        }
    }
    c->total_proportion = c->person_proportion + c->auction_proportion + c->bid_proportion;
    if (c->total_proportion == 0) {
        return plugin_fail(host, ctx,
                           "nexmark: person.proportion, auction.proportion and bid.proportion are all 0; "
                           "at least one must be positive");
    }
    c->events_num = (uint64_t)events_num;
    c->seed = (uint64_t)seed;
    /* The events whose dateTime is in the year 9999 or before: an
     * unbounded generator ends there. */
    unsigned __int128 within = ((unsigned __int128)(NEXMARK_BASE_TIME_MAX - c->base_time + 1) * (uint64_t)c->rate + 999) / 1000;
    uint64_t limit = within > INT64_MAX ? INT64_MAX : (uint64_t)within;
    if (c->events_num > limit) {
        return plugin_fail(host, ctx,
                           "nexmark: %" PRIu64 " events at first-event.rate %" PRId64 " from base-time %" PRId64
                           " end after the year 9999; lower events.num or raise the rate",
                           c->events_num, c->rate, c->base_time);
    }
    c->events_end = c->events_num != 0 ? c->events_num : limit;
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* JSON lines                                                               */
/* ------------------------------------------------------------------------ */

static char *put_json_string(char *p, nexmark_text text) {
    static const char hex[] = "0123456789abcdef";
    *p++ = '"';
    for (uint32_t i = 0; i < text.length; i++) {
        unsigned char c = (unsigned char)text.data[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c < 0x20) {
            p = PLUGIN_PUT_LITERAL(p, "\\u00");
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = '"';
    return p;
}

static char *put_two(char *p, unsigned value) {
    p[0] = plugin_digit_pairs[value * 2];
    p[1] = plugin_digit_pairs[value * 2 + 1];
    return p + 2;
}

/* "YYYY-MM-DD HH:MM:SS.mmm" (UTC) of ms >= 0, quoted: Flink's SQL timestamp
 * text, which its json format reads for TIMESTAMP(3). */
static char *put_json_time(char *p, int64_t ms) {
    int64_t days = ms / 86400000;
    int64_t in_day = ms % 86400000;
    /* Civil date of a day count (Howard Hinnant's days_from_civil, inverted). */
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t year = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    unsigned day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    if (month <= 2) year++;
    *p++ = '"';
    if (year > 9999) {
        p = plugin_put_u64(p, (uint64_t)year); /* an auction's expires near the end of time */
    } else {
        p = put_two(p, (unsigned)(year / 100));
        p = put_two(p, (unsigned)(year % 100));
    }
    *p++ = '-';
    p = put_two(p, month);
    *p++ = '-';
    p = put_two(p, day);
    *p++ = ' ';
    p = put_two(p, (unsigned)(in_day / 3600000));
    *p++ = ':';
    p = put_two(p, (unsigned)(in_day / 60000 % 60));
    *p++ = ':';
    p = put_two(p, (unsigned)(in_day / 1000 % 60));
    *p++ = '.';
    unsigned millis = (unsigned)(in_day % 1000);
    *p++ = (char)('0' + millis / 100);
    p = put_two(p, millis % 100);
    *p++ = '"';
    return p;
}

/* The most bytes event e's JSON line takes. */
static size_t json_size_bound(const nexmark_event *e) {
    size_t text = 0;
    switch (e->kind) {
    case NEXMARK_PERSON:
        text = e->person.name.length + e->person.email_address.length + e->person.credit_card.length +
               e->person.city.length + e->person.state.length + e->person.extra.length;
        break;
    case NEXMARK_AUCTION:
        text = e->auction.item_name.length + e->auction.description.length + e->auction.extra.length;
        break;
    case NEXMARK_BID:
        text = e->bid.channel.length + e->bid.url.length + e->bid.extra.length;
        break;
    }
    return NEXMARK_JSON_FIXED_MAX + 6 * text; /* \u00XX at worst */
}

/* Event e as its JSON line (without the line feed) at p; the end. */
static char *put_json_event(char *p, const nexmark_event *e) {
    p = PLUGIN_PUT_LITERAL(p, "{\"event_type\":");
    *p++ = (char)('0' + e->kind);
    switch (e->kind) {
    case NEXMARK_PERSON:
        p = PLUGIN_PUT_LITERAL(p, ",\"person\":{\"id\":");
        p = plugin_put_i64(p, e->person.id);
        p = PLUGIN_PUT_LITERAL(p, ",\"name\":");
        p = put_json_string(p, e->person.name);
        p = PLUGIN_PUT_LITERAL(p, ",\"emailAddress\":");
        p = put_json_string(p, e->person.email_address);
        p = PLUGIN_PUT_LITERAL(p, ",\"creditCard\":");
        p = put_json_string(p, e->person.credit_card);
        p = PLUGIN_PUT_LITERAL(p, ",\"city\":");
        p = put_json_string(p, e->person.city);
        p = PLUGIN_PUT_LITERAL(p, ",\"state\":");
        p = put_json_string(p, e->person.state);
        p = PLUGIN_PUT_LITERAL(p, ",\"dateTime\":");
        p = put_json_time(p, e->date_time);
        p = PLUGIN_PUT_LITERAL(p, ",\"extra\":");
        p = put_json_string(p, e->person.extra);
        p = PLUGIN_PUT_LITERAL(p, "},\"auction\":null,\"bid\":null}");
        break;
    case NEXMARK_AUCTION:
        p = PLUGIN_PUT_LITERAL(p, ",\"person\":null,\"auction\":{\"id\":");
        p = plugin_put_i64(p, e->auction.id);
        p = PLUGIN_PUT_LITERAL(p, ",\"itemName\":");
        p = put_json_string(p, e->auction.item_name);
        p = PLUGIN_PUT_LITERAL(p, ",\"description\":");
        p = put_json_string(p, e->auction.description);
        p = PLUGIN_PUT_LITERAL(p, ",\"initialBid\":");
        p = plugin_put_i64(p, e->auction.initial_bid);
        p = PLUGIN_PUT_LITERAL(p, ",\"reserve\":");
        p = plugin_put_i64(p, e->auction.reserve);
        p = PLUGIN_PUT_LITERAL(p, ",\"dateTime\":");
        p = put_json_time(p, e->date_time);
        p = PLUGIN_PUT_LITERAL(p, ",\"expires\":");
        p = put_json_time(p, e->auction.expires);
        p = PLUGIN_PUT_LITERAL(p, ",\"seller\":");
        p = plugin_put_i64(p, e->auction.seller);
        p = PLUGIN_PUT_LITERAL(p, ",\"category\":");
        p = plugin_put_i64(p, e->auction.category);
        p = PLUGIN_PUT_LITERAL(p, ",\"extra\":");
        p = put_json_string(p, e->auction.extra);
        p = PLUGIN_PUT_LITERAL(p, "},\"bid\":null}");
        break;
    case NEXMARK_BID:
        p = PLUGIN_PUT_LITERAL(p, ",\"person\":null,\"auction\":null,\"bid\":{\"auction\":");
        p = plugin_put_i64(p, e->bid.auction);
        p = PLUGIN_PUT_LITERAL(p, ",\"bidder\":");
        p = plugin_put_i64(p, e->bid.bidder);
        p = PLUGIN_PUT_LITERAL(p, ",\"price\":");
        p = plugin_put_i64(p, e->bid.price);
        p = PLUGIN_PUT_LITERAL(p, ",\"channel\":");
        p = put_json_string(p, e->bid.channel);
        p = PLUGIN_PUT_LITERAL(p, ",\"url\":");
        p = put_json_string(p, e->bid.url);
        p = PLUGIN_PUT_LITERAL(p, ",\"dateTime\":");
        p = put_json_time(p, e->date_time);
        p = PLUGIN_PUT_LITERAL(p, ",\"extra\":");
        p = put_json_string(p, e->bid.extra);
        p = PLUGIN_PUT_LITERAL(p, "}}");
        break;
    }
    return p;
}

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

static void nexmark_destroy(void *self) {
    nexmark *g = self;
    if (g == NULL) return;
    nexmark_tables_free(&g->tables);
    plugin_strided_free(&g->position);
    free(g->timestamps);
    free(g->value_offsets);
    free(g->values);
    free(g);
}

static sh_status nexmark_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                                size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    nexmark *g = calloc(1, sizeof *g);
    if (g == NULL) return plugin_fail(host, ctx, "nexmark: out of memory creating the instance");
    plugin_strided_init(&g->position);
    if (nexmark_read_config(ctx, &g->config) != SH_OK) {
        nexmark_destroy(g);
        return SH_ERROR;
    }
    g->timestamps = malloc(sizeof(int64_t) * NEXMARK_POLL_MAX);
    g->value_offsets = malloc(sizeof(uint32_t) * (NEXMARK_POLL_MAX + 1));
    if (g->timestamps == NULL || g->value_offsets == NULL || !nexmark_tables_build(&g->tables, g->config.seed)) {
        nexmark_destroy(g);
        return plugin_fail(host, ctx, "nexmark: out of memory for its tables (about 2 MiB)");
    }
    *out = g;
    return SH_OK;
}

static sh_status nexmark_open(void *self, sh_ctx *ctx, const sh_task_info *info) {
    nexmark *g = self;
    if (plugin_strided_open(host, ctx, "nexmark", &g->position, info->instance, info->parallelism) != SH_OK) {
        return SH_ERROR;
    }
    g->emit_columns = info->output_format == SH_FORMAT_COLUMNS;
    if (host->counter_register(ctx, "events", &g->events_counter) != SH_OK) {
        return plugin_fail(host, ctx, "nexmark: cannot register counter 'events': %s", host->last_error(ctx));
    }
    g->has_events_counter = 1;
    return SH_OK;
}

/* Operator state (state_version 1): the strided position (plugin_support.h)
 * under the magic "NXM1". */
#define NEXMARK_STATE_MAGIC 0x314d584eu

static sh_status nexmark_snapshot(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    (void)checkpoint_id;
    nexmark *g = self;
    return plugin_strided_snapshot(host, ctx, "nexmark", NEXMARK_STATE_MAGIC, &g->position, out);
}

static sh_status nexmark_restore(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data, size_t len) {
    nexmark *g = self;
    if (state_version != 1) {
        return plugin_fail(host, ctx, "nexmark: cannot read state_version %u (this build writes 1)", state_version);
    }
    return plugin_strided_restore(host, ctx, "nexmark", NEXMARK_STATE_MAGIC, &g->position, data, len);
}

static sh_status nexmark_output_schema(const sh_component *component, const char *config_json, size_t config_len,
                                       struct ArrowSchema *out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    return nexmark_arrow_schema(out) ? SH_OK : SH_ERROR;
}

/* The next event number this instance makes, or 0 when it is done. */
static int nexmark_next(nexmark *g, uint64_t *n) {
    plugin_strided_skip_done(&g->position);
    if (g->position.next >= g->config.events_end) return 0;
    *n = g->position.next;
    g->position.next += g->position.stride;
    return 1;
}

static sh_status nexmark_poll_columns(nexmark *g, sh_ctx *ctx, uint32_t todo, uint32_t *made) {
    nexmark_columns *columns = nexmark_columns_begin(todo);
    if (columns == NULL) return plugin_fail(host, ctx, "nexmark: out of memory for a batch of %u events", todo);
    uint64_t n;
    while (*made < todo && nexmark_next(g, &n)) {
        nexmark_generate(&g->config, &g->tables, n, &g->event);
        if (!nexmark_columns_append(columns, &g->event)) {
            nexmark_columns_discard(columns);
            return plugin_fail(host, ctx, "nexmark: out of memory for a batch of %u events", todo);
        }
        g->timestamps[*made] = g->event.date_time;
        (*made)++;
    }
    if (*made == 0) {
        nexmark_columns_discard(columns);
        return SH_OK;
    }
    struct ArrowArray array;
    nexmark_columns_finish(columns, &array);
    struct ArrowSchema schema;
    if (!nexmark_arrow_schema(&schema)) {
        array.release(&array);
        return plugin_fail(host, ctx, "nexmark: out of memory for a schema");
    }
    sh_batch rows = {.struct_size = sizeof(sh_batch), .count = *made, .timestamps = g->timestamps};
    /* The host takes both structs whatever it answers. */
    sh_status status = host->emit_columns(ctx, &schema, &array, &rows);
    if (status != SH_OK) {
        return plugin_fail(host, ctx, "nexmark: emit_columns of %u events failed (status %d): %s", *made, (int)status,
                           host->last_error(ctx));
    }
    return SH_OK;
}

static sh_status nexmark_poll_json(nexmark *g, sh_ctx *ctx, uint32_t todo, uint32_t *made) {
    size_t used = 0;
    uint64_t n;
    g->value_offsets[0] = 0;
    while (*made < todo && nexmark_next(g, &n)) {
        nexmark_generate(&g->config, &g->tables, n, &g->event);
        if (!plugin_reserve_bytes(&g->values, &g->values_capacity, used + json_size_bound(&g->event), 64 * 1024)) {
            return plugin_fail(host, ctx, "nexmark: out of memory for a batch of %u events", todo);
        }
        char *start = (char *)g->values + used;
        used += (size_t)(put_json_event(start, &g->event) - start);
        g->timestamps[*made] = g->event.date_time;
        g->value_offsets[++(*made)] = (uint32_t)used;
    }
    if (*made == 0) return SH_OK;
    sh_batch batch = {.struct_size = sizeof(sh_batch), .count = *made, .timestamps = g->timestamps,
                      .value_offsets = g->value_offsets, .values = g->values};
    sh_status status = host->emit_batch(ctx, &batch);
    if (status != SH_OK) {
        return plugin_fail(host, ctx, "nexmark: emit_batch of %u events failed (status %d): %s", *made, (int)status,
                           host->last_error(ctx));
    }
    return SH_OK;
}

static sh_status nexmark_poll(void *self, sh_ctx *ctx, uint32_t max) {
    nexmark *g = self;
    uint32_t todo = max < NEXMARK_POLL_MAX ? max : NEXMARK_POLL_MAX;
    uint32_t made = 0;
    sh_status status = todo == 0 ? SH_OK
                       : g->emit_columns ? nexmark_poll_columns(g, ctx, todo, &made)
                                         : nexmark_poll_json(g, ctx, todo, &made);
    if (status != SH_OK) return status;
    if (g->has_events_counter && made > 0) host->counter_add(ctx, g->events_counter, (int64_t)made);
    /* SH_END right away saves the host one more poll. */
    plugin_strided_skip_done(&g->position);
    if (g->position.next >= g->config.events_end) return SH_END;
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable nexmark_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = nexmark_create,
    .destroy = nexmark_destroy,
    .open = nexmark_open,
    .poll = nexmark_poll,
    .snapshot = nexmark_snapshot,
    .restore = nexmark_restore,
    .output_schema = nexmark_output_schema,
};

static const sh_component nexmark_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SOURCE,
    .name = "nexmark",
    .description = "Nexmark's person, auction and bid events as nexmark/nexmark generates them, seeded",
    .config_schema = nexmark_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &nexmark_vtable,
    .output_formats = SH_FORMAT_BYTES | SH_FORMAT_COLUMNS,
};

static const sh_component *const nexmark_components[] = {&nexmark_component};

SH_PLUGIN_ENTRY(host, "nexmark", STREAMHOST_FIRST_PARTY_VERSION, nexmark_components)
