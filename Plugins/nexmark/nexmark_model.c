/*
 * nexmark_model.c — event n of the Nexmark generator (see nexmark.c for
 * the rules, where they come from, and where this one differs).
 */
#include "nexmark_model.h"

#include "plugin_support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Draws                                                                    */
/* ------------------------------------------------------------------------ */

/* A splitmix64 stream: one per event (seeded by the config's seed and the
 * event number) and one per table. */
typedef struct nexmark_rng {
    uint64_t state;
} nexmark_rng;

/* Stream seeds of the tables, apart from every event's. */
#define NEXMARK_POOL_STREAM 0x65787472615f706fu    /* "extra_po" */
#define NEXMARK_CHANNEL_STREAM 0x6368616e6e656c73u /* "channels" */

static inline uint64_t rng_next(nexmark_rng *rng) {
    rng->state += PLUGIN_SPLITMIX64_GAMMA;
    return plugin_splitmix64_mix(rng->state);
}

/* Uniform in [0, bound), bound >= 1: Lemire's multiply-shift with
 * rejection, so no value is favoured (as Java's nextInt(bound)). */
static inline uint64_t rng_below(nexmark_rng *rng, uint64_t bound) {
    unsigned __int128 product = (unsigned __int128)rng_next(rng) * bound;
    uint64_t low = (uint64_t)product;
    if (low < bound) {
        uint64_t threshold = (0 - bound) % bound;
        while (low < threshold) {
            product = (unsigned __int128)rng_next(rng) * bound;
            low = (uint64_t)product;
        }
    }
    return (uint64_t)(product >> 64);
}

/* A signed 32-bit value, every one equally likely (Java's nextInt()). */
static inline int32_t rng_int32(nexmark_rng *rng) {
    return (int32_t)(uint32_t)(rng_next(rng) >> 32);
}

/* Uniform in [0, 1) with 53 bits (Java's nextDouble()). */
static inline double rng_double(nexmark_rng *rng) {
    return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

/* ------------------------------------------------------------------------ */
/* Text                                                                     */
/* ------------------------------------------------------------------------ */

/* StringsGenerator.nextString: 3 + [0, maxLength - 3) characters, each
 * `special` with probability 1/13, else a lower-case letter; then trimmed
 * of spaces at both ends (Java's trim). Writes at p; the text. */
static nexmark_text next_string(nexmark_rng *rng, int max_length, char special, char *p) {
    uint64_t length = NEXMARK_MIN_STRING_LENGTH + rng_below(rng, (uint64_t)(max_length - NEXMARK_MIN_STRING_LENGTH));
    for (uint64_t i = 0; i < length; i++) {
        p[i] = rng_below(rng, 13) == 0 ? special : (char)('a' + rng_below(rng, 26));
    }
    uint64_t start = 0, end = length;
    while (start < end && p[start] == ' ') start++;
    while (end > start && p[end - 1] == ' ') end--;
    return (nexmark_text){p + start, (uint32_t)(end - start)};
}

/* StringsGenerator.nextExtra: text such that current_size plus its length
 * is average_size on average (uniform within ±20% of the difference),
 * empty when current_size is already larger; cut from the pool at a drawn
 * offset (nextExactString). */
static nexmark_text next_extra(nexmark_rng *rng, const nexmark_tables *tables, int64_t current_size,
                               int64_t average_size) {
    if (current_size > average_size) return (nexmark_text){tables->extra_pool, 0};
    int64_t wanted = average_size - current_size;
    int64_t delta = (int64_t)floor((double)wanted * 0.2 + 0.5); /* Math.round */
    int64_t size = wanted - delta + (delta == 0 ? 0 : (int64_t)rng_below(rng, (uint64_t)(2 * delta)));
    uint64_t offset = rng_below(rng, (uint64_t)(NEXMARK_EXTRA_POOL_SIZE - size));
    return (nexmark_text){tables->extra_pool + offset, (uint32_t)size};
}

static const char *const nexmark_us_states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const nexmark_us_cities[] = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland",
                                                "Bend",    "Redmond",     "Seattle",       "Kent",  "Cheyenne"};
static const char *const nexmark_first_names[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                                  "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
static const char *const nexmark_last_names[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                                 "Walton", "Smith",  "Jones",   "Noris"};
static const char *const nexmark_hot_channels[NEXMARK_HOT_CHANNEL_COUNT] = {"Google", "Facebook", "Baidu", "Apple"};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

static nexmark_text pick(nexmark_rng *rng, const char *const *choices, size_t count) {
    const char *choice = choices[rng_below(rng, count)];
    return (nexmark_text){choice, (uint32_t)strlen(choice)};
}

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */
/* ------------------------------------------------------------------------ */

/* The longest URL: the base (24), three path parts of at most 4, three
 * slashes, "item.htm?query=1" (16), "&channel_id=" (12) and 11 digits. */
#define NEXMARK_URL_SIZE_MAX 80

/* BidGenerator.getBaseUrl, at p; the end of what it wrote. */
static char *put_base_url(nexmark_rng *rng, char *p) {
    p = PLUGIN_PUT_LITERAL(p, "https://www.nexmark.com/");
    for (int part = 0; part < 3; part++) {
        nexmark_text text = next_string(rng, 5, '_', p);
        memmove(p, text.data, text.length);
        p += text.length;
        *p++ = '/';
    }
    return PLUGIN_PUT_LITERAL(p, "item.htm?query=1");
}

int nexmark_tables_build(nexmark_tables *tables, uint64_t seed) {
    memset(tables, 0, sizeof *tables);
    tables->extra_pool = malloc(NEXMARK_EXTRA_POOL_SIZE);
    tables->urls = malloc((size_t)(NEXMARK_HOT_CHANNEL_COUNT + NEXMARK_CHANNELS_NUMBER) * NEXMARK_URL_SIZE_MAX);
    if (tables->extra_pool == NULL || tables->urls == NULL) {
        nexmark_tables_free(tables);
        return 0;
    }
    /* nextExactString without a pool: six characters per 32-bit draw, each
     * 'a' + rnd % 26 with Java's signed remainder, so the text holds 'H'
     * to 'z' (51 characters, 'a' twice as likely as the others) — the
     * original's extras look so too. */
    nexmark_rng pool = {plugin_splitmix64_mix(seed ^ NEXMARK_POOL_STREAM)};
    int32_t rnd = 0;
    int left = 0;
    for (size_t i = 0; i < NEXMARK_EXTRA_POOL_SIZE; i++) {
        if (left == 0) {
            rnd = rng_int32(&pool);
            left = 6;
        }
        tables->extra_pool[i] = (char)('a' + rnd % 26);
        rnd /= 26;
        left--;
    }
    /* The hot channels' URLs, then "channel-i"'s: nine in ten of those
     * carry &channel_id=abs(Integer.reverse(i)), with Java's int
     * arithmetic (so abs(INT_MIN), for i = 1, stays -2147483648). */
    nexmark_rng channels = {plugin_splitmix64_mix(seed ^ NEXMARK_CHANNEL_STREAM)};
    char *p = tables->urls;
    for (int i = 0; i < NEXMARK_HOT_CHANNEL_COUNT; i++) {
        tables->hot_url_offsets[i] = (uint32_t)(p - tables->urls);
        p = put_base_url(&channels, p);
    }
    tables->hot_url_offsets[NEXMARK_HOT_CHANNEL_COUNT] = (uint32_t)(p - tables->urls);
    for (uint32_t i = 0; i < NEXMARK_CHANNELS_NUMBER; i++) {
        tables->channel_url_offsets[i] = (uint32_t)(p - tables->urls);
        p = put_base_url(&channels, p);
        if (rng_below(&channels, 10) > 0) {
            uint32_t reversed = 0;
            for (int bit = 0; bit < 32; bit++) reversed |= ((i >> bit) & 1u) << (31 - bit);
            int64_t id = (int32_t)reversed;
            if (id < 0 && id != INT32_MIN) id = -id;
            p = PLUGIN_PUT_LITERAL(p, "&channel_id=");
            p = plugin_put_i64(p, id);
        }
    }
    tables->channel_url_offsets[NEXMARK_CHANNELS_NUMBER] = (uint32_t)(p - tables->urls);
    return 1;
}

void nexmark_tables_free(nexmark_tables *tables) {
    free(tables->extra_pool);
    free(tables->urls);
    tables->extra_pool = NULL;
    tables->urls = NULL;
}

/* ------------------------------------------------------------------------ */
/* Ids and times (signed, with Java's truncating division)                  */
/* ------------------------------------------------------------------------ */

int64_t nexmark_event_time(const nexmark_config *config, uint64_t n) {
    /* GeneratorConfig.timestampForEvent with one generator: base +
     * floor(n * (1e6 / rate) µs / 1000), computed exactly. */
    unsigned __int128 ms = (unsigned __int128)n * 1000u / (uint64_t)config->rate;
    return config->base_time + (int64_t)ms;
}

/* PersonGenerator.lastBase0PersonId: the newest person of event n. */
static int64_t last_base0_person_id(const nexmark_config *c, int64_t n) {
    int64_t epoch = n / c->total_proportion;
    int64_t offset = n % c->total_proportion;
    if (offset >= c->person_proportion) offset = c->person_proportion - 1;
    return epoch * c->person_proportion + offset;
}

/* AuctionGenerator.lastBase0AuctionId: the newest auction of event n. */
static int64_t last_base0_auction_id(const nexmark_config *c, int64_t n) {
    int64_t epoch = n / c->total_proportion;
    int64_t offset = n % c->total_proportion;
    if (offset < c->person_proportion) {
        epoch--;
        offset = c->auction_proportion - 1;
    } else if (offset >= c->person_proportion + c->auction_proportion) {
        offset = c->auction_proportion - 1;
    } else {
        offset -= c->person_proportion;
    }
    return epoch * c->auction_proportion + offset;
}

/* PersonGenerator.nextBase0PersonId: one of the last 1000 people or the
 * 10 not created yet. */
static int64_t next_base0_person_id(const nexmark_config *c, int64_t n, nexmark_rng *rng) {
    int64_t people = last_base0_person_id(c, n) + 1;
    int64_t active = people < NEXMARK_NUM_ACTIVE_PEOPLE ? people : NEXMARK_NUM_ACTIVE_PEOPLE;
    return people - active + (int64_t)rng_below(rng, (uint64_t)(active + NEXMARK_PERSON_ID_LEAD));
}

/* AuctionGenerator.nextBase0AuctionId: one of the last 100 auctions (those
 * likely in flight) or the 10 not created yet. */
static int64_t next_base0_auction_id(const nexmark_config *c, int64_t n, nexmark_rng *rng) {
    int64_t newest = last_base0_auction_id(c, n);
    int64_t oldest = newest - NEXMARK_NUM_IN_FLIGHT_AUCTIONS > 0 ? newest - NEXMARK_NUM_IN_FLIGHT_AUCTIONS : 0;
    return oldest + (int64_t)rng_below(rng, (uint64_t)(newest - oldest + 1 + NEXMARK_AUCTION_ID_LEAD));
}

/* PriceGenerator.nextPrice: cents, log-uniform from 1.00 to 1,000,000.00. */
static int64_t next_price(nexmark_rng *rng) {
    return (int64_t)floor(pow(10.0, rng_double(rng) * 6.0) * 100.0 + 0.5);
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */
/* ------------------------------------------------------------------------ */

static void next_person(const nexmark_config *c, const nexmark_tables *t, int64_t n, nexmark_rng *rng,
                        nexmark_event *e) {
    char *p = e->scratch;
    e->person.id = last_base0_person_id(c, n) + NEXMARK_FIRST_PERSON_ID;
    /* "First Last" */
    nexmark_text first = pick(rng, nexmark_first_names, COUNT_OF(nexmark_first_names));
    nexmark_text last = pick(rng, nexmark_last_names, COUNT_OF(nexmark_last_names));
    e->person.name.data = p;
    memcpy(p, first.data, first.length);
    p += first.length;
    *p++ = ' ';
    memcpy(p, last.data, last.length);
    p += last.length;
    e->person.name.length = (uint32_t)(p - e->person.name.data);
    /* nextString(7) "@" nextString(5) ".com" */
    char *email = p;
    nexmark_text user = next_string(rng, 7, ' ', p);
    memmove(p, user.data, user.length);
    p += user.length;
    *p++ = '@';
    nexmark_text domain = next_string(rng, 5, ' ', p);
    memmove(p, domain.data, domain.length);
    p += domain.length;
    p = PLUGIN_PUT_LITERAL(p, ".com");
    e->person.email_address = (nexmark_text){email, (uint32_t)(p - email)};
    /* Four groups of four digits. */
    char *card = p;
    for (int group = 0; group < 4; group++) {
        if (group > 0) *p++ = ' ';
        uint64_t digits = rng_below(rng, 10000);
        p[0] = (char)('0' + digits / 1000);
        p[1] = (char)('0' + digits / 100 % 10);
        p[2] = (char)('0' + digits / 10 % 10);
        p[3] = (char)('0' + digits % 10);
        p += 4;
    }
    e->person.credit_card = (nexmark_text){card, (uint32_t)(p - card)};
    e->person.city = pick(rng, nexmark_us_cities, COUNT_OF(nexmark_us_cities));
    e->person.state = pick(rng, nexmark_us_states, COUNT_OF(nexmark_us_states));
    int64_t size = 8 + e->person.name.length + e->person.email_address.length + e->person.credit_card.length +
                   e->person.city.length + e->person.state.length;
    e->person.extra = next_extra(rng, t, size, c->person_avg_size);
}

static void next_auction(const nexmark_config *c, const nexmark_tables *t, int64_t n, nexmark_rng *rng,
                         nexmark_event *e) {
    e->auction.id = last_base0_auction_id(c, n) + NEXMARK_FIRST_AUCTION_ID;
    /* A hot seller (the first of the newest 100 people) with probability
     * 1 - 1/hot_sellers_ratio. */
    int64_t seller;
    if (rng_below(rng, (uint64_t)c->hot_sellers_ratio) > 0) {
        seller = last_base0_person_id(c, n) / NEXMARK_HOT_SELLER_BATCH * NEXMARK_HOT_SELLER_BATCH;
    } else {
        seller = next_base0_person_id(c, n, rng);
    }
    e->auction.seller = seller + NEXMARK_FIRST_PERSON_ID;
    e->auction.category = NEXMARK_FIRST_CATEGORY_ID + (int64_t)rng_below(rng, NEXMARK_NUM_CATEGORIES);
    e->auction.initial_bid = next_price(rng);
    /* An auction lasts 1 ms to twice the time until the auction
     * NUM_IN_FLIGHT_AUCTIONS ahead is due (nextAuctionLengthMs). */
    int64_t events_ahead = NEXMARK_NUM_IN_FLIGHT_AUCTIONS * c->total_proportion / c->auction_proportion;
    int64_t horizon = nexmark_event_time(c, (uint64_t)(n + events_ahead)) - e->date_time;
    e->auction.expires = e->date_time + 1 + (int64_t)rng_below(rng, (uint64_t)(horizon * 2 > 1 ? horizon * 2 : 1));
    char *p = e->scratch;
    e->auction.item_name = next_string(rng, 20, ' ', p);
    p += 20;
    e->auction.description = next_string(rng, 100, ' ', p);
    e->auction.reserve = e->auction.initial_bid + next_price(rng);
    int64_t size = 8 + e->auction.item_name.length + e->auction.description.length + 8 + 8 + 8 + 8 + 8;
    e->auction.extra = next_extra(rng, t, size, c->auction_avg_size);
}

static void next_bid(const nexmark_config *c, const nexmark_tables *t, int64_t n, nexmark_rng *rng,
                     nexmark_event *e) {
    /* A hot auction (the first of the newest 100) with probability
     * 1 - 1/hot_auction_ratio. */
    int64_t auction;
    if (rng_below(rng, (uint64_t)c->hot_auction_ratio) > 0) {
        auction = last_base0_auction_id(c, n) / NEXMARK_HOT_AUCTION_BATCH * NEXMARK_HOT_AUCTION_BATCH;
    } else {
        auction = next_base0_auction_id(c, n, rng);
    }
    e->bid.auction = auction + NEXMARK_FIRST_AUCTION_ID;
    /* A hot bidder (the second of the newest 100 people, so that hot
     * bidders and sellers differ) with probability 1 - 1/hot_bidders_ratio. */
    int64_t bidder;
    if (rng_below(rng, (uint64_t)c->hot_bidders_ratio) > 0) {
        bidder = last_base0_person_id(c, n) / NEXMARK_HOT_BIDDER_BATCH * NEXMARK_HOT_BIDDER_BATCH + 1;
    } else {
        bidder = next_base0_person_id(c, n, rng);
    }
    /* nexmark/nexmark's BidGenerator adds FIRST_PERSON_ID twice: bidder
     * ids are person ids + 1000. Kept, so the ids are the original's. */
    e->bid.bidder = bidder + 2 * NEXMARK_FIRST_PERSON_ID;
    e->bid.price = next_price(rng);
    if (rng_below(rng, NEXMARK_HOT_CHANNELS_RATIO) > 0) {
        uint64_t i = rng_below(rng, NEXMARK_HOT_CHANNEL_COUNT);
        const char *channel = nexmark_hot_channels[i];
        e->bid.channel = (nexmark_text){channel, (uint32_t)strlen(channel)};
        e->bid.url = (nexmark_text){t->urls + t->hot_url_offsets[i], t->hot_url_offsets[i + 1] - t->hot_url_offsets[i]};
    } else {
        uint64_t i = rng_below(rng, NEXMARK_CHANNELS_NUMBER);
        char *p = PLUGIN_PUT_LITERAL(e->scratch, "channel-");
        p = plugin_put_u64(p, i);
        e->bid.channel = (nexmark_text){e->scratch, (uint32_t)(p - e->scratch)};
        e->bid.url = (nexmark_text){t->urls + t->channel_url_offsets[i],
                                    t->channel_url_offsets[i + 1] - t->channel_url_offsets[i]};
    }
    e->bid.extra = next_extra(rng, t, 8 + 8 + 8 + 8, c->bid_avg_size);
}

void nexmark_generate(const nexmark_config *config, const nexmark_tables *tables, uint64_t n, nexmark_event *out) {
    /* Event n's own stream: its draws depend on nothing but the seed and n,
     * so any instance at any parallelism makes the same event n. */
    nexmark_rng rng = {plugin_splitmix64_output(config->seed, n + 1)};
    int64_t number = (int64_t)n;
    int64_t rem = number % config->total_proportion;
    out->date_time = nexmark_event_time(config, n);
    if (rem < config->person_proportion) {
        out->kind = NEXMARK_PERSON;
        next_person(config, tables, number, &rng, out);
    } else if (rem < config->person_proportion + config->auction_proportion) {
        out->kind = NEXMARK_AUCTION;
        next_auction(config, tables, number, &rng, out);
    } else {
        out->kind = NEXMARK_BID;
        next_bid(config, tables, number, &rng, out);
    }
}
