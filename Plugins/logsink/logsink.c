/*
 * logsink — appends records to a topic of the host's durable log: SINK "log".
 *
 * Uses log_partitions, log_append and (exactly-once, below) log_txn_* of
 * the host-API table (SH_SERVICE_LOG). The topic must exist; its partition
 * count is read once, in open.
 *
 * Partitioning:
 *   key (default)  a record with a key (an empty key counts as a key) goes
 *                  to partition (murmur2(key) & 0x7fffffff) % partitions,
 *                  Kafka's default partitioner exactly (murmur2 with seed
 *                  0x9747b28c), so a key lands where a Kafka producer would
 *                  put it; records with a null key go round-robin, below.
 *   round_robin    every record goes round-robin, below.
 * Round-robin is batch by batch (like Kafka's sticky partitioner): the
 * round-robin records of one process call go to one partition, and the
 * next call's to the next partition; a call with more than batch_records
 * such records moves on every batch_records records. Instance i starts at
 * partition i % partitions so parallel instances spread out.
 *
 * Durability: records are buffered per partition in sh_batch columns
 * (timestamps, key and value offsets, null-key / null-value flags, and
 * the records' Kafka headers from sh_batch.headers, ABI 1.3; keys, values,
 * headers, timestamps and tombstones are kept as they came). A partition's
 * buffer is appended with one log_append when it reaches batch_records,
 * and every non-empty buffer is appended before process returns: what
 * process received has been appended (under the topic's durability policy)
 * when process returns SH_OK. close appends anything left (nothing, since
 * process flushes). A failed append fails the job with the topic, the
 * partition and the host's message.
 *
 * Delivery (config `delivery`):
 *   exactly_once (default) with checkpoints (task info checkpoint_interval_ms
 *       > 0): Flink's two-phase commit over the log's transactions. Records
 *       go into a transaction with the deterministic id
 *       "<instance>-<sequence>" (the host scopes it to the job and step),
 *       begun at the first record after a checkpoint. The flushing rule above
 *       still holds, so what process received is in the transaction when it
 *       returns.
 *       on_checkpoint(c) (or snapshot(c), whichever comes first): pre-commit:
 *       the open transaction becomes pending for c; the next record begins
 *       the next one.
 *       snapshot: the pending transactions' ids (with their checkpoints) and
 *       the next sequence.
 *       on_checkpoint_complete(c): commits every pending transaction of a
 *       checkpoint <= c.
 *       on_checkpoint_abort(c): keeps c's pending transactions pending. Their
 *       records were handed over before the barrier of c, so they belong to
 *       the next checkpoint that completes (its snapshot lists them, and its
 *       source positions are past them): that completion commits them. If
 *       the job fails first, the restore uses a checkpoint that does not list
 *       them and the host aborts them. Committing nothing until then is what
 *       keeps exactly-once; aborting them here would lose records.
 *       restore: resumes and commits every pending transaction of the blob
 *       (they were pre-committed in the checkpoint being restored, which is
 *       complete); SH_NOT_FOUND means committed already. With another
 *       parallelism every instance gets every old blob, so the same id may
 *       be committed by several instances: that is harmless. The sequence
 *       continues past the highest one seen.
 *       close (end of a bounded input): commits the open and the pending
 *       transactions. destroy makes no host calls: a transaction left open
 *       is aborted by the host when the job restores.
 *       A pre-committed transaction's records are as durable as the topic's
 *       flush.mode makes them (the default, every-append, fsyncs each one):
 *       with interval or bytes, a machine crash (not a process crash: the
 *       page cache survives that) between a checkpoint and the next fsync
 *       can lose records the checkpoint counts as written.
 *   exactly_once without checkpoints: at-least-once appends (as below),
 *       with one warning in the log.
 *   at_least_once: plain log_append, as described above.
 *
 * Counter "records": records appended (in transactions: appended to one,
 * whether or not it commits later).
 */
#include "streamhost.h"
#include "plugin_support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGSINK_BATCH_RECORDS_MAX 1000000
/* The most pending (pre-committed, not yet committed) transactions an
 * instance keeps: each checkpoint that fails in a row adds one. */
#define LOGSINK_PENDING_MAX 4096
/* Blob layout version 1: "LSK1", u64 next sequence, u32 count, then per
 * pending transaction i64 checkpoint, u32 instance, u64 sequence; all
 * little-endian. */
#define LOGSINK_BLOB_MAGIC "LSK1"
#define LOGSINK_BLOB_ENTRY_BYTES 20

static const char logsink_schema[] =
    "{"
    "\"type\":\"object\","
    "\"description\":\"Appends records to a topic of the host's durable log.\","
    "\"properties\":{"
    "\"topic\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"The topic to append to; it must exist.\"},"
    "\"partitioner\":{\"type\":\"string\",\"enum\":[\"key\",\"round_robin\"],\"default\":\"key\","
    "\"description\":\"key: Kafka's murmur2 partitioner for keyed records, round-robin for null keys; "
    "round_robin: every record round-robin, batch by batch.\"},"
    "\"batch_records\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000000,\"default\":1000,"
    "\"description\":\"Append a partition's buffer once it holds this many records.\"},"
    "\"delivery\":{\"type\":\"string\",\"enum\":[\"exactly_once\",\"at_least_once\"],\"default\":\"exactly_once\","
    "\"description\":\"exactly_once: write in transactions committed when checkpoints complete (at-least-once "
    "when the job takes no checkpoints); at_least_once: plain appends.\"}"
    "},"
    "\"required\":[\"topic\"],"
    "\"additionalProperties\":false"
    "}";

/* One partition's pending records, in sh_batch columns. */
typedef struct logsink_buffer {
    uint32_t count;
    uint32_t capacity;      /* records the columns have room for */
    int has_flags;
    int64_t *timestamps;
    uint32_t *key_offsets;  /* capacity + 1 */
    uint32_t *value_offsets;
    uint8_t *flags;
    uint8_t *keys;
    size_t keys_capacity;
    uint8_t *values;
    size_t values_capacity;
    plugin_headers headers; /* the records' Kafka headers (ABI 1.3) */
} logsink_buffer;

/* A pre-committed transaction waiting for its checkpoint to complete. */
typedef struct logsink_pending {
    int64_t checkpoint;
    uint32_t instance;
    uint64_t sequence;
    sh_log_txn *txn;        /* NULL when restored (resume by id) */
} logsink_pending;

typedef struct logsink {
    const char *topic;      /* BORROWED from the host until destroy */
    int exactly_once;       /* delivery exactly_once */
    int transactional;      /* exactly_once and the job checkpoints (set in open) */
    uint32_t instance;

    /* Transactions (transactional only). */
    sh_log_txn *txn;        /* the open transaction, NULL before the first record */
    uint64_t txn_sequence;  /* its sequence */
    uint64_t next_sequence; /* the sequence the next transaction takes */
    int64_t precommitted;   /* the last checkpoint pre-committed, -1: none */
    logsink_pending *pending;
    uint32_t pending_count;

    int round_robin_all;    /* partitioner round_robin */
    uint32_t batch_records;

    uint32_t partitions;
    logsink_buffer *buffers;
    uint32_t rr_partition;  /* current round-robin target */
    uint32_t rr_records;    /* round-robin records sent to it in this run */

    sh_counter_id records_counter;
    int has_records_counter;
} logsink;

SH_PLUGIN_HOST(host);

/* ------------------------------------------------------------------------ */
/* Kafka's murmur2                                                          */
/* ------------------------------------------------------------------------ */

/* org.apache.kafka.common.utils.Utils.murmur2, bit for bit (Java's int
 * arithmetic is 32-bit two's complement: uint32_t here, >>> is >>). */
static uint32_t kafka_murmur2(const uint8_t *data, size_t length) {
    const uint32_t seed = 0x9747b28cu;
    const uint32_t m = 0x5bd1e995u;
    const int r = 24;
    uint32_t h = seed ^ (uint32_t)length;
    size_t length4 = length / 4;
    for (size_t i = 0; i < length4; i++) {
        size_t i4 = i * 4;
        uint32_t k = (uint32_t)data[i4] | ((uint32_t)data[i4 + 1] << 8) | ((uint32_t)data[i4 + 2] << 16) |
                     ((uint32_t)data[i4 + 3] << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    size_t tail = length & ~(size_t)3;
    switch (length % 4) {
    case 3: h ^= (uint32_t)data[tail + 2] << 16; /* fall through */
    case 2: h ^= (uint32_t)data[tail + 1] << 8;  /* fall through */
    case 1:
        h ^= (uint32_t)data[tail];
        h *= m;
        break;
    default: break;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

/* ------------------------------------------------------------------------ */
/* Buffers                                                                  */
/* ------------------------------------------------------------------------ */

static void buffer_free(logsink_buffer *b) {
    free(b->timestamps);
    free(b->key_offsets);
    free(b->value_offsets);
    free(b->flags);
    free(b->keys);
    free(b->values);
    plugin_headers_free(&b->headers);
}

static int reserve_records(logsink_buffer *b, uint32_t needed) {
    if (needed <= b->capacity) return 1;
    uint32_t grown = b->capacity ? b->capacity : 64;
    while (grown < needed) grown = grown > UINT32_MAX / 2 ? needed : grown * 2;
    int64_t *timestamps = realloc(b->timestamps, sizeof(int64_t) * grown);
    if (timestamps == NULL) return 0;
    b->timestamps = timestamps;
    uint32_t *key_offsets = realloc(b->key_offsets, sizeof(uint32_t) * ((size_t)grown + 1));
    if (key_offsets == NULL) return 0;
    b->key_offsets = key_offsets;
    uint32_t *value_offsets = realloc(b->value_offsets, sizeof(uint32_t) * ((size_t)grown + 1));
    if (value_offsets == NULL) return 0;
    b->value_offsets = value_offsets;
    uint8_t *flags = realloc(b->flags, grown);
    if (flags == NULL) return 0;
    b->flags = flags;
    if (b->capacity == 0) {
        b->key_offsets[0] = 0;
        b->value_offsets[0] = 0;
    }
    b->capacity = grown;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Transactions                                                             */
/* ------------------------------------------------------------------------ */

static void logsink_txn_id(char *out, size_t size, uint32_t instance, uint64_t sequence) {
    snprintf(out, size, "%u-%" PRIu64, (unsigned)instance, sequence);
}

/* Begins the transaction the next records go to, unless one is open. */
static sh_status logsink_ensure_txn(logsink *s, sh_ctx *ctx) {
    if (s->txn != NULL) return SH_OK;
    char id[48];
    logsink_txn_id(id, sizeof id, s->instance, s->next_sequence);
    sh_status status = host->log_txn_begin(ctx, id, &s->txn);
    if (status != SH_OK || s->txn == NULL) {
        s->txn = NULL;
        return plugin_fail(host, ctx, "log sink: cannot begin transaction '%s' on topic '%.200s' (status %d): %s", id,
                           s->topic, (int)status, host->last_error(ctx));
    }
    s->txn_sequence = s->next_sequence;
    s->next_sequence++;
    return SH_OK;
}

/* Commits one pending transaction: through its handle, or resumed by id
 * (SH_NOT_FOUND from resume: committed already). */
static sh_status logsink_commit_pending(logsink *s, sh_ctx *ctx, logsink_pending *p) {
    char id[48];
    logsink_txn_id(id, sizeof id, p->instance, p->sequence);
    sh_log_txn *txn = p->txn;
    p->txn = NULL;
    if (txn == NULL) {
        sh_status status = host->log_txn_resume(ctx, id, &txn);
        if (status == SH_NOT_FOUND) return SH_OK;
        if (status != SH_OK || txn == NULL) {
            return plugin_fail(host, ctx,
                               "log sink: cannot resume transaction '%s' of checkpoint %" PRId64
                               " to commit it (status %d): %s",
                               id, p->checkpoint, (int)status, host->last_error(ctx));
        }
    }
    sh_status status = host->log_txn_commit(txn);
    if (status != SH_OK) {
        return plugin_fail(host, ctx,
                           "log sink: committing transaction '%s' of checkpoint %" PRId64
                           " on topic '%.200s' failed (status %d): %s; the records stay invisible to read-committed "
                           "readers until a restore commits them",
                           id, p->checkpoint, s->topic, (int)status, host->last_error(ctx));
    }
    return SH_OK;
}

static sh_status logsink_add_pending(logsink *s, sh_ctx *ctx, int64_t checkpoint, uint32_t instance,
                                     uint64_t sequence, sh_log_txn *txn) {
    if (s->pending_count >= LOGSINK_PENDING_MAX) {
        return plugin_fail(host, ctx,
                           "log sink: %u transactions are pre-committed and waiting for a checkpoint to complete "
                           "(the most is %d): checkpoints keep failing; fix them or restart the job",
                           (unsigned)s->pending_count, LOGSINK_PENDING_MAX);
    }
    logsink_pending *grown = realloc(s->pending, sizeof *grown * (s->pending_count + 1));
    if (grown == NULL) {
        host->set_error(ctx, "log sink: out of memory for the pending transactions");
        return SH_ERROR;
    }
    s->pending = grown;
    s->pending[s->pending_count++] = (logsink_pending){checkpoint, instance, sequence, txn};
    return SH_OK;
}

static sh_status logsink_flush_all(logsink *s, sh_ctx *ctx);

/* Pre-commit for checkpoint: everything buffered goes into the open
 * transaction, which becomes pending for checkpoint. Idempotent per
 * checkpoint, so snapshot and on_checkpoint may come in either order. */
static sh_status logsink_precommit(logsink *s, sh_ctx *ctx, int64_t checkpoint) {
    if (!s->transactional || checkpoint <= s->precommitted) return SH_OK;
    if (logsink_flush_all(s, ctx) != SH_OK) return SH_ERROR;
    if (s->txn != NULL) {
        if (logsink_add_pending(s, ctx, checkpoint, s->instance, s->txn_sequence, s->txn) != SH_OK) return SH_ERROR;
        s->txn = NULL;
    }
    s->precommitted = checkpoint;
    return SH_OK;
}

/* Commits the pending transactions of checkpoints <= up_to, in order. */
static sh_status logsink_commit_up_to(logsink *s, sh_ctx *ctx, int64_t up_to) {
    uint32_t kept = 0;
    sh_status result = SH_OK;
    for (uint32_t i = 0; i < s->pending_count; i++) {
        logsink_pending *p = &s->pending[i];
        if (result == SH_OK && p->checkpoint <= up_to) {
            result = logsink_commit_pending(s, ctx, p);
            if (result == SH_OK) continue;
        }
        s->pending[kept++] = *p;
    }
    s->pending_count = kept;
    return result;
}


/* Appends partition's buffer to the topic and empties it. */
static sh_status logsink_flush(logsink *s, sh_ctx *ctx, uint32_t partition) {
    logsink_buffer *b = &s->buffers[partition];
    if (b->count == 0) return SH_OK;
    sh_batch batch = {
        .struct_size = sizeof(sh_batch),
        .count = b->count,
        .timestamps = b->timestamps,
        .key_offsets = b->key_offsets,
        .keys = b->keys,
        .value_offsets = b->value_offsets,
        .values = b->values,
        .flags = b->has_flags ? b->flags : NULL,
        .headers = plugin_headers_array(&b->headers),
    };
    if (s->transactional) {
        if (logsink_ensure_txn(s, ctx) != SH_OK) return SH_ERROR;
        sh_status status = host->log_txn_append(s->txn, s->topic, partition, &batch);
        if (status != SH_OK) {
            char id[48];
            logsink_txn_id(id, sizeof id, s->instance, s->txn_sequence);
            return plugin_fail(host, ctx,
                               "log sink: appending %u records to topic '%.200s' partition %u in transaction '%s' "
                               "failed (status %d): %s",
                               (unsigned)b->count, s->topic, (unsigned)partition, id, (int)status,
                               host->last_error(ctx));
        }
        if (s->has_records_counter) host->counter_add(ctx, s->records_counter, (int64_t)b->count);
        b->count = 0;
        b->has_flags = 0;
        plugin_headers_clear(&b->headers);
        return SH_OK;
    }
    int64_t first_offset = -1;
    sh_status status = host->log_append(ctx, s->topic, partition, &batch, &first_offset);
    if (status != SH_OK) {
        return plugin_fail(host, ctx,
                           "log sink: appending %u records to topic '%.200s' partition %u failed (status %d): %s",
                           (unsigned)b->count, s->topic, (unsigned)partition, (int)status, host->last_error(ctx));
    }
    if (s->has_records_counter) host->counter_add(ctx, s->records_counter, (int64_t)b->count);
    b->count = 0;
    b->has_flags = 0;
    plugin_headers_clear(&b->headers);
    return SH_OK;
}

static sh_status out_of_memory(sh_ctx *ctx, logsink *s, uint32_t partition) {
    return plugin_fail(host, ctx, "log sink: out of memory buffering records for topic '%.200s' partition %u",
                       s->topic, (unsigned)partition);
}

/* Adds record r (flags f; row `row` of `batch`, whose headers it keeps) to
 * partition's buffer, appending first if the 32-bit offsets would
 * overflow and after if it reaches batch_records. */
static sh_status buffer_add(logsink *s, sh_ctx *ctx, uint32_t partition, const sh_record *r, uint8_t f,
                            const sh_batch *batch, uint32_t row) {
    logsink_buffer *b = &s->buffers[partition];
    size_t key_len = r->key != NULL ? r->key_len : 0;
    size_t value_len = r->value != NULL ? r->value_len : 0;
    if (b->count > 0 && ((size_t)b->key_offsets[b->count] + key_len > UINT32_MAX ||
                         (size_t)b->value_offsets[b->count] + value_len > UINT32_MAX)) {
        if (logsink_flush(s, ctx, partition) != SH_OK) return SH_ERROR;
    }
    if (!reserve_records(b, b->count + 1)) return out_of_memory(ctx, s, partition);
    size_t keys_used = b->key_offsets[b->count];
    size_t values_used = b->value_offsets[b->count];
    if (!plugin_reserve_bytes(&b->keys, &b->keys_capacity, keys_used + key_len + 1, 4096) ||
        !plugin_reserve_bytes(&b->values, &b->values_capacity, values_used + value_len + 1, 4096))
        return out_of_memory(ctx, s, partition);
    if (!plugin_headers_add(&b->headers, batch, row)) {
        return plugin_fail(host, ctx,
                           "log sink: cannot buffer the headers of a record for topic '%.200s' partition %u (out of "
                           "memory, or more than 2 GiB of headers in one batch)",
                           s->topic, (unsigned)partition);
    }
    if (key_len > 0) memcpy(b->keys + keys_used, r->key, key_len);
    if (value_len > 0) memcpy(b->values + values_used, r->value, value_len);
    uint32_t i = b->count;
    b->timestamps[i] = r->timestamp;
    b->flags[i] = f;
    if (f != 0) b->has_flags = 1;
    b->key_offsets[i + 1] = (uint32_t)(keys_used + key_len);
    b->value_offsets[i + 1] = (uint32_t)(values_used + value_len);
    b->count = i + 1;
    if (b->count >= s->batch_records) return logsink_flush(s, ctx, partition);
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                */
/* ------------------------------------------------------------------------ */

static void logsink_destroy(void *self) {
    logsink *s = self;
    if (s == NULL) return;
    if (s->buffers != NULL) {
        for (uint32_t p = 0; p < s->partitions; p++) buffer_free(&s->buffers[p]);
        free(s->buffers);
    }
    free(s->pending);
    free(s);
}

static sh_status config_failure(sh_ctx *ctx, const char *key, const char *expected, sh_status status) {
    return plugin_config_failure(host, ctx, "log sink", key, expected, status);
}

static sh_status logsink_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                                size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    logsink *s = calloc(1, sizeof *s);
    if (s == NULL) {
        host->set_error(ctx, "log sink: out of memory creating the instance");
        return SH_ERROR;
    }
    s->batch_records = 1000;

    sh_status status = host->config_string(ctx, "topic", &s->topic);
    if (status == SH_NOT_FOUND) {
        host->set_error(ctx, "log sink: config 'topic' is required");
        logsink_destroy(s);
        return SH_ERROR;
    }
    if (status != SH_OK || s->topic == NULL || s->topic[0] == '\0') {
        if (status == SH_OK) host->set_error(ctx, "log sink: config 'topic' must not be empty");
        else config_failure(ctx, "topic", "a string", status);
        logsink_destroy(s);
        return SH_ERROR;
    }

    const char *partitioner = NULL;
    status = host->config_string(ctx, "partitioner", &partitioner);
    if (status == SH_OK) {
        if (strcmp(partitioner, "round_robin") == 0) {
            s->round_robin_all = 1;
        } else if (strcmp(partitioner, "key") != 0) {
            char message[256];
            snprintf(message, sizeof message,
                     "log sink: config 'partitioner' is \"%.100s\"; it must be one of key, round_robin", partitioner);
            host->set_error(ctx, message);
            logsink_destroy(s);
            return SH_ERROR;
        }
    } else if (status != SH_NOT_FOUND) {
        config_failure(ctx, "partitioner", "a string", status);
        logsink_destroy(s);
        return SH_ERROR;
    }

    int64_t batch_records = 1000;
    status = host->config_int64(ctx, "batch_records", &batch_records);
    if (status == SH_NOT_FOUND) {
        batch_records = 1000;
    } else if (status != SH_OK) {
        config_failure(ctx, "batch_records", "an integer", status);
        logsink_destroy(s);
        return SH_ERROR;
    }
    if (batch_records < 1 || batch_records > LOGSINK_BATCH_RECORDS_MAX) {
        char message[200];
        snprintf(message, sizeof message, "log sink: config 'batch_records' is %" PRId64
                 "; it must be between 1 and %d", batch_records, LOGSINK_BATCH_RECORDS_MAX);
        host->set_error(ctx, message);
        logsink_destroy(s);
        return SH_ERROR;
    }
    s->batch_records = (uint32_t)batch_records;

    s->exactly_once = 1;
    s->precommitted = -1;
    const char *delivery = NULL;
    status = host->config_string(ctx, "delivery", &delivery);
    if (status == SH_OK) {
        if (strcmp(delivery, "at_least_once") == 0) {
            s->exactly_once = 0;
        } else if (strcmp(delivery, "exactly_once") != 0) {
            char message[256];
            snprintf(message, sizeof message,
                     "log sink: config 'delivery' is \"%.100s\"; it must be one of exactly_once, at_least_once",
                     delivery);
            host->set_error(ctx, message);
            logsink_destroy(s);
            return SH_ERROR;
        }
    } else if (status != SH_NOT_FOUND) {
        config_failure(ctx, "delivery", "a string", status);
        logsink_destroy(s);
        return SH_ERROR;
    }
    *out = s;
    return SH_OK;
}

static sh_status logsink_open(void *self, sh_ctx *ctx, const sh_task_info *info) {
    logsink *s = self;
    /* Built against ABI 1.2, this plugin loads only on hosts of 1.2 or
     * newer (the loader refuses it elsewhere), so info has
     * checkpoint_interval_ms and the host has log_txn_resume. */
    s->instance = info->instance;
    if (s->exactly_once && info->checkpoint_interval_ms > 0) {
        s->transactional = 1;
    } else if (s->exactly_once) {
        char message[300];
        snprintf(message, sizeof message,
                 "log sink: delivery is exactly_once but the job takes no checkpoints; topic '%.200s' gets "
                 "at-least-once appends (a restarted job may write records again)", s->topic);
        host->log(ctx, SH_MSG_WARN, message);
    }
    if (host->counter_register(ctx, "records", &s->records_counter) != SH_OK) {
        return plugin_fail(host, ctx, "log sink: cannot register counter 'records': %s", host->last_error(ctx));
    }
    s->has_records_counter = 1;

    uint32_t partitions = 0;
    if (plugin_topic_partitions(host, ctx, "log sink", s->topic, &partitions) != SH_OK) return SH_ERROR;
    if (partitions == 0) {
        return plugin_fail(host, ctx, "log sink: topic '%.200s' has no partitions", s->topic);
    }
    s->buffers = calloc(partitions, sizeof *s->buffers);
    if (s->buffers == NULL) {
        host->set_error(ctx, "log sink: out of memory for the partition buffers");
        return SH_ERROR;
    }
    s->partitions = partitions;
    s->rr_partition = s->instance % partitions;
    s->rr_records = 0;
    return SH_OK;
}

static sh_status logsink_flush_all(logsink *s, sh_ctx *ctx) {
    for (uint32_t p = 0; p < s->partitions; p++) {
        if (logsink_flush(s, ctx, p) != SH_OK) return SH_ERROR;
    }
    return SH_OK;
}

static sh_status logsink_process(void *self, sh_ctx *ctx, const sh_batch *batch) {
    logsink *s = self;
    if (s->buffers == NULL) {
        host->set_error(ctx, "log sink: process called before open");
        return SH_ERROR;
    }
    for (uint32_t i = 0; i < batch->count; i++) {
        sh_record r;
        sh_batch_record(batch, i, &r);
        uint8_t f = 0;
        if (r.key == NULL) f |= SH_RECORD_KEY_NULL;
        if (r.value == NULL) f |= SH_RECORD_VALUE_NULL;
        uint32_t partition;
        if (r.key != NULL && !s->round_robin_all) {
            partition = (kafka_murmur2(r.key, r.key_len) & 0x7fffffffu) % s->partitions;
        } else {
            if (s->rr_records >= s->batch_records) {
                s->rr_partition = (s->rr_partition + 1) % s->partitions;
                s->rr_records = 0;
            }
            partition = s->rr_partition;
            s->rr_records++;
        }
        if (buffer_add(s, ctx, partition, &r, f, batch, i) != SH_OK) return SH_ERROR;
    }
    /* The next call's round-robin records go to the next partition. */
    if (s->rr_records > 0) {
        s->rr_partition = (s->rr_partition + 1) % s->partitions;
        s->rr_records = 0;
    }
    return logsink_flush_all(s, ctx);
}

static sh_status logsink_close(void *self, sh_ctx *ctx) {
    logsink *s = self;
    if (logsink_flush_all(s, ctx) != SH_OK) return SH_ERROR;
    if (!s->transactional) return SH_OK;
    /* End of a bounded input: everything handed over is final. */
    if (s->txn != NULL) {
        if (logsink_add_pending(s, ctx, INT64_MAX, s->instance, s->txn_sequence, s->txn) != SH_OK) return SH_ERROR;
        s->txn = NULL;
    }
    return logsink_commit_up_to(s, ctx, INT64_MAX);
}

static sh_status logsink_on_checkpoint(void *self, sh_ctx *ctx, int64_t checkpoint_id) {
    return logsink_precommit(self, ctx, checkpoint_id);
}

static sh_status logsink_on_checkpoint_complete(void *self, sh_ctx *ctx, int64_t checkpoint_id) {
    logsink *s = self;
    if (!s->transactional) return SH_OK;
    return logsink_commit_up_to(s, ctx, checkpoint_id);
}

static sh_status logsink_on_checkpoint_abort(void *self, sh_ctx *ctx, int64_t checkpoint_id) {
    /* Pending transactions stay pending: see the top of this file. */
    (void)self;
    (void)ctx;
    (void)checkpoint_id;
    return SH_OK;
}

static sh_status logsink_snapshot(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    logsink *s = self;
    out->data = NULL;
    out->len = 0;
    if (!s->transactional) return SH_OK;
    if (logsink_precommit(s, ctx, checkpoint_id) != SH_OK) return SH_ERROR;
    size_t len = 4 + 8 + 4 + (size_t)s->pending_count * LOGSINK_BLOB_ENTRY_BYTES;
    uint8_t *data = host->alloc(len);
    if (data == NULL) {
        host->set_error(ctx, "log sink: out of memory for the snapshot");
        return SH_ERROR;
    }
    memcpy(data, LOGSINK_BLOB_MAGIC, 4);
    plugin_put_le(data + 4, s->next_sequence, 8);
    plugin_put_le(data + 12, s->pending_count, 4);
    uint8_t *entry = data + 16;
    for (uint32_t i = 0; i < s->pending_count; i++, entry += LOGSINK_BLOB_ENTRY_BYTES) {
        plugin_put_le(entry, (uint64_t)s->pending[i].checkpoint, 8);
        plugin_put_le(entry + 8, s->pending[i].instance, 4);
        plugin_put_le(entry + 12, s->pending[i].sequence, 8);
    }
    out->data = data;
    out->len = len;
    return SH_OK;
}

static sh_status logsink_restore(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data, size_t len) {
    logsink *s = self;
    if (state_version != 1) {
        return plugin_fail(host, ctx, "log sink: cannot restore state version %u (this build writes version 1)",
                           (unsigned)state_version);
    }
    if (data == NULL || len == 0) return SH_OK;
    if (len < 16 || memcmp(data, LOGSINK_BLOB_MAGIC, 4) != 0) {
        return plugin_fail(host, ctx, "log sink: the snapshot to restore (%zu bytes) is not a log sink snapshot", len);
    }
    uint64_t next = plugin_get_le(data + 4, 8);
    uint64_t count = plugin_get_le(data + 12, 4);
    if (len != 16 + count * LOGSINK_BLOB_ENTRY_BYTES) {
        return plugin_fail(host, ctx,
                           "log sink: the snapshot to restore lists %" PRIu64 " transactions but holds %zu bytes "
                           "(expected %" PRIu64 ")",
                           count, len, 16 + count * LOGSINK_BLOB_ENTRY_BYTES);
    }
    if (next > s->next_sequence) s->next_sequence = next;
    const uint8_t *entry = data + 16;
    for (uint64_t i = 0; i < count; i++, entry += LOGSINK_BLOB_ENTRY_BYTES) {
        logsink_pending p = {
            .checkpoint = (int64_t)plugin_get_le(entry, 8),
            .instance = (uint32_t)plugin_get_le(entry + 8, 4),
            .sequence = plugin_get_le(entry + 12, 8),
            .txn = NULL,
        };
        /* The checkpoint being restored is complete: its pre-committed
         * transactions are committed now. */
        if (logsink_commit_pending(s, ctx, &p) != SH_OK) return SH_ERROR;
        if (p.sequence >= s->next_sequence) s->next_sequence = p.sequence + 1;
    }
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable logsink_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = logsink_create,
    .destroy = logsink_destroy,
    .open = logsink_open,
    .process = logsink_process,
    .snapshot = logsink_snapshot,
    .restore = logsink_restore,
    .on_checkpoint = logsink_on_checkpoint,
    .on_checkpoint_complete = logsink_on_checkpoint_complete,
    .on_checkpoint_abort = logsink_on_checkpoint_abort,
    .close = logsink_close,
};

static const sh_component logsink_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SINK,
    .name = "log",
    .description = "Appends records to a topic of the host's durable log (Kafka-compatible key partitioning)",
    .config_schema = logsink_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &logsink_vtable,
};

static const sh_component *const logsink_components[] = {&logsink_component};

SH_PLUGIN_ENTRY(host, "logsink", STREAMHOST_FIRST_PARTY_VERSION, logsink_components)
