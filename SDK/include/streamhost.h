/*
 * streamhost.h — the streamhost plugin ABI, version 1.3.
 *
 * This header is the whole contract between the streamhost host and its
 * plugins (sources, operators and sinks). What is not declared here is not
 * API. A plugin includes this header, links against nothing of the host and
 * is built with a plain C compiler:
 *
 *     cc -shared -fPIC -O2 -I SDK/include -o libmine.so mine.c
 *
 * Rules (see SDK/README.md for the long form):
 *
 *  1. One entry point. A plugin exports one function, streamhost_plugin_entry,
 *     which receives the host-API table and returns a static descriptor.
 *  2. Versions are checked before anything runs: the host accepts a plugin
 *     whose abi_major equals its own and whose abi_minor is not newer.
 *  3. Host services come through the sh_host_api table, never through
 *     linked symbols.
 *  4. Append-only structs. Every struct that crosses the boundary starts with
 *     struct_size (except sh_record and sh_blob, see "ABI 2.0" at the end).
 *     New members are only ever added at the end, marked "added in 1.N".
 *     A reader treats members past the writer's struct_size as absent.
 *     Optional callbacks may be NULL and have a documented default.
 *     Because of rule 2 a plugin never probes the host's struct_size for a
 *     member this header declares: a host older than the header refuses
 *     the plugin before any callback runs. The host probes the plugin's.
 *     Every enum of this header is 4 bytes (int-sized: its values fit in
 *     int32_t; do not build with -fshort-enums), as SDK/abi/abi_layout.c
 *     asserts; members added after 1.3 use fixed-width integers, never
 *     enums. SDK/abi/layout.tsv lists the asserted offsets and sizes.
 *  5. Opaque handles, explicit ownership. Every pointer parameter says one of:
 *       BORROWED  valid until the call returns (or as long as stated);
 *                 copy it to keep it;
 *       COPIED    the callee copies it before returning, so the caller may
 *                 reuse or free it at once;
 *       OWNED     ownership passes to the receiver, which releases it with
 *                 the named function.
 *     Out-parameters (out, len, next_offset...) are storage of the caller
 *     that the callee writes; what they then point to is marked the same
 *     way. The sh_ctx handle and a component's `self` are not marked at
 *     each use: ctx belongs to the host and is valid until destroy returns,
 *     self belongs to the plugin and is released by destroy.
 *  6. Data crosses the boundary a batch at a time (sh_batch), in columns:
 *     key and value bytes (every ABI), or, from 1.3, typed columns as an
 *     Arrow C Data Interface struct array, for components that declare
 *     SH_FORMAT_COLUMNS (see "Typed columns" below).
 *  7. Every callback returns an sh_status; nothing may unwind across the
 *     boundary (no C++ exceptions, no Swift errors, no longjmp).
 *  8. The host calls one instance from one thread at a time. Host-API calls
 *     that take a ctx are valid only inside a callback of that ctx's
 *     instance, on the thread the host made the callback on, except
 *     wakeup, log and processing_time, which any thread may call at any
 *     time; alloc and free take no ctx and are thread-safe. From 1.3 the
 *     host checks every other call (one thread-local compare): a call
 *     outside the instance's callbacks returns SH_WRONG_THREAD, does
 *     nothing, and fails the job with a message naming the call (set_error,
 *     counter_add and last_error, which return no status, fail the job the
 *     same way). The check is per instance: inside the callback of instance
 *     A, a call with the ctx of instance B is refused too.
 *  9. Keyed state and timers belong to the host. Operator-level state is a
 *     blob written on snapshot and read on restore, tagged with the
 *     component's state_version.
 * 10. Upgrades are explicit: a newer state_version migrates older state
 *     through the component's migrate callback, or refuses.
 * 11. Plugins are never unloaded (RTLD_NODELETE).
 *
 * Two different things are called "log" in 1.x; new names keep them apart:
 *   the message log  the host's diagnostic output: host->log with an
 *                    sh_msg_level (SH_MSG_INFO...);
 *   topics           the durable, partitioned log of records: the log_*
 *                    members with sh_topic_start (SH_TOPIC_START_...) and
 *                    sh_topic_isolation (SH_TOPIC_READ_...), service bit
 *                    SH_SERVICE_TOPICS.
 * The 1.0 names (SH_LOG_INFO, SH_LOG_START_EARLIEST, SH_SERVICE_LOG...)
 * remain as deprecated aliases with the same values.
 *
 * Services that this host version does not implement yet are declared here
 * all the same so that adding them is not a breaking change. Until a host
 * implements one, its functions return SH_UNSUPPORTED and host->last_error()
 * says what is missing; sh_host_api.services tells which are implemented, and
 * `streamhost plugin inspect` prints the same list.
 */
#ifndef STREAMHOST_H
#define STREAMHOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and the entry point                                             */
/* ------------------------------------------------------------------------ */

#define SH_ABI_MAJOR 1
#define SH_ABI_MINOR 3

/* "SHP1" read as a little-endian 32-bit number: the first member of every
 * plugin descriptor. A descriptor without it is refused. */
#define SH_PLUGIN_MAGIC 0x31504853u

/* The only symbol a plugin exports. */
#define SH_PLUGIN_ENTRY_SYMBOL "streamhost_plugin_entry"

#if defined(_WIN32)
#define SH_EXPORT __declspec(dllexport)
#else
#define SH_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

typedef int32_t sh_status;

enum {
    SH_OK = 0,            /* success */
    SH_ERROR = 1,         /* failure; the message was given to set_error */
    SH_IDLE = 2,          /* poll: nothing to emit now, call again later */
    SH_END = 3,           /* poll: the source is exhausted (bounded source) */
    SH_UNSUPPORTED = 4,   /* host: this host does not implement the service */
    SH_NOT_FOUND = 5,     /* host: no such state entry, topic, config key... */
    SH_INVALID = 6,       /* host: an argument was invalid (see last_error) */
    SH_WRONG_TYPE = 7,    /* host: a config value has another JSON type */
    SH_CLOSED = 8,        /* host: the instance was closed; nothing more may
                             be emitted */
    SH_WRONG_THREAD = 9   /* host (added in 1.3): the call broke rule 8, it
                             was made outside the callbacks of the instance
                             its ctx names (another thread, or after the
                             callback returned); nothing was done and the
                             job fails with a message naming the call. A
                             host older than 1.3 does not check rule 8. */
};

/* ------------------------------------------------------------------------ */
/* Opaque handles                                                           */
/* ------------------------------------------------------------------------ */

/* The host's context for one component instance (one step instance).
 * Passed to every callback; valid until destroy returns. */
typedef struct sh_ctx sh_ctx;

/* A component of a plugin (defined below); create and migrate receive the
 * one they are called for. */
typedef struct sh_component sh_component;

/* Readers, transactions and counters handed out by the host. */
typedef struct sh_log_reader sh_log_reader;
typedef struct sh_log_txn sh_log_txn;

/* ------------------------------------------------------------------------ */
/* The Arrow C Data Interface (added in 1.3)                                */
/* ------------------------------------------------------------------------ */

/* The two structs of the Apache Arrow C Data Interface, declared exactly as
 * its specification does, under its include guard so that a plugin that
 * also includes Arrow's own headers (or nanoarrow) sees one definition.
 *
 * An ArrowSchema describes a type: `format` is a type string ("l" int64,
 * "+s" struct...), `name` the field name, `flags` ARROW_FLAG_* bits,
 * `children` the child fields of a nested type. An ArrowArray holds data of
 * that type: `length` rows starting at row `offset` of its buffers,
 * `null_count` (-1: not computed), `buffers` (the first is the validity
 * bitmap, one bit per row, least significant bit first, 1 = valid; it may
 * be NULL when null_count is 0) and `children` arrays of the child fields.
 *
 * Ownership, as the specification defines it: the producer allocates the
 * struct's contents and sets `release`; whoever owns the struct calls
 * `release` exactly once when done, which frees everything the struct
 * refers to (children included) and sets `release` to NULL. A struct whose
 * `release` is NULL is released (or moved away) and must not be used.
 * Moving a struct is copying it bit for bit and setting the source's
 * `release` to NULL; the destination then owns it. streamhost says per
 * call which of BORROWED (do not release; valid until the call returns)
 * and OWNED (moved to the receiver, which releases it) applies. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    /* Array type description */
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;

    /* Release callback */
    void (*release)(struct ArrowSchema *);
    /* Opaque producer-specific data */
    void *private_data;
};

struct ArrowArray {
    /* Array data description */
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;

    /* Release callback */
    void (*release)(struct ArrowArray *);
    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

/* The formats records cross the boundary in (bits; added in 1.3):
 *   SH_FORMAT_BYTES    key and value byte columns (JSON or CSV text...):
 *                      what every ABI 1.x plugin reads and writes;
 *   SH_FORMAT_COLUMNS  values as typed columns: an Arrow struct array, one
 *                      child per field, with its ArrowSchema.
 * A component declares what it accepts (sh_component.input_formats) and
 * emits (output_formats); 0, or a component struct of ABI 1.2 or older,
 * means SH_FORMAT_BYTES. The host converts only on an edge where the two
 * steps disagree.
 *
 * The column types the host reads and writes (Arrow format strings):
 *   "b" bool, "i" int32, "l" int64, "g" float64 (double),
 *   "d:P,S" decimal128 with precision P and scale S (16 bytes, two's
 *   complement, little-endian), "u" utf8, "z" binary,
 *   "tsm:UTC" timestamp in ms since the Unix epoch, UTC,
 *   "tdD" date32 (days since the Unix epoch),
 *   "+s" struct (nested fields), "+l" list (32-bit offsets).
 * Every child may have nulls (a validity bitmap). */
enum {
    SH_FORMAT_BYTES = 1u << 0,
    SH_FORMAT_COLUMNS = 1u << 1
};

/* ------------------------------------------------------------------------ */
/* Records and batches                                                      */
/* ------------------------------------------------------------------------ */

/* Per-record flags in sh_batch.flags. */
enum {
    SH_RECORD_KEY_NULL = 1u << 0,   /* the record has no key (not an empty one) */
    SH_RECORD_VALUE_NULL = 1u << 1  /* the value is null: a tombstone */
};

/* A read-only batch of records in columns. Row i has:
 *   timestamp  timestamps[i]           event time, ms since the Unix epoch
 *   key        keys[key_offsets[i] .. key_offsets[i+1])
 *   value      values[value_offsets[i] .. value_offsets[i+1])   (bytes)
 *              row i of the struct array `columns`               (columns)
 *   flags      flags ? flags[i] : 0    SH_RECORD_* bits
 *   headers    row i of `headers`, when not NULL (1.3)
 * key_offsets and value_offsets have count + 1 entries, the first is 0.
 * A batch whose keys are all null may set key_offsets and keys to NULL.
 * A null key or value (per flags) has an empty range in its offsets.
 *
 * Typed columns (1.3): when format is SH_FORMAT_COLUMNS, value_offsets and
 * values are NULL and the values are `columns`, a struct array ("+s") of
 * count rows described by `schema`; a row whose struct validity bit is 0 is
 * a null value (a tombstone), and SH_RECORD_VALUE_NULL is not used. Keys
 * stay bytes. A batch of ABI 1.2 or older (struct_size < 104) is bytes.
 *
 * Selection (1.3, either format): when selection is not NULL, only the
 * rows it lists are records of the batch: selection_count row indexes,
 * strictly ascending, each < count; the other rows are not records (a
 * filter passes its input on with a selection instead of copying it).
 * Without a selection every row is a record.
 *
 * Headers (1.3, either format): Kafka's record headers as one column:
 * NULL when no record has any, else a list array of count rows whose
 * elements are structs {key: utf8, value: binary} (format "+l" of "+s" with
 * children "u" and "z"; a null value is a header without a value).
 *
 * Ownership: BORROWED. Everything a batch points to is valid until the
 * callback that received it returns, `schema`, `columns` and `headers`
 * included: a receiver never calls their release callbacks. One exception
 * (1.3): the arrays an operator emits with emit_columns during the process
 * call that received the batch may point into it (pass a child of
 * `columns`, or any other buffer of the batch, on without copying): the
 * host keeps the whole batch valid until it has called those arrays'
 * release callbacks. Nothing else may keep pointers into a batch: not the
 * plugin's own state, not arrays emitted from a later callback. */
typedef struct sh_batch {
    uint32_t struct_size;
    uint32_t count;
    const int64_t *timestamps;
    const uint32_t *key_offsets;
    const uint8_t *keys;
    const uint32_t *value_offsets;
    const uint8_t *values;
    const uint8_t *flags;      /* may be NULL: no record has a flag */
    uint32_t input;            /* which input of the step (0 unless it has several) */
    uint32_t reserved;         /* zero */
    /* --- added in 1.3 --- */
    uint32_t format;           /* SH_FORMAT_BYTES (or 0) or SH_FORMAT_COLUMNS */
    uint32_t selection_count;  /* entries of selection */
    const struct ArrowSchema *schema;  /* columns: the struct schema; else NULL */
    const struct ArrowArray *columns;  /* columns: a struct array of count rows */
    const uint32_t *selection;         /* NULL: every row is a record */
    const struct ArrowArray *headers;  /* NULL: no record has headers */
} sh_batch;

/* One record, for emit and reject. key == NULL means a null key and
 * value == NULL a null value (tombstone); a zero length with a non-NULL
 * pointer is an empty key or value.
 * Ownership: COPIED by the host before emit/reject returns. */
typedef struct sh_record {
    int64_t timestamp;
    const uint8_t *key;
    size_t key_len;
    const uint8_t *value;
    size_t value_len;
} sh_record;

/* A byte blob handed to the host (snapshot, migrate). data is allocated
 * with host->alloc and OWNED by the host once the callback returns SH_OK. */
typedef struct sh_blob {
    uint8_t *data;
    size_t len;
} sh_blob;

/* ------------------------------------------------------------------------ */
/* Task information, given to open                                          */
/* ------------------------------------------------------------------------ */

typedef struct sh_task_info {
    uint32_t struct_size;
    uint32_t instance;          /* 0 .. parallelism-1 */
    uint32_t parallelism;       /* instances of this step */
    uint32_t max_parallelism;   /* key groups of the job */
    uint32_t key_group_first;   /* this instance's key groups: [first, last] */
    uint32_t key_group_last;
    uint32_t input_count;       /* inputs of the step (0 for sources) */
    uint32_t reserved;
    const char *job_name;       /* BORROWED until close returns */
    const char *step_id;        /* BORROWED until close returns */
    /* --- added in 1.2 --- */
    int64_t checkpoint_interval_ms; /* 0: the job takes no checkpoints, so
                                       on_checkpoint* are never called */
    /* --- added in 1.3 --- */
    uint32_t input_format;      /* the SH_FORMAT_* the host plans to hand
                                   process (it converts batches to a format
                                   the component takes; one that takes both
                                   may still get either: read
                                   sh_batch.format); 0 for sources */
    uint32_t output_format;     /* the SH_FORMAT_* the steps after this one
                                   take: emitting it saves a conversion, but
                                   any format the component declares in
                                   output_formats is accepted; 0 for sinks */
} sh_task_info;

/* ------------------------------------------------------------------------ */
/* Logging, time, timers, state                                             */
/* ------------------------------------------------------------------------ */

/* Severity of a line of the message log (host->log). */
typedef enum sh_log_level {
    SH_MSG_TRACE = 0,
    SH_MSG_DEBUG = 1,
    SH_MSG_INFO = 2,
    SH_MSG_WARN = 3,
    SH_MSG_ERROR = 4,
    /* Deprecated 1.0 names (they read like the durable log's); same values. */
    SH_LOG_TRACE = SH_MSG_TRACE,
    SH_LOG_DEBUG = SH_MSG_DEBUG,
    SH_LOG_INFO = SH_MSG_INFO,
    SH_LOG_WARN = SH_MSG_WARN,
    SH_LOG_ERROR = SH_MSG_ERROR
} sh_log_level;
typedef sh_log_level sh_msg_level;

typedef enum sh_time_domain {
    SH_TIME_EVENT = 0,
    SH_TIME_PROCESSING = 1
} sh_time_domain;

typedef enum sh_state_kind {
    SH_STATE_VALUE = 0,   /* one value per key */
    SH_STATE_MAP = 1      /* a map user-key -> value per key */
} sh_state_kind;

/* Describes a keyed state, registered in open. */
typedef struct sh_state_desc {
    uint32_t struct_size;
    sh_state_kind kind;
    const char *name;       /* COPIED; unique per step */
    int64_t ttl_ms;         /* 0: entries never expire */
} sh_state_desc;

typedef uint32_t sh_state_id;
typedef uint32_t sh_counter_id;

/* A fired timer, passed to on_timer (BORROWED for the call, key too). */
typedef struct sh_timer {
    uint32_t struct_size;
    sh_time_domain domain;
    int64_t time;
    const uint8_t *key;
    size_t key_len;
} sh_timer;

/* Visits the entries of a map state; return SH_OK to go on, anything else
 * to stop (the value is returned by state_map_iterate). user_key and value
 * are BORROWED for the call; user is the pointer given to
 * state_map_iterate, passed back unchanged. */
typedef sh_status (*sh_map_visitor)(void *user, const uint8_t *user_key, size_t user_key_len,
                                    const uint8_t *value, size_t value_len);

/* Where a topic reader (log_reader_open) starts. */
typedef enum sh_log_start {
    SH_TOPIC_START_EARLIEST = 0,
    SH_TOPIC_START_LATEST = 1,
    SH_TOPIC_START_OFFSET = 2,  /* at `value` */
    SH_TOPIC_START_TIME = 3,    /* first record with timestamp >= `value` */
    /* Deprecated 1.0 names; same values. */
    SH_LOG_START_EARLIEST = SH_TOPIC_START_EARLIEST,
    SH_LOG_START_LATEST = SH_TOPIC_START_LATEST,
    SH_LOG_START_OFFSET = SH_TOPIC_START_OFFSET,
    SH_LOG_START_TIME = SH_TOPIC_START_TIME
} sh_log_start;
typedef sh_log_start sh_topic_start;

/* What a topic reader sees of transactions (added in 1.2). Read committed:
 * records of committed transactions and non-transactional ones, never past
 * the partition's last stable offset (the first offset of its earliest open
 * transaction). Read uncommitted: every data record. Commit and abort
 * markers are never returned. */
typedef enum sh_log_isolation {
    SH_TOPIC_READ_COMMITTED = 0,
    SH_TOPIC_READ_UNCOMMITTED = 1,
    /* Deprecated 1.2 names; same values. */
    SH_LOG_READ_COMMITTED = SH_TOPIC_READ_COMMITTED,
    SH_LOG_READ_UNCOMMITTED = SH_TOPIC_READ_UNCOMMITTED
} sh_log_isolation;
typedef sh_log_isolation sh_topic_isolation;

/* A migration request: one old keyed value or operator blob to rewrite from
 * from_version to to_version. The struct and every pointer in it are
 * BORROWED for the call. */
typedef enum sh_migration_kind {
    SH_MIGRATE_KEYED_VALUE = 0,
    SH_MIGRATE_MAP_ENTRY = 1,
    SH_MIGRATE_OPERATOR_BLOB = 2
} sh_migration_kind;

typedef struct sh_migration {
    uint32_t struct_size;
    sh_migration_kind kind;
    uint32_t from_version;
    uint32_t to_version;
    const char *state_name;     /* NULL for operator blobs */
    const char *from_plugin_version;
    const uint8_t *key;         /* keyed kinds only */
    size_t key_len;
    const uint8_t *data;        /* the old value or blob */
    size_t len;
} sh_migration;

/* Which services this host implements: bits of sh_host_api.services. */
enum {
    SH_SERVICE_CORE = 1u << 0,        /* emit, reject, errors, the message
                                         log, alloc, wakeup, counters,
                                         config: 1.0 */
    SH_SERVICE_KEYED_STATE = 1u << 1, /* state_* */
    SH_SERVICE_TIMERS = 1u << 2,      /* timer_*, current_watermark,
                                         emit_watermark (1.1) */
    SH_SERVICE_TOPICS = 1u << 3,      /* log_*: topics, the durable log */
    SH_SERVICE_CHECKPOINTS = 1u << 4, /* snapshot/restore/migrate and the
                                         checkpoint callbacks are called */
    SH_SERVICE_SIDE_OUTPUTS = 1u << 5,/* emit_side */
    SH_SERVICE_LOG = SH_SERVICE_TOPICS /* deprecated 1.0 name */
};

/* ------------------------------------------------------------------------ */
/* The host-API table                                                       */
/* ------------------------------------------------------------------------ */

/* The host's services. The table is static: it lives as long as the process
 * and a plugin may keep the pointer it got in streamhost_plugin_entry.
 *
 * Thread safety: every function takes the sh_ctx of the instance whose
 * callback is running and may only be called inside that callback, on its
 * thread (rule 8) — except wakeup, log and processing_time, which any
 * thread may call at any time, and alloc/free, which take no context and
 * are thread-safe. The log_reader_* and log_txn_* functions take no ctx:
 * they follow the rule for the ctx their reader or transaction was opened
 * with. create and migrate count as callbacks (config, counters, log and
 * set_error work in create; in migrate, see the vtable's migrate); destroy
 * does not. A
 * call that breaks the rule returns SH_WRONG_THREAD (added in 1.3) and
 * fails the job; last_error then returns a fixed message, as the ctx's own
 * message belongs to the thread running its callbacks. */
typedef struct sh_host_api {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;
    uint64_t services;              /* SH_SERVICE_* bits implemented */
    const char *host_version;       /* e.g. "0.1.0"; static */

    /* --- data ------------------------------------------------------------ */

    /* Appends one record to the instance's output. The record is COPIED.
     * Sinks have no output: emit from a sink fails the job. After close has
     * returned, emit returns SH_CLOSED and the job fails. */
    sh_status (*emit)(sh_ctx *ctx, const sh_record *record);

    /* Appends every record of batch to the output (a pass-through operator
     * forwards its input with one call). The batch is COPIED. From 1.3 it
     * may be a columns batch and may have a selection: when its `columns`
     * (and `schema`) are those of the batch the running process call
     * received, the host shares them instead of copying (zero-copy: a
     * filter emits a copy of its input sh_batch with a selection);
     * otherwise the host copies the arrays' buffers. Its timestamps, keys
     * and flags are always COPIED. */
    sh_status (*emit_batch)(sh_ctx *ctx, const sh_batch *batch);

    /* Emits to the side output named output (late records, for instance);
     * output and record are COPIED.
     * Implemented with SH_SERVICE_SIDE_OUTPUTS; until then SH_UNSUPPORTED. */
    sh_status (*emit_side)(sh_ctx *ctx, const char *output, const sh_record *record);

    /* Sends a record the instance cannot process to the job's dead-letter
     * destination with reason (both COPIED), its step id and instance; the
     * job goes on. */
    sh_status (*reject)(sh_ctx *ctx, const sh_record *record, const char *reason);

    /* --- errors and the message log ---------------------------------------- */

    /* Records the message (COPIED) of the failure the callback is about to
     * return SH_ERROR for. The host reports it with step id and instance. */
    void (*set_error)(sh_ctx *ctx, const char *message);

    /* The message of the last host-API call that did not return SH_OK on
     * this context, or "" if none. BORROWED until the next host-API call. */
    const char *(*last_error)(sh_ctx *ctx);

    /* Writes a line to the message log (the host's diagnostics, not a
     * topic): message is COPIED, attributed to the step and instance. */
    void (*log)(sh_ctx *ctx, sh_log_level level, const char *message);

    /* --- memory ---------------------------------------------------------- */

    /* Memory the host may free: snapshot and migrate blobs. Thread-safe.
     * alloc's result is OWNED by the caller; free takes a pointer from
     * alloc (OWNED: released) or NULL. */
    void *(*alloc)(size_t size);
    void (*free)(void *pointer);

    /* --- scheduling and metrics ------------------------------------------ */

    /* Asks the host to call the instance again soon (poll for sources,
     * after an SH_IDLE). Any thread, any time, including after close (then
     * it does nothing). */
    void (*wakeup)(sh_ctx *ctx);

    /* Registers a counter named name (COPIED) for this instance, reported
     * with the job's metrics (`streamhost run` prints each step's counters,
     * summed over its instances, in its summary); call in create or open.
     * *out is its id. */
    sh_status (*counter_register)(sh_ctx *ctx, const char *name, sh_counter_id *out);
    void (*counter_add)(sh_ctx *ctx, sh_counter_id counter, int64_t delta);

    /* --- configuration ---------------------------------------------------- */

    /* The step's config as validated against the component's schema, with
     * the schema's defaults filled in. key (BORROWED) is a dotted path
     * ("csv.header"). Strings returned in *out are BORROWED until destroy
     * returns. SH_NOT_FOUND when the key is absent, SH_WRONG_TYPE when it
     * holds another JSON type.
     * config_double accepts integers too (JSON Schema's "number" includes
     * them); config_int64 accepts a number with no fractional part (1000.0).
     * Valid from create on. */
    sh_status (*config_string)(sh_ctx *ctx, const char *key, const char **out);
    sh_status (*config_int64)(sh_ctx *ctx, const char *key, int64_t *out);
    sh_status (*config_double)(sh_ctx *ctx, const char *key, double *out);
    sh_status (*config_bool)(sh_ctx *ctx, const char *key, int32_t *out);
    /* Any config value (an array, an object...) as compact JSON text,
     * NUL-terminated; *len excludes the NUL. BORROWED until destroy
     * returns. key NULL or "" means the whole config. */
    sh_status (*config_json)(sh_ctx *ctx, const char *key, const char **out, size_t *len);

    /* --- time -------------------------------------------------------------- */

    /* The instance's current event-time watermark (INT64_MIN before the
     * first one) and the host's processing time in ms. Watermarks arrive
     * with SH_SERVICE_TIMERS; before that current_watermark returns
     * INT64_MIN. */
    int64_t (*current_watermark)(sh_ctx *ctx);
    int64_t (*processing_time)(sh_ctx *ctx);

    /* --- keyed state (SH_SERVICE_KEYED_STATE) ------------------------------ */

    /* Registers a keyed state in open (desc is BORROWED, its name COPIED);
     * returns its id in *out. Keys must belong to the instance's key groups
     * (they do for records that came through key_by). Ownership:
     *   get, map_get     key, user_key BORROWED; the *value returned is
     *                    BORROWED until the next host-API call on ctx;
     *   put, map_put     key, user_key and value COPIED;
     *   delete, map_delete, map_iterate   key, user_key BORROWED (see
     *                    sh_map_visitor for the visited entries). */
    sh_status (*state_register)(sh_ctx *ctx, const sh_state_desc *desc, sh_state_id *out);
    sh_status (*state_get)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len,
                           const uint8_t **value, size_t *value_len);
    sh_status (*state_put)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len,
                           const uint8_t *value, size_t value_len);
    sh_status (*state_delete)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len);
    sh_status (*state_map_get)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len,
                               const uint8_t *user_key, size_t user_key_len,
                               const uint8_t **value, size_t *value_len);
    sh_status (*state_map_put)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len,
                               const uint8_t *user_key, size_t user_key_len,
                               const uint8_t *value, size_t value_len);
    sh_status (*state_map_delete)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len,
                                  const uint8_t *user_key, size_t user_key_len);
    sh_status (*state_map_iterate)(sh_ctx *ctx, sh_state_id state, const uint8_t *key, size_t key_len,
                                   sh_map_visitor visitor, void *user);

    /* --- timers (SH_SERVICE_TIMERS) ---------------------------------------- */

    /* One timer per (key, domain, time); registering it again is a no-op.
     * It fires through on_timer once the watermark (event time) or the
     * clock (processing time) passes time. key is COPIED by timer_register
     * and BORROWED by timer_delete. */
    sh_status (*timer_register)(sh_ctx *ctx, sh_time_domain domain, const uint8_t *key, size_t key_len,
                                int64_t time);
    sh_status (*timer_delete)(sh_ctx *ctx, sh_time_domain domain, const uint8_t *key, size_t key_len,
                              int64_t time);

    /* --- topics: the durable log (SH_SERVICE_TOPICS) ------------------------ */

    /* The log_* members are the durable log of records (not the message
     * log above); their 1.0 names stay for 1.x. Unless said otherwise,
     * topic and group names are BORROWED for the call.
     *
     * Number of partitions of topic, or SH_NOT_FOUND. */
    sh_status (*log_partitions)(sh_ctx *ctx, const char *topic, uint32_t *out);
    /* Opens a read-committed reader on one partition (see sh_topic_isolation;
     * log_reader_open_isolated chooses). topic is COPIED; *out is OWNED by
     * the plugin, which releases it with log_reader_close. */
    sh_status (*log_reader_open)(sh_ctx *ctx, const char *topic, uint32_t partition, sh_log_start start,
                                 int64_t value, sh_log_reader **out);
    /* Reads up to max records into *out (BORROWED until the next call on the
     * reader); *next_offset is the offset after the last record read.
     * SH_IDLE when no record is available yet. */
    sh_status (*log_reader_read)(sh_log_reader *reader, uint32_t max, const sh_batch **out,
                                 int64_t *next_offset);
    /* Releases a reader (OWNED: the pointer is invalid afterwards). */
    void (*log_reader_close)(sh_log_reader *reader);
    /* Appends a batch (COPIED) to a partition; *first_offset gets the
     * offset of its first record. Acknowledged by the topic's durability
     * policy. */
    sh_status (*log_append)(sh_ctx *ctx, const char *topic, uint32_t partition, const sh_batch *batch,
                            int64_t *first_offset);
    /* Consumer-group offsets (group and topic BORROWED). */
    sh_status (*log_commit)(sh_ctx *ctx, const char *group, const char *topic, uint32_t partition,
                            int64_t offset);
    sh_status (*log_committed)(sh_ctx *ctx, const char *group, const char *topic, uint32_t partition,
                               int64_t *out);
    /* Transactions, for exactly-once sinks (SH_SERVICE_TOPICS together with
     * SH_SERVICE_CHECKPOINTS): appends become visible to read-committed
     * readers when log_txn_commit returns (and survive a crash from then on).
     * transactional_id (COPIED) is scoped by the host to the job and step:
     * the log records "<job name>/<step id>/<transactional_id>". Beginning an
     * id whose transaction is still open aborts that one first and fences it
     * (a newer epoch: appends through an older handle fail). *out is OWNED
     * by the plugin and released by log_txn_commit or log_txn_abort, whether they succeed or not (resume
     * the id to try again); releasing the instance's ctx releases handles
     * left over, leaving their transactions open (resumable). log_txn_append
     * copies the batch; it fails with SH_NOT_FOUND for an unknown topic and
     * SH_ERROR when the transaction was fenced or the write failed; its
     * topic is BORROWED. */
    sh_status (*log_txn_begin)(sh_ctx *ctx, const char *transactional_id, sh_log_txn **out);
    sh_status (*log_txn_append)(sh_log_txn *txn, const char *topic, uint32_t partition,
                                const sh_batch *batch);
    sh_status (*log_txn_commit)(sh_log_txn *txn);
    sh_status (*log_txn_abort)(sh_log_txn *txn);

    /* --- added in 1.1 ------------------------------------------------------ */

    /* Sources whose step says `watermarks: {strategy: source}`: declares
     * that no record with a timestamp <= watermark follows from this
     * instance. A watermark not above the last one is ignored. With any
     * other strategy the host makes the watermarks and ignores this call
     * (it returns SH_OK and logs once). Operators and sinks: SH_INVALID
     * (their watermark comes from their inputs). */
    sh_status (*emit_watermark)(sh_ctx *ctx, int64_t watermark);

    /* --- added in 1.2 ------------------------------------------------------ */

    /* Exactly-once sinks after a restore: reopens the transaction
     * transactional_id that an earlier run (or this one) began and neither
     * committed nor aborted, so that it can be committed (it was
     * pre-committed in a checkpoint that completed) or aborted.
     * transactional_id is COPIED; *out is OWNED by the plugin and released
     * by log_txn_commit or log_txn_abort. SH_NOT_FOUND when no such
     * transaction is open: it was committed or aborted already, which makes
     * "resume, then commit" safe to repeat. */
    sh_status (*log_txn_resume)(sh_ctx *ctx, const char *transactional_id, sh_log_txn **out);
    /* log_reader_open with an isolation level: SH_TOPIC_READ_COMMITTED
     * (what log_reader_open does) or SH_TOPIC_READ_UNCOMMITTED (every data
     * record, also of open and aborted transactions; markers are skipped
     * either way). Ownership as for log_reader_open. */
    sh_status (*log_reader_open_isolated)(sh_ctx *ctx, const char *topic, uint32_t partition, sh_log_start start,
                                          int64_t value, sh_log_isolation isolation, sh_log_reader **out);

    /* --- added in 1.3 ------------------------------------------------------ */

    /* Emits typed columns without copying them: the host takes schema and
     * columns (OWNED: moved to the host, which sets their release to NULL
     * in the caller's structs and calls the release callbacks exactly once,
     * when the last step has read the batch, on any thread), whatever the
     * result. Called from process, columns may point into the batch process
     * received: the host keeps that batch valid until it has called
     * columns' release (see sh_batch), so a release callback frees only
     * what the plugin itself allocated. columns
     * is a struct array (schema format "+s") with one row per record.
     * rows (COPIED) gives the rest of each row: count (== columns->length),
     * timestamps (required), key_offsets/keys/flags (optional, as in
     * sh_batch; only SH_RECORD_KEY_NULL is read), selection (optional: only
     * the listed rows are emitted) and headers (optional, COPIED); its
     * format, schema, columns, value_offsets and values are ignored.
     * SH_INVALID (with last_error) for arrays that do not match their
     * schema or a type this host does not read; the job fails. */
    sh_status (*emit_columns)(sh_ctx *ctx, struct ArrowSchema *schema, struct ArrowArray *columns,
                              const sh_batch *rows);
} sh_host_api;

/* ------------------------------------------------------------------------ */
/* Components                                                               */
/* ------------------------------------------------------------------------ */

typedef enum sh_component_kind {
    SH_KIND_SOURCE = 1,
    SH_KIND_OPERATOR = 2,
    SH_KIND_SINK = 3
} sh_component_kind;

/* The callbacks of a component. `self` is the pointer create returned.
 * Every callback but create, destroy and migrate runs on one thread at a
 * time per instance, with that instance's ctx.
 *
 * Order of calls on an instance:
 *   create → [restore]* → open → (process | poll | on_watermark | on_timer |
 *   on_checkpoint → snapshot | on_checkpoint_complete | on_checkpoint_abort)*
 *   → close → destroy
 * At a checkpoint barrier an instance gets on_checkpoint (pre-commit; what
 * it emits then goes before the barrier), then snapshot, in that order, for
 * the same checkpoint_id; on_checkpoint_complete or on_checkpoint_abort for
 * that id comes later, between other calls, once the checkpoint completed or
 * failed everywhere. On failure or cancellation close is skipped: destroy
 * always runs. */
typedef struct sh_component_vtable {
    uint32_t struct_size;
    uint32_t reserved;

    /* REQUIRED. Makes an instance of component (the pointer from the
     * plugin's own descriptor, so one create can serve several components).
     * config_json (BORROWED) is the validated config with the schema's
     * defaults: always a JSON object, "{}" when there is none, NUL-terminated,
     * config_len excluding the NUL. Store the instance pointer in *out: it
     * stays the plugin's, and the host hands it to destroy (OWNED). */
    sh_status (*create)(sh_ctx *ctx, const sh_component *component, const char *config_json,
                        size_t config_len, void **out);

    /* REQUIRED. Frees the instance (self, OWNED: released here). Must
     * accept NULL. No host-API calls. */
    void (*destroy)(void *self);

    /* Optional (default: nothing). Called once before data flows. info is
     * BORROWED for the call; its strings until close returns. */
    sh_status (*open)(void *self, sh_ctx *ctx, const sh_task_info *info);

    /* Operators and sinks: REQUIRED. Handles one batch (BORROWED). */
    sh_status (*process)(void *self, sh_ctx *ctx, const sh_batch *batch);

    /* Sources: REQUIRED. Emits up to max records. Returns SH_OK after
     * emitting (possibly none), SH_IDLE when nothing is available now (the
     * host polls again after a short pause or a wakeup), SH_END once the
     * source is exhausted (never called again). Records emitted in the call
     * that returns SH_IDLE or SH_END are delivered like any others. */
    sh_status (*poll)(void *self, sh_ctx *ctx, uint32_t max);

    /* Optional (default: the host forwards the watermark). */
    sh_status (*on_watermark)(void *self, sh_ctx *ctx, int64_t watermark);

    /* Optional; required if the component registers timers. timer is
     * BORROWED for the call. */
    sh_status (*on_timer)(void *self, sh_ctx *ctx, const sh_timer *timer);

    /* Optional (default: no operator state). Writes the operator-level
     * state into *out (allocated with host->alloc; OWNED by the host after
     * SH_OK). A NULL out->data means "no state". */
    sh_status (*snapshot)(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out);

    /* Optional (default: state is ignored). Reads back a blob written by
     * snapshot, BORROWED, of the component's current state_version
     * (migrate has already run when versions differed). Called before open.
     * When the step runs at the parallelism it had when the checkpoint was
     * taken, instance i gets the blob instance i wrote (if it wrote one).
     * When the parallelism changed, every instance gets every old
     * instance's blob, one restore call each (Flink's union list state):
     * a component keeps what it now owns (a source: the partitions it is
     * assigned) and must tolerate state another instance also restores. */
    sh_status (*restore)(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data,
                         size_t len);

    /* Optional (default: refuse any version change). Rewrites one old value
     * or blob (migration is BORROWED); *out is allocated with host->alloc
     * and OWNED by the host. Returning SH_ERROR (with set_error) refuses:
     * the restore stops before any record moves. Called without an
     * instance, with the component, possibly on several threads at once.
     * Valid with its ctx: set_error, last_error, log, alloc, free,
     * processing_time, current_watermark (INT64_MIN), the config_* look-ups,
     * counter_register, counter_add and wakeup. The emit calls, reject,
     * state_*, timer_* and the topic calls return SH_INVALID, do nothing
     * and fail the job: migrate only returns the new bytes. */
    sh_status (*migrate)(sh_ctx *ctx, const sh_component *component, const sh_migration *migration,
                         sh_blob *out);

    /* Optional. Checkpoint barrier reached this instance (pre-commit). */
    sh_status (*on_checkpoint)(void *self, sh_ctx *ctx, int64_t checkpoint_id);
    /* Optional. The checkpoint is complete everywhere: commit. */
    sh_status (*on_checkpoint_complete)(void *self, sh_ctx *ctx, int64_t checkpoint_id);
    /* Optional. The checkpoint failed: discard what was pre-committed. */
    sh_status (*on_checkpoint_abort)(void *self, sh_ctx *ctx, int64_t checkpoint_id);

    /* Optional (default: nothing). End of input: flush everything. emit is
     * still allowed inside close; after it returns emit fails. With
     * checkpoints (checkpoint_interval_ms > 0) close comes after the final
     * checkpoint completed, and emit inside it fails the job: flush at the
     * INT64_MAX watermark (on_watermark, on_timer) or in on_checkpoint. */
    sh_status (*close)(void *self, sh_ctx *ctx);

    /* --- added in 1.3 --- */

    /* Optional (default: the component says nothing of its output's
     * schema). The schema of what an instance configured with config_json
     * (BORROWED, as for create) emits, as a struct ArrowSchema ("+s") into
     * *out (OWNED by the host after SH_OK: it calls out->release).
     * SH_NOT_FOUND: no fixed schema for this config. Called at plan time
     * (`streamhost validate`, `run`), without an instance or ctx, from any
     * thread: no host-API calls. */
    sh_status (*output_schema)(const sh_component *component, const char *config_json, size_t config_len,
                               struct ArrowSchema *out);

    /* Optional (added in 1.3, after output_schema; default: what
     * output_schema answers). output_schema, knowing the schema of the
     * records the step reads: input (BORROWED for the call) is their struct
     * schema ("+s"), or NULL when the host does not know it. For an
     * operator whose output follows from its input: map's set fields typed
     * by its expressions, a filter's input unchanged. Same rules as
     * output_schema (SH_NOT_FOUND: no fixed schema; *out OWNED by the host
     * after SH_OK; plan time, any thread, no host-API calls). A host reads
     * it only from a vtable whose struct_size covers it. */
    sh_status (*output_schema_of_input)(const sh_component *component, const char *config_json, size_t config_len,
                                        const struct ArrowSchema *input, struct ArrowSchema *out);
} sh_component_vtable;

/* A component, static like the descriptor that lists it: its strings and
 * vtable are read for the life of the process. */
struct sh_component {
    uint32_t struct_size;
    sh_component_kind kind;
    const char *name;            /* unique among all loaded plugins */
    const char *description;     /* one line */
    const char *config_schema;   /* JSON Schema of config (object); NULL: no config */
    uint32_t state_version;      /* version of the state layout, from 1 */
    uint32_t input_count;        /* operators: inputs it takes (0 means 1) */
    const sh_component_vtable *vtable;
    /* --- added in 1.3 --- */
    uint32_t input_formats;      /* SH_FORMAT_* bits process accepts; 0: bytes */
    uint32_t output_formats;     /* SH_FORMAT_* bits it emits; 0: bytes */
};

/* Bits of sh_function.flags. */
enum {
    SH_FUNCTION_VECTORIZED = 1u << 0 /* called over whole batch columns */
};

/* A C function the plugin exports for expressions (native functions). The
 * signature is a string such as "double(double,double)" or
 * "int64(const char*)". Static, like the descriptor. Declared in 1.0. */
typedef struct sh_function {
    uint32_t struct_size;
    uint32_t flags;              /* SH_FUNCTION_* bits */
    const char *name;
    const char *symbol;          /* dlsym name */
    const char *signature;
    const char *free_symbol;     /* frees a returned char*, or NULL */
} sh_function;

/* The descriptor returned by the entry point. Static: the host reads it
 * for the life of the process and never frees it. */
typedef struct sh_plugin_descriptor {
    uint32_t magic;              /* SH_PLUGIN_MAGIC */
    uint32_t struct_size;
    uint16_t abi_major;          /* SH_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;          /* SH_ABI_MINOR the plugin was built with */
    uint32_t component_count;
    const char *name;
    const char *version;         /* the plugin's own version, e.g. "1.2.0" */
    const sh_component *const *components;
    uint32_t function_count;
    uint32_t reserved;
    const sh_function *const *functions;
} sh_plugin_descriptor;

/* The entry point every plugin defines. host is static (see sh_host_api).
 * Return NULL to refuse loading (after calling nothing: there is no ctx). */
typedef const sh_plugin_descriptor *(*sh_plugin_entry_fn)(const sh_host_api *host);

/* Its prototype, so the compiler checks a C plugin's definition. (Not seen
 * by Swift, which exports the entry with @_cdecl through the plugin kit.) */
#if !defined(__swift__)
SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *host);
#endif

/* Fills the version members of a descriptor with this header's version. */
#define SH_DESCRIPTOR_HEADER                                                \
    .magic = SH_PLUGIN_MAGIC, .struct_size = sizeof(sh_plugin_descriptor),  \
    .abi_major = SH_ABI_MAJOR, .abi_minor = SH_ABI_MINOR

/* The boilerplate of a C plugin, as SQLite's SQLITE_EXTENSION_INIT1/2:
 *
 *     SH_PLUGIN_HOST(host);      (file scope, before the callbacks)
 *     ... callbacks, vtables, components ...
 *     static const sh_component *const components[] = {&mine};
 *     SH_PLUGIN_ENTRY(host, "mine", "1.0.0", components)
 *
 * SH_PLUGIN_HOST declares the static pointer to the host-API table.
 * SH_PLUGIN_ENTRY defines the plugin's static descriptor (this header's
 * ABI version, the component count taken from the array) and
 * streamhost_plugin_entry, which stores the table in that pointer and
 * returns the descriptor, or NULL (refusing the load) when given no table.
 * SH_PLUGIN_ENTRY_WITH_FUNCTIONS also exports an array of sh_function;
 * SH_PLUGIN_FUNCTIONS_ENTRY is for a plugin with functions and no
 * components, which needs no host table. Use one per plugin. */
#define SH_PLUGIN_HOST(host_var) static const sh_host_api *host_var

#define SH_ARRAY_COUNT(array) ((uint32_t)(sizeof(array) / sizeof((array)[0])))

#define SH_PLUGIN_ENTRY_BODY_(host_store, plugin_name, plugin_version, components_, component_count_,  \
                              functions_, function_count_)                                         \
    static const sh_plugin_descriptor sh_plugin_descriptor_ = {                                    \
        SH_DESCRIPTOR_HEADER,                                                                      \
        .component_count = (component_count_),                                                     \
        .name = (plugin_name),                                                                     \
        .version = (plugin_version),                                                               \
        .components = (components_),                                                               \
        .function_count = (function_count_),                                                       \
        .functions = (functions_),                                                                 \
    };                                                                                             \
    SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *sh_api_) {   \
        if (sh_api_ == NULL) return NULL;                                                          \
        host_store;                                                                                \
        return &sh_plugin_descriptor_;                                                             \
    }

#define SH_PLUGIN_ENTRY(host_var, plugin_name, plugin_version, components)                        \
    SH_PLUGIN_ENTRY_BODY_(host_var = sh_api_, plugin_name, plugin_version, components,             \
                          SH_ARRAY_COUNT(components), NULL, 0)

#define SH_PLUGIN_ENTRY_WITH_FUNCTIONS(host_var, plugin_name, plugin_version, components, functions) \
    SH_PLUGIN_ENTRY_BODY_(host_var = sh_api_, plugin_name, plugin_version, components,             \
                          SH_ARRAY_COUNT(components), functions, SH_ARRAY_COUNT(functions))

#define SH_PLUGIN_FUNCTIONS_ENTRY(plugin_name, plugin_version, functions)                          \
    SH_PLUGIN_ENTRY_BODY_((void)sh_api_, plugin_name, plugin_version, NULL, 0, functions,          \
                          SH_ARRAY_COUNT(functions))

/* Convenience accessors for batch columns. */
static inline const uint8_t *sh_batch_value(const sh_batch *b, uint32_t i, size_t *len) {
    *len = (size_t)(b->value_offsets[i + 1] - b->value_offsets[i]);
    return b->values + b->value_offsets[i];
}

static inline const uint8_t *sh_batch_key(const sh_batch *b, uint32_t i, size_t *len) {
    if (b->key_offsets == NULL || (b->flags != NULL && (b->flags[i] & SH_RECORD_KEY_NULL))) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)(b->key_offsets[i + 1] - b->key_offsets[i]);
    return b->keys + b->key_offsets[i];
}

/* Fills r with record i of b (all pointers BORROWED from b). */
static inline void sh_batch_record(const sh_batch *b, uint32_t i, sh_record *r) {
    r->timestamp = b->timestamps[i];
    r->key = sh_batch_key(b, i, &r->key_len);
    if (b->flags != NULL && (b->flags[i] & SH_RECORD_VALUE_NULL)) {
        r->value = NULL;
        r->value_len = 0;
    } else {
        r->value = sh_batch_value(b, i, &r->value_len);
    }
}

/* Records of a batch with a selection (1.3): the number of records, and
 * the row of record j. Without a selection these are count and j. */
static inline uint32_t sh_batch_record_count(const sh_batch *b) {
    return b->selection != NULL ? b->selection_count : b->count;
}

static inline uint32_t sh_batch_row(const sh_batch *b, uint32_t j) {
    return b->selection != NULL ? b->selection[j] : j;
}

/* Whether row i of an Arrow array is valid (not null): its validity bit,
 * the array's offset included. */
static inline int sh_arrow_is_valid(const struct ArrowArray *a, int64_t i) {
    const uint8_t *validity = (const uint8_t *)a->buffers[0];
    int64_t bit = a->offset + i;
    return validity == NULL || ((validity[bit >> 3] >> (bit & 7)) & 1);
}

/* Record headers (added in 1.3): the headers of row i of b, read from the
 * list array b->headers (described at sh_batch). sh_batch_header_count is
 * 0 for a row without headers, for a batch without a headers column and
 * for a batch of ABI 1.2 or older. sh_batch_header gives header h (0 ..
 * count-1) of row i: its key (UTF-8, not NUL-terminated, never NULL when
 * key_len > 0) and its value (NULL: a header without a value). Every
 * pointer is BORROWED from b. Array offsets are applied at every level. */
static inline uint32_t sh_batch_header_count(const sh_batch *b, uint32_t i) {
    if (b->struct_size < offsetof(sh_batch, headers) + sizeof b->headers || b->headers == NULL ||
        !sh_arrow_is_valid(b->headers, i)) {
        return 0;
    }
    const int32_t *lists = (const int32_t *)b->headers->buffers[1] + b->headers->offset;
    return (uint32_t)(lists[i + 1] - lists[i]);
}

static inline void sh_batch_header(const sh_batch *b, uint32_t i, uint32_t h, const uint8_t **key, size_t *key_len,
                                   const uint8_t **value, size_t *value_len) {
    const int32_t *lists = (const int32_t *)b->headers->buffers[1] + b->headers->offset;
    const struct ArrowArray *pairs = b->headers->children[0];
    int64_t row = pairs->offset + (int64_t)lists[i] + h; /* a row of the struct's children */
    const struct ArrowArray *k = pairs->children[0];
    const struct ArrowArray *v = pairs->children[1];
    const int32_t *key_offsets = (const int32_t *)k->buffers[1] + k->offset;
    *key = (const uint8_t *)k->buffers[2] + key_offsets[row];
    *key_len = (size_t)(key_offsets[row + 1] - key_offsets[row]);
    if (!sh_arrow_is_valid(v, row)) {
        *value = NULL;
        *value_len = 0;
        return;
    }
    const int32_t *value_offsets = (const int32_t *)v->buffers[1] + v->offset;
    *value = (const uint8_t *)v->buffers[2] + value_offsets[row];
    *value_len = (size_t)(value_offsets[row + 1] - value_offsets[row]);
}

/* ------------------------------------------------------------------------ */
/* ABI 2.0: what 1.x cannot fix                                             */
/* ------------------------------------------------------------------------ */

/* These need a new major version (a plugin of one major never loads on a
 * host of another, rule 2), and will be done together:
 *  - sh_record and sh_blob have no struct_size, so they can never grow:
 *    a record cannot gain headers or a partition/offset, a blob cannot
 *    gain a free function. 2.0 gives both a struct_size.
 *  - sh_record has no headers: from 1.3 a batch carries them as a column
 *    (sh_batch.headers), but a record emitted with emit cannot have any.
 *  - sh_batch's offsets are uint32_t: a batch is limited to 4 GiB of keys
 *    and of values.
 *  - The durable log's members are named log_* like the message log's
 *    host->log; 2.0 names them topic_* and drops the deprecated aliases.
 *  - log_reader_open_isolated becomes the only way to open a reader (1.x
 *    keeps log_reader_open, which cannot take an isolation level).
 *  - Strings cross the boundary NUL-terminated, without lengths (names,
 *    messages, config keys); 2.0 passes lengths.
 */

#ifdef __cplusplus
}
#endif

#endif /* STREAMHOST_H */
