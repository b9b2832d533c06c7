/*
 * logsource — reads a topic of the host's durable log: SOURCE "log".
 *
 * Uses only the log functions of the host-API table (SH_SERVICE_LOG):
 * log_partitions, log_reader_open(_isolated)/read/close, log_commit,
 * log_committed.
 *
 * Partitions. Instance i of p reads partitions i, i+p, i+2p, ... of the
 * topic (the partition count is read once, in open). An instance with no
 * partition (p larger than the partition count) emits nothing: bounded, it
 * ends at once; unbounded, it stays idle.
 *
 * Start position, per partition: with `group`, the group's committed offset
 * for the partition when the host has one (log_committed returns SH_OK);
 * when it has none (SH_NOT_FOUND), or without `group`, `start` decides:
 * earliest, latest, offset (`offset`, required then) or time (the first
 * record with timestamp >= `time`, required then). Any other status of
 * log_committed fails open rather than silently re-reading from `start`.
 * The schema marks `time` x-streamhost-time: the host turns ISO 8601 text
 * into integer ms at plan time, so create reads an integer either way.
 *
 * Polling. poll(max) visits the partitions round-robin, starting one
 * partition further at each poll so that no partition starves, reads up to
 * the records still allowed by max from each and forwards every batch it
 * gets with one emit_batch (the reader's batch is borrowed until the next
 * call on the reader; emit_batch copies it). The records' Kafka headers
 * come with them: the host's batch carries them as its headers column
 * (sh_batch.headers, ABI 1.3), which emit_batch copies too.
 *
 * bounded (default true): a partition is done the first time its reader
 * has no record available (log_reader_read returns SH_IDLE, or SH_END
 * should a host return that); the source returns SH_END once every assigned
 * partition is done. So a bounded source stops when the partitions have no
 * more records at the time of polling: it reads at least what the topic
 * held when it opened, plus whatever was appended before each partition
 * was drained. bounded false: the source never ends; it returns SH_IDLE
 * when no partition has a record now.
 *
 * Isolation (`isolation`, default read_committed): read-committed readers
 * never read past a partition's last stable offset and skip aborted
 * transactions; read_uncommitted reads every data record.
 *
 * Checkpoints (task info checkpoint_interval_ms > 0). snapshot writes the
 * next offset of every partition the instance has a position for; restore
 * (before open) remembers them, and open starts each assigned partition at
 * its restored offset, before any committed group offset or `start`. With
 * another parallelism every instance restores every old blob and keeps the
 * partitions it is now assigned (partitions are disjoint between old
 * instances). With `group`, offsets are committed in
 * on_checkpoint_complete(c): the positions snapshotted for c, so a
 * committed offset never runs ahead of what a completed checkpoint covers;
 * nothing is committed while polling. close still commits the positions
 * reached (end of a bounded input).
 *
 * Commits without checkpoints (with `group` only). The committed offset of
 * a partition is the offset of the next record to read (next_offset of the
 * last read), as in Kafka. Every commit_every_records records emitted by
 * the instance, and in close, the instance commits each partition whose
 * position moved since its last commit. A commit means "handed to the
 * host", not "processed downstream": a job that fails after a commit and
 * before its sinks wrote the records does not re-read them. destroy makes
 * no host calls: when close is skipped (failure, cancellation) nothing is
 * committed and the host releases the readers of the instance.
 *
 * Event time (`timestamp_field`). Without it a record keeps the log
 * record's timestamp. With it, each record is stamped with that top-level
 * field of its JSON value (a Flink table's WATERMARK FOR column of the
 * value: the SQL planner passes its name): a number of ms (a fraction is
 * dropped) or a string following the time text rule (PLUGIN_TIME_TEXT_RULE,
 * TimeText's, which the file source's timestamp_field follows too). A
 * record whose field is missing or null, is not a time, or whose value is
 * not a JSON object goes to the dead letters with a reason naming the
 * field, the topic and the partition; the others are emitted as one batch
 * (the reader's, with the new timestamps and a selection), and the job goes
 * on. The partition's position moves past the rejected records too.
 *
 * Counter "records": records emitted.
 */
#include "streamhost.h"
#include "plugin_support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char logsource_schema[] =
    "{"
    "\"type\":\"object\","
    "\"description\":\"Reads the partitions of a topic of the host's durable log.\","
    "\"properties\":{"
    "\"topic\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"The topic to read; it must exist.\"},"
    "\"group\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"Consumer group: start from its committed offsets and commit the positions read.\"},"
    "\"start\":{\"type\":\"string\",\"enum\":[\"earliest\",\"latest\",\"offset\",\"time\"],\"default\":\"earliest\","
    "\"description\":\"Where a partition without a committed offset starts: its first record, its end, "
    "'offset' or the first record whose timestamp is >= 'time'.\"},"
    "\"offset\":{\"type\":\"integer\",\"minimum\":0,"
    "\"description\":\"With start 'offset': the offset to start each partition at.\"},"
    "\"time\":{\"type\":[\"integer\",\"string\"],\"x-streamhost-time\":true,"
    "\"description\":\"With start 'time': ms since the Unix epoch or an ISO 8601 date-time "
    "(2026-01-01T00:00:00Z; no zone: UTC); the host hands the plugin ms.\"},"
    "\"bounded\":{\"type\":\"boolean\",\"default\":true,"
    "\"description\":\"true: end once every partition has no more records at the time of polling; "
    "false: keep polling for new records.\"},"
    "\"commit_every_records\":{\"type\":\"integer\",\"minimum\":1,\"default\":10000,"
    "\"description\":\"With group and without checkpoints: commit the positions every this many records (and on "
    "close).\"},"
    "\"timestamp_field\":{\"type\":\"string\",\"minLength\":1,"
    "\"description\":\"The field of the JSON value holding the record's event time: a number of ms since the "
    "epoch, or a string of ms or an ISO 8601 / RFC 3339 date-time (2026-01-01 10:00:00.250; no zone: UTC); default: "
    "the log record's timestamp. A record without it, or whose field is not a time, goes to the dead letters.\"},"
    "\"isolation\":{\"type\":\"string\",\"enum\":[\"read_committed\",\"read_uncommitted\"],"
    "\"default\":\"read_committed\","
    "\"description\":\"read_committed: records of committed transactions and plain ones, up to the last stable "
    "offset; read_uncommitted: every record.\"}"
    "},"
    "\"required\":[\"topic\"],"
    "\"additionalProperties\":false"
    "}";

typedef struct logsource_partition {
    uint32_t partition;
    sh_log_reader *reader;
    int64_t position;       /* next offset to read, when known */
    int has_position;
    int64_t committed;      /* last offset committed (or found committed) */
    int has_committed;
    int done;               /* bounded: drained */
} logsource_partition;

/* A position from a snapshot, or of a snapshot waiting for its checkpoint. */
typedef struct logsource_position {
    uint32_t partition;
    int64_t offset;
} logsource_position;

/* The positions snapshotted for a checkpoint not completed yet. */
typedef struct logsource_checkpoint {
    int64_t checkpoint;
    logsource_position *positions;
    uint32_t count;
} logsource_checkpoint;

/* The most checkpoints whose positions wait for completion. */
#define LOGSOURCE_CHECKPOINTS_MAX 64
#define LOGSOURCE_BLOB_MAGIC "LSR1"

typedef struct logsource {
    /* Config (strings BORROWED from the host until destroy). */
    int read_uncommitted;
    int checkpointing;      /* the job takes checkpoints (set in open) */
    logsource_position *restored;   /* from restore, until open */
    uint32_t restored_count;
    logsource_checkpoint checkpoints[LOGSOURCE_CHECKPOINTS_MAX];
    uint32_t checkpoint_count;
    const char *topic;
    const char *group;      /* NULL: no group */
    sh_log_start start;
    int64_t start_value;
    int bounded;
    int64_t commit_every;

    /* Assigned partitions. */
    logsource_partition *parts;
    uint32_t part_count;
    uint32_t cursor;        /* where the next poll starts */
    uint32_t done_count;
    uint64_t since_commit;  /* records emitted since the last commit */

    sh_counter_id records_counter;
    int has_records_counter;

    /* timestamp_field: the field, and per batch the new timestamps and the
     * rows kept (grown to the largest batch read). */
    const char *timestamp_field;    /* NULL: the log record's timestamp */
    int64_t *stamps;
    uint32_t *kept;
    size_t stamped_capacity;        /* entries of stamps and kept */
} logsource;

SH_PLUGIN_HOST(host);

static const char *const start_names[] = {"earliest", "latest", "offset", "time", NULL};

/* ------------------------------------------------------------------------ */
/* Config                                                                   */
/* ------------------------------------------------------------------------ */

static sh_status config_failure(sh_ctx *ctx, const char *key, const char *expected, sh_status status) {
    return plugin_config_failure(host, ctx, "log source", key, expected, status);
}

/* A string; *out stays NULL when absent and not required. */
static sh_status config_text(sh_ctx *ctx, const char *key, int required, const char **out) {
    const char *text = NULL;
    sh_status status = host->config_string(ctx, key, &text);
    if (status == SH_NOT_FOUND && !required) {
        *out = NULL;
        return SH_OK;
    }
    if (status == SH_NOT_FOUND) {
        return plugin_fail(host, ctx, "log source: config '%s' is required", key);
    }
    if (status != SH_OK) return config_failure(ctx, key, "a string", status);
    if (text == NULL || text[0] == '\0') {
        return plugin_fail(host, ctx, "log source: config '%s' must not be empty", key);
    }
    *out = text;
    return SH_OK;
}

/* An integer >= minimum; *present says whether it was given. */
static sh_status config_integer(sh_ctx *ctx, const char *key, int64_t minimum, int64_t *out, int *present) {
    int64_t value = 0;
    sh_status status = host->config_int64(ctx, key, &value);
    if (status == SH_NOT_FOUND) {
        *present = 0;
        return SH_OK;
    }
    if (status != SH_OK) return config_failure(ctx, key, "an integer", status);
    if (value < minimum) {
        return plugin_fail(host, ctx, "log source: config '%s' is %" PRId64 "; it must be >= %" PRId64, key, value,
                           minimum);
    }
    *out = value;
    *present = 1;
    return SH_OK;
}

static void logsource_destroy(void *self) {
    logsource *s = self;
    if (s == NULL) return;
    for (uint32_t i = 0; i < s->checkpoint_count; i++) free(s->checkpoints[i].positions);
    free(s->restored);
    free(s->parts);
    free(s->stamps);
    free(s->kept);
    free(s);
}

static sh_status logsource_create(sh_ctx *ctx, const sh_component *component, const char *config_json,
                                  size_t config_len, void **out) {
    (void)component;
    (void)config_json;
    (void)config_len;
    logsource *s = calloc(1, sizeof *s);
    if (s == NULL) {
        host->set_error(ctx, "log source: out of memory creating the instance");
        return SH_ERROR;
    }
    s->start = SH_TOPIC_START_EARLIEST;
    s->bounded = 1;
    s->commit_every = 10000;

    const char *start = NULL;
    if (config_text(ctx, "topic", 1, &s->topic) != SH_OK || config_text(ctx, "group", 0, &s->group) != SH_OK ||
        config_text(ctx, "start", 0, &start) != SH_OK ||
        config_text(ctx, "timestamp_field", 0, &s->timestamp_field) != SH_OK) {
        logsource_destroy(s);
        return SH_ERROR;
    }
    if (start != NULL) {
        int found = 0;
        for (int i = 0; start_names[i] != NULL; i++) {
            if (strcmp(start, start_names[i]) == 0) {
                s->start = (sh_log_start)i;
                found = 1;
            }
        }
        if (!found) {
            char message[256];
            snprintf(message, sizeof message,
                     "log source: config 'start' is \"%.100s\"; it must be one of earliest, latest, offset, time",
                     start);
            host->set_error(ctx, message);
            logsource_destroy(s);
            return SH_ERROR;
        }
    }

    int64_t offset = 0, time = 0, every = 10000;
    int has_offset = 0, has_time = 0, has_every = 0;
    if (config_integer(ctx, "offset", 0, &offset, &has_offset) != SH_OK ||
        config_integer(ctx, "time", INT64_MIN, &time, &has_time) != SH_OK ||
        config_integer(ctx, "commit_every_records", 1, &every, &has_every) != SH_OK) {
        logsource_destroy(s);
        return SH_ERROR;
    }
    if (has_every) s->commit_every = every;
    if (s->start == SH_TOPIC_START_OFFSET) {
        if (!has_offset) {
            host->set_error(ctx, "log source: config 'start' is \"offset\" but 'offset' is missing");
            logsource_destroy(s);
            return SH_ERROR;
        }
        s->start_value = offset;
    } else if (s->start == SH_TOPIC_START_TIME) {
        if (!has_time) {
            host->set_error(ctx, "log source: config 'start' is \"time\" but 'time' is missing");
            logsource_destroy(s);
            return SH_ERROR;
        }
        s->start_value = time;
    }

    int32_t bounded = 1;
    sh_status status = host->config_bool(ctx, "bounded", &bounded);
    if (status == SH_NOT_FOUND) {
        bounded = 1;
    } else if (status != SH_OK) {
        config_failure(ctx, "bounded", "a boolean", status);
        logsource_destroy(s);
        return SH_ERROR;
    }
    s->bounded = bounded != 0;

    const char *isolation = NULL;
    if (config_text(ctx, "isolation", 0, &isolation) != SH_OK) {
        logsource_destroy(s);
        return SH_ERROR;
    }
    if (isolation != NULL) {
        if (strcmp(isolation, "read_uncommitted") == 0) {
            s->read_uncommitted = 1;
        } else if (strcmp(isolation, "read_committed") != 0) {
            char message[256];
            snprintf(message, sizeof message,
                     "log source: config 'isolation' is \"%.100s\"; it must be one of read_committed, read_uncommitted",
                     isolation);
            host->set_error(ctx, message);
            logsource_destroy(s);
            return SH_ERROR;
        }
    }
    *out = s;
    return SH_OK;
}

/* ------------------------------------------------------------------------ */
/* Open, commit, close                                                      */
/* ------------------------------------------------------------------------ */

static void describe_start(char *buffer, size_t size, sh_log_start start, int64_t value) {
    switch (start) {
    case SH_TOPIC_START_EARLIEST: snprintf(buffer, size, "earliest"); break;
    case SH_TOPIC_START_LATEST: snprintf(buffer, size, "latest"); break;
    case SH_TOPIC_START_OFFSET: snprintf(buffer, size, "offset %" PRId64, value); break;
    case SH_TOPIC_START_TIME: snprintf(buffer, size, "time %" PRId64, value); break;
    default: snprintf(buffer, size, "start %d", (int)start); break;
    }
}

static sh_status logsource_open(void *self, sh_ctx *ctx, const sh_task_info *info) {
    logsource *s = self;
    /* Built against ABI 1.2, this plugin loads only on hosts of 1.2 or
     * newer (the loader refuses it elsewhere), so info has
     * checkpoint_interval_ms and the host has log_reader_open_isolated. */
    if (info->parallelism == 0 || info->instance >= info->parallelism) {
        return plugin_fail(host, ctx, "log source: task info says instance %u of %u, which is impossible",
                           (unsigned)info->instance, (unsigned)info->parallelism);
    }
    uint32_t instance = info->instance, parallelism = info->parallelism;
    s->checkpointing = info->checkpoint_interval_ms > 0;
    if (host->counter_register(ctx, "records", &s->records_counter) != SH_OK) {
        return plugin_fail(host, ctx, "log source: cannot register counter 'records': %s", host->last_error(ctx));
    }
    s->has_records_counter = 1;

    uint32_t partitions = 0;
    if (plugin_topic_partitions(host, ctx, "log source", s->topic, &partitions) != SH_OK) return SH_ERROR;

    s->part_count = instance < partitions ? (partitions - instance - 1) / parallelism + 1 : 0;
    if (s->part_count > 0) {
        s->parts = calloc(s->part_count, sizeof *s->parts);
        if (s->parts == NULL) {
            host->set_error(ctx, "log source: out of memory for the partitions");
            s->part_count = 0;
            return SH_ERROR;
        }
    } else {
        char message[300];
        snprintf(message, sizeof message,
                 "log source: topic '%.200s' has %u partitions; instance %u of %u has none to read",
                 s->topic, (unsigned)partitions, (unsigned)instance, (unsigned)parallelism);
        host->log(ctx, SH_MSG_WARN, message);
    }

    for (uint32_t k = 0; k < s->part_count; k++) {
        logsource_partition *p = &s->parts[k];
        p->partition = instance + k * parallelism;
        sh_log_start start = s->start;
        int64_t value = s->start_value;
        int restored = 0;
        for (uint32_t r = 0; r < s->restored_count; r++) {
            if (s->restored[r].partition == p->partition) {
                /* The checkpoint's position wins over the group's offset. */
                start = SH_TOPIC_START_OFFSET;
                value = s->restored[r].offset;
                restored = 1;
            }
        }
        if (s->group != NULL && !restored) {
            int64_t committed = 0;
            sh_status status = host->log_committed(ctx, s->group, s->topic, p->partition, &committed);
            if (status == SH_OK) {
                start = SH_TOPIC_START_OFFSET;
                value = committed;
                p->committed = committed;
                p->has_committed = 1;
            } else if (status != SH_NOT_FOUND) {
                return plugin_fail(host, ctx,
                                   "log source: cannot read the committed offset of group '%.150s' on topic '%.150s' "
                                   "partition %u (status %d): %s",
                                   s->group, s->topic, (unsigned)p->partition, (int)status, host->last_error(ctx));
            }
        }
        if (start == SH_TOPIC_START_OFFSET) {
            p->position = value;
            p->has_position = 1;
        }
        sh_status status = host->log_reader_open_isolated(
            ctx, s->topic, p->partition, start, value,
            s->read_uncommitted ? SH_TOPIC_READ_UNCOMMITTED : SH_TOPIC_READ_COMMITTED, &p->reader);
        if (status != SH_OK || p->reader == NULL) {
            char where[64], message[700];
            describe_start(where, sizeof where, start, value);
            snprintf(message, sizeof message,
                     "log source: cannot open a reader on topic '%.200s' partition %u at %s (status %d): %s",
                     s->topic, (unsigned)p->partition, where, (int)status, host->last_error(ctx));
            p->reader = NULL;
            host->set_error(ctx, message);
            return SH_ERROR;
        }
    }
    return SH_OK;
}

/* Commits every partition whose position moved since its last commit. */
static sh_status logsource_commit(logsource *s, sh_ctx *ctx) {
    s->since_commit = 0;
    if (s->group == NULL) return SH_OK;
    for (uint32_t k = 0; k < s->part_count; k++) {
        logsource_partition *p = &s->parts[k];
        if (!p->has_position || (p->has_committed && p->committed == p->position)) continue;
        sh_status status = host->log_commit(ctx, s->group, s->topic, p->partition, p->position);
        if (status != SH_OK) {
            return plugin_fail(host, ctx,
                               "log source: cannot commit offset %" PRId64 " for group '%.150s' on topic '%.150s' "
                               "partition %u (status %d): %s",
                               p->position, s->group, s->topic, (unsigned)p->partition, (int)status,
                               host->last_error(ctx));
        }
        p->committed = p->position;
        p->has_committed = 1;
    }
    return SH_OK;
}

static sh_status logsource_close(void *self, sh_ctx *ctx) {
    logsource *s = self;
    sh_status status = logsource_commit(s, ctx);
    for (uint32_t k = 0; k < s->part_count; k++) {
        if (s->parts[k].reader != NULL) {
            host->log_reader_close(s->parts[k].reader);
            s->parts[k].reader = NULL;
        }
    }
    return status;
}

/* ------------------------------------------------------------------------ */
/* Checkpoints                                                              */
/* ------------------------------------------------------------------------ */


/* Blob layout version 1 (little-endian): "LSR1", u16 topic length, the
 * topic's bytes, u32 count, then per partition u32 partition, i64 next
 * offset. */
static sh_status logsource_snapshot(void *self, sh_ctx *ctx, int64_t checkpoint_id, sh_blob *out) {
    logsource *s = self;
    out->data = NULL;
    out->len = 0;
    uint32_t count = 0;
    for (uint32_t k = 0; k < s->part_count; k++) count += s->parts[k].has_position ? 1 : 0;
    size_t topic_len = strlen(s->topic);
    size_t len = 4 + 2 + topic_len + 4 + (size_t)count * 12;
    uint8_t *data = host->alloc(len);
    logsource_position *positions = count > 0 ? malloc(sizeof *positions * count) : NULL;
    if (data == NULL || (count > 0 && positions == NULL)) {
        if (data != NULL) host->free(data);
        free(positions);
        host->set_error(ctx, "log source: out of memory for the snapshot");
        return SH_ERROR;
    }
    memcpy(data, LOGSOURCE_BLOB_MAGIC, 4);
    plugin_put_le(data + 4, topic_len, 2);
    memcpy(data + 6, s->topic, topic_len);
    plugin_put_le(data + 6 + topic_len, count, 4);
    uint8_t *entry = data + 10 + topic_len;
    uint32_t i = 0;
    for (uint32_t k = 0; k < s->part_count; k++) {
        logsource_partition *p = &s->parts[k];
        if (!p->has_position) continue;
        plugin_put_le(entry, p->partition, 4);
        plugin_put_le(entry + 4, (uint64_t)p->position, 8);
        entry += 12;
        positions[i++] = (logsource_position){p->partition, p->position};
    }
    /* Remembered for on_checkpoint_complete's group commit. */
    if (s->checkpointing && s->group != NULL) {
        if (s->checkpoint_count == LOGSOURCE_CHECKPOINTS_MAX) {
            /* Checkpoints keep failing: the oldest positions are overtaken
             * by later ones anyway. */
            free(s->checkpoints[0].positions);
            memmove(&s->checkpoints[0], &s->checkpoints[1], sizeof s->checkpoints[0] * (LOGSOURCE_CHECKPOINTS_MAX - 1));
            s->checkpoint_count--;
        }
        s->checkpoints[s->checkpoint_count++] = (logsource_checkpoint){checkpoint_id, positions, count};
    } else {
        free(positions);
    }
    out->data = data;
    out->len = len;
    return SH_OK;
}

static sh_status logsource_restore(void *self, sh_ctx *ctx, uint32_t state_version, const uint8_t *data,
                                   size_t len) {
    logsource *s = self;
    if (state_version != 1) {
        return plugin_fail(host, ctx, "log source: cannot restore state version %u (this build writes version 1)",
                           (unsigned)state_version);
    }
    if (data == NULL || len == 0) return SH_OK;
    if (len < 10 || memcmp(data, LOGSOURCE_BLOB_MAGIC, 4) != 0) {
        return plugin_fail(host, ctx, "log source: the snapshot to restore (%zu bytes) is not a log source snapshot",
                           len);
    }
    size_t topic_len = (size_t)plugin_get_le(data + 4, 2);
    if (len < 10 + topic_len) {
        return plugin_fail(host, ctx, "log source: the snapshot to restore is cut short (%zu bytes)", len);
    }
    uint64_t count = plugin_get_le(data + 6 + topic_len, 4);
    if (len != 10 + topic_len + count * 12) {
        return plugin_fail(host, ctx,
                           "log source: the snapshot to restore lists %" PRIu64 " partitions but holds %zu bytes", count,
                           len);
    }
    if (topic_len != strlen(s->topic) || memcmp(data + 6, s->topic, topic_len) != 0) {
        char message[600];
        snprintf(message, sizeof message,
                 "log source: the snapshot is of topic '%.*s', not '%.200s'; its positions are ignored",
                 (int)(topic_len > 200 ? 200 : topic_len), (const char *)(data + 6), s->topic);
        host->log(ctx, SH_MSG_WARN, message);
        return SH_OK;
    }
    logsource_position *grown = realloc(s->restored, sizeof *grown * (s->restored_count + count + 1));
    if (grown == NULL) {
        host->set_error(ctx, "log source: out of memory restoring positions");
        return SH_ERROR;
    }
    s->restored = grown;
    const uint8_t *entry = data + 10 + topic_len;
    for (uint64_t i = 0; i < count; i++, entry += 12) {
        s->restored[s->restored_count++] = (logsource_position){(uint32_t)plugin_get_le(entry, 4), (int64_t)plugin_get_le(entry + 4, 8)};
    }
    return SH_OK;
}

/* With a group: commits the positions snapshotted for the latest
 * checkpoint <= checkpoint_id, and forgets those checkpoints. */
static sh_status logsource_on_checkpoint_complete(void *self, sh_ctx *ctx, int64_t checkpoint_id) {
    logsource *s = self;
    int found = -1;
    for (uint32_t i = 0; i < s->checkpoint_count; i++) {
        if (s->checkpoints[i].checkpoint <= checkpoint_id) found = (int)i;
    }
    if (found < 0) return SH_OK;
    logsource_checkpoint *c = &s->checkpoints[found];
    sh_status result = SH_OK;
    for (uint32_t i = 0; i < c->count && result == SH_OK; i++) {
        sh_status status = host->log_commit(ctx, s->group, s->topic, c->positions[i].partition, c->positions[i].offset);
        if (status != SH_OK) {
            result = plugin_fail(host, ctx,
                                 "log source: cannot commit offset %" PRId64 " of checkpoint %" PRId64
                                 " for group '%.150s' on topic '%.150s' partition %u (status %d): %s",
                                 c->positions[i].offset, checkpoint_id, s->group, s->topic,
                                 (unsigned)c->positions[i].partition, (int)status, host->last_error(ctx));
        }
    }
    for (int i = 0; i <= found; i++) free(s->checkpoints[i].positions);
    memmove(&s->checkpoints[0], &s->checkpoints[found + 1],
            sizeof s->checkpoints[0] * (s->checkpoint_count - (uint32_t)found - 1));
    s->checkpoint_count -= (uint32_t)found + 1;
    return result;
}

/* ------------------------------------------------------------------------ */
/* Poll                                                                     */
/* ------------------------------------------------------------------------ */

/* The event time in `field` of a record's value into *out; 0 and the
 * reason in `reason` when it has none. */
static int field_time(const char *field, const uint8_t *value, size_t len, int is_null, int64_t *out, char *reason,
                      size_t reason_size) {
    const uint8_t *text = NULL;
    size_t text_len = 0;
    plugin_json_kind kind = is_null ? PLUGIN_JSON_INVALID : plugin_json_member(value, len, field, &text, &text_len);
    switch (kind) {
    case PLUGIN_JSON_INVALID:
        snprintf(reason, reason_size, "the value is not a JSON object, so it has no timestamp field '%.100s'", field);
        return 0;
    case PLUGIN_JSON_MISSING:
    case PLUGIN_JSON_NULL:
        snprintf(reason, reason_size, "timestamp field '%.100s' is %s", field,
                 kind == PLUGIN_JSON_NULL ? "null" : "missing");
        return 0;
    case PLUGIN_JSON_NUMBER: {
        if (plugin_time_text_ms(text, text_len, out)) return 1;
        /* A number with a fraction or an exponent: ms, the fraction dropped. */
        char number[64];
        if (text_len < sizeof number) {
            memcpy(number, text, text_len);
            number[text_len] = '\0';
            char *end = NULL;
            double ms = strtod(number, &end);
            if (end == number + text_len && ms >= -9.2e18 && ms <= 9.2e18) {
                *out = (int64_t)ms;
                return 1;
            }
        }
        break;
    }
    case PLUGIN_JSON_STRING:
        /* A time never needs an escape: text with one is no time. */
        if (memchr(text, '\\', text_len) == NULL && plugin_time_text_ms(text, text_len, out)) return 1;
        break;
    default:
        break;
    }
    snprintf(reason, reason_size, "timestamp field '%.100s' is not a time: use %s", field, PLUGIN_TIME_TEXT_RULE);
    return 0;
}

/* Emits a batch the reader gave, each record stamped with its
 * timestamp_field (or rejected with the reason); *emitted: how many. */
static sh_status emit_stamped(logsource *s, sh_ctx *ctx, const logsource_partition *p, const sh_batch *batch,
                              uint32_t *emitted) {
    *emitted = 0;
    if (batch->format == SH_FORMAT_COLUMNS) {
        return plugin_fail(host, ctx,
                           "log source: topic '%.200s' partition %u gave a batch of typed columns; timestamp_field "
                           "reads JSON values",
                           s->topic, (unsigned)p->partition);
    }
    if (batch->count > s->stamped_capacity) {
        size_t capacity = s->stamped_capacity == 0 ? 1024 : s->stamped_capacity;
        while (capacity < batch->count) capacity *= 2;
        int64_t *stamps = realloc(s->stamps, capacity * sizeof *stamps);
        if (stamps != NULL) s->stamps = stamps;
        uint32_t *kept = realloc(s->kept, capacity * sizeof *kept);
        if (kept != NULL) s->kept = kept;
        if (stamps == NULL || kept == NULL) {
            return plugin_fail(host, ctx, "log source: out of memory stamping a batch of %u records",
                               (unsigned)batch->count);
        }
        s->stamped_capacity = capacity;
    }
    uint32_t rows = batch->selection != NULL ? batch->selection_count : batch->count;
    uint32_t kept = 0;
    for (uint32_t position = 0; position < rows; position++) {
        uint32_t row = batch->selection != NULL ? batch->selection[position] : position;
        uint8_t flags = batch->flags != NULL ? batch->flags[row] : 0;
        const uint8_t *value = batch->values + batch->value_offsets[row];
        size_t value_len = batch->value_offsets[row + 1] - batch->value_offsets[row];
        char reason[512];
        int64_t time = batch->timestamps[row];
        if (field_time(s->timestamp_field, value, value_len, (flags & SH_RECORD_VALUE_NULL) != 0, &time, reason,
                       sizeof reason)) {
            s->stamps[row] = time;
            s->kept[kept++] = row;
            continue;
        }
        s->stamps[row] = batch->timestamps[row];
        char full[700];
        snprintf(full, sizeof full, "log source: topic '%.100s' partition %u: %s", s->topic, (unsigned)p->partition,
                 reason);
        int key_null = (flags & SH_RECORD_KEY_NULL) != 0 || batch->key_offsets == NULL;
        sh_record record = {
            .timestamp = batch->timestamps[row],
            .key = key_null ? NULL : batch->keys + batch->key_offsets[row],
            .key_len = key_null ? 0 : batch->key_offsets[row + 1] - batch->key_offsets[row],
            .value = (flags & SH_RECORD_VALUE_NULL) != 0 ? NULL : value,
            .value_len = value_len,
        };
        sh_status status = host->reject(ctx, &record, full);
        if (status != SH_OK) {
            return plugin_fail(host, ctx, "log source: rejecting a record of topic '%.200s' failed (status %d): %s",
                               s->topic, (int)status, host->last_error(ctx));
        }
    }
    if (kept == 0) return SH_OK;
    sh_batch stamped = *batch;
    stamped.timestamps = s->stamps;
    stamped.selection = kept == batch->count ? NULL : s->kept;
    stamped.selection_count = kept == batch->count ? 0 : kept;
    sh_status status = host->emit_batch(ctx, &stamped);
    if (status != SH_OK) {
        return plugin_fail(host, ctx,
                           "log source: emit_batch of %u records from topic '%.200s' partition %u failed (status %d): "
                           "%s",
                           (unsigned)kept, s->topic, (unsigned)p->partition, (int)status, host->last_error(ctx));
    }
    *emitted = kept;
    return SH_OK;
}

static sh_status logsource_poll(void *self, sh_ctx *ctx, uint32_t max) {
    logsource *s = self;
    if (s->bounded && s->done_count == s->part_count) return SH_END;
    uint32_t remaining = max;
    uint64_t emitted = 0;
    uint32_t n = s->part_count;
    uint32_t first = s->cursor;
    if (n > 0) s->cursor = (s->cursor + 1) % n;

    for (uint32_t visited = 0; visited < n && remaining > 0; visited++) {
        logsource_partition *p = &s->parts[(first + visited) % n];
        if (p->done || p->reader == NULL) continue;
        /* Drain this partition up to what max still allows, then move on. */
        while (remaining > 0) {
            const sh_batch *batch = NULL;
            int64_t next = p->position;
            sh_status status = host->log_reader_read(p->reader, remaining, &batch, &next);
            if (status == SH_IDLE || status == SH_END) {
                if (s->bounded || status == SH_END) {
                    p->done = 1;
                    s->done_count++;
                }
                break;
            }
            if (status != SH_OK) {
                char where[64], message[600];
                if (p->has_position) snprintf(where, sizeof where, " at offset %" PRId64, p->position);
                else where[0] = '\0';
                snprintf(message, sizeof message,
                         "log source: reading topic '%.200s' partition %u%s failed (status %d): %s", s->topic,
                         (unsigned)p->partition, where, (int)status, host->last_error(ctx));
                host->set_error(ctx, message);
                return SH_ERROR;
            }
            p->position = next;
            p->has_position = 1;
            if (batch == NULL || batch->count == 0) break; /* nothing this time; the next poll retries */
            uint32_t count = batch->count;
            if (s->timestamp_field != NULL) {
                /* Records read count against max whether emitted or rejected. */
                uint32_t stamped = 0;
                if (emit_stamped(s, ctx, p, batch, &stamped) != SH_OK) return SH_ERROR;
                emitted += stamped;
                s->since_commit += stamped;
                remaining = count >= remaining ? 0 : remaining - count;
                continue;
            }
            status = host->emit_batch(ctx, batch);
            if (status != SH_OK) {
                return plugin_fail(host, ctx,
                                   "log source: emit_batch of %u records from topic '%.200s' partition %u failed "
                                   "(status %d): %s",
                                   (unsigned)count, s->topic, (unsigned)p->partition, (int)status,
                                   host->last_error(ctx));
            }
            emitted += count;
            s->since_commit += count;
            remaining = count >= remaining ? 0 : remaining - count;
        }
    }

    if (emitted > 0 && s->has_records_counter) host->counter_add(ctx, s->records_counter, (int64_t)emitted);
    if (s->group != NULL && !s->checkpointing && s->since_commit >= (uint64_t)s->commit_every) {
        if (logsource_commit(s, ctx) != SH_OK) return SH_ERROR;
    }
    if (s->bounded && s->done_count == s->part_count) return SH_END;
    return emitted > 0 || max == 0 ? SH_OK : SH_IDLE;
}

/* ------------------------------------------------------------------------ */
/* The descriptor                                                           */
/* ------------------------------------------------------------------------ */

static const sh_component_vtable logsource_vtable = {
    .struct_size = sizeof(sh_component_vtable),
    .create = logsource_create,
    .destroy = logsource_destroy,
    .open = logsource_open,
    .poll = logsource_poll,
    .snapshot = logsource_snapshot,
    .restore = logsource_restore,
    .on_checkpoint_complete = logsource_on_checkpoint_complete,
    .close = logsource_close,
};

static const sh_component logsource_component = {
    .struct_size = sizeof(sh_component),
    .kind = SH_KIND_SOURCE,
    .name = "log",
    .description = "Reads a topic of the host's durable log, optionally as a consumer group",
    .config_schema = logsource_schema,
    .state_version = 1,
    .input_count = 0,
    .vtable = &logsource_vtable,
};

static const sh_component *const logsource_components[] = {&logsource_component};

SH_PLUGIN_ENTRY(host, "logsource", STREAMHOST_FIRST_PARTY_VERSION, logsource_components)
