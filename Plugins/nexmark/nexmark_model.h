/*
 * nexmark_model.h — the Nexmark event generator as a pure function:
 * event n of a config (person, auction or bid) from the config, the
 * seeded tables and n alone. See nexmark.c for the rules and their source.
 */
#ifndef STREAMHOST_NEXMARK_MODEL_H
#define STREAMHOST_NEXMARK_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* The constants of nexmark/nexmark's generator (GeneratorConfig,
 * PersonGenerator, AuctionGenerator, BidGenerator, StringsGenerator,
 * NexmarkConfiguration defaults that its table source does not expose). */
#define NEXMARK_FIRST_PERSON_ID 1000
#define NEXMARK_FIRST_AUCTION_ID 1000
#define NEXMARK_FIRST_CATEGORY_ID 10
#define NEXMARK_NUM_CATEGORIES 5
#define NEXMARK_PERSON_ID_LEAD 10
#define NEXMARK_AUCTION_ID_LEAD 10
#define NEXMARK_HOT_SELLER_BATCH 100  /* HOT_SELLER_RATIO: hot sellers are every 100th person */
#define NEXMARK_HOT_AUCTION_BATCH 100 /* HOT_AUCTION_RATIO */
#define NEXMARK_HOT_BIDDER_BATCH 100  /* HOT_BIDDER_RATIO */
#define NEXMARK_NUM_IN_FLIGHT_AUCTIONS 100
#define NEXMARK_NUM_ACTIVE_PEOPLE 1000
#define NEXMARK_HOT_CHANNELS_RATIO 2
#define NEXMARK_HOT_CHANNEL_COUNT 4
#define NEXMARK_CHANNELS_NUMBER 10000
#define NEXMARK_MIN_STRING_LENGTH 3
/* The text extras are cut from (StringsGenerator's REUSABLE_EXTRA_STRING). */
#define NEXMARK_EXTRA_POOL_SIZE (1024 * 1024)
/* The largest avg-size accepted: an extra is at most 1.2 times it, and
 * must fit half the pool, as in the original. */
#define NEXMARK_AVG_SIZE_MAX 65536

typedef enum nexmark_kind { NEXMARK_PERSON = 0, NEXMARK_AUCTION = 1, NEXMARK_BID = 2 } nexmark_kind;

typedef struct nexmark_config {
    uint64_t events_num; /* 0: unbounded */
    uint64_t events_end; /* events_num, or where dateTime passes the year 9999 */
    int64_t rate;        /* first-event.rate: events per second of event time */
    int64_t person_proportion, auction_proportion, bid_proportion, total_proportion;
    int64_t person_avg_size, auction_avg_size, bid_avg_size;
    int64_t hot_auction_ratio, hot_sellers_ratio, hot_bidders_ratio;
    uint64_t seed;
    int64_t base_time; /* ms since the epoch of event 0 */
} nexmark_config;

/* Text built from the seed once per instance: the extras' pool and the
 * bids' channel URLs (the original draws these from an unseeded random
 * when its classes load). */
typedef struct nexmark_tables {
    char *extra_pool; /* NEXMARK_EXTRA_POOL_SIZE bytes */
    char *urls;       /* every URL, back to back */
    uint32_t hot_url_offsets[NEXMARK_HOT_CHANNEL_COUNT + 1];
    uint32_t channel_url_offsets[NEXMARK_CHANNELS_NUMBER + 1]; /* into urls, after the hot ones */
} nexmark_tables;

typedef struct nexmark_text {
    const char *data;
    uint32_t length;
} nexmark_text;

/* Room for an event's own strings (names, e-mail, credit card, item name,
 * description, channel name); extras and URLs point into the tables. */
#define NEXMARK_SCRATCH_SIZE 256

typedef struct nexmark_event {
    nexmark_kind kind;
    int64_t date_time; /* ms since the epoch */
    union {
        struct {
            int64_t id;
            nexmark_text name, email_address, credit_card, city, state, extra;
        } person;
        struct {
            int64_t id, initial_bid, reserve, expires, seller, category;
            nexmark_text item_name, description, extra;
        } auction;
        struct {
            int64_t auction, bidder, price;
            nexmark_text channel, url, extra;
        } bid;
    };
    char scratch[NEXMARK_SCRATCH_SIZE];
} nexmark_event;

/* Builds the tables of config->seed; 0 when out of memory. */
int nexmark_tables_build(nexmark_tables *tables, uint64_t seed);
void nexmark_tables_free(nexmark_tables *tables);

/* The event time of event n (ms since the epoch). */
int64_t nexmark_event_time(const nexmark_config *config, uint64_t n);

/* Event n into *out (its texts point into out->scratch and the tables). */
void nexmark_generate(const nexmark_config *config, const nexmark_tables *tables, uint64_t n, nexmark_event *out);

#endif
