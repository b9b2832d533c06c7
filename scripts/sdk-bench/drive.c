/*
 * drive.c — Benchmark 16 (docs/BENCHMARKS.md): the big-orders operator in C,
 * Rust and Go on the same records, in one process, through their vtables.
 *
 *   drive INPUT.jsonl ROUNDS MIN_AMOUNT LIB:COMPONENT...
 *
 * Reads INPUT (one record value per line) into bytes batches of 1,024
 * records with null keys, loads each library with dlopen as the host does,
 * creates one instance per component (config {"min_amount": MIN_AMOUNT}),
 * and hands it every batch, ROUNDS times, the components alternating within
 * each round. The host table here does the least a host can: emit,
 * emit_batch (its selection) and reject count, counters add up, nothing is copied. So the times are the
 * operators' own (the JSON look-up, the comparison, the calls back into the
 * host), not the runtime's. Prints per round and component the process CPU
 * time and the records per CPU second, and checks that every component
 * emitted and rejected the same counts.
 */
#define _POSIX_C_SOURCE 200809L
#include "streamhost.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BATCH_RECORDS = 1024, COMPONENTS_MAX = 8 };

static int64_t emitted, rejected, counted;
static double min_amount;

static sh_status emit(sh_ctx *ctx, const sh_record *record) {
    (void)ctx;
    (void)record;
    emitted++;
    return SH_OK;
}
/* A filter's zero-copy output: the records a batch (with its selection)
 * passes on. */
static sh_status emit_batch(sh_ctx *ctx, const sh_batch *batch) {
    (void)ctx;
    emitted += batch->selection != NULL ? batch->selection_count : batch->count;
    return SH_OK;
}
static sh_status reject(sh_ctx *ctx, const sh_record *record, const char *reason) {
    (void)ctx;
    (void)record;
    (void)reason;
    rejected++;
    return SH_OK;
}
static void set_error(sh_ctx *ctx, const char *message) {
    (void)ctx;
    fprintf(stderr, "drive: plugin error: %s\n", message);
}
static const char *last_error(sh_ctx *ctx) {
    (void)ctx;
    return "";
}
static void log_line(sh_ctx *ctx, sh_log_level level, const char *message) {
    (void)ctx;
    (void)level;
    fprintf(stderr, "drive: plugin log: %s\n", message);
}
static sh_status counter_register(sh_ctx *ctx, const char *name, sh_counter_id *out) {
    (void)ctx;
    (void)name;
    *out = 0;
    return SH_OK;
}
static void counter_add(sh_ctx *ctx, sh_counter_id counter, int64_t delta) {
    (void)ctx;
    (void)counter;
    counted += delta;
}
static sh_status config_double(sh_ctx *ctx, const char *key, double *out) {
    (void)ctx;
    if (strcmp(key, "min_amount") != 0) return SH_NOT_FOUND;
    *out = min_amount;
    return SH_OK;
}
static sh_status state_register(sh_ctx *ctx, const sh_state_desc *desc, sh_state_id *out) {
    (void)ctx;
    (void)desc;
    *out = 0;
    return SH_OK;
}

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct component_run {
    const char *label;
    const sh_component *component;
    void *instance;
} component_run;

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: drive INPUT.jsonl ROUNDS MIN_AMOUNT LIB:COMPONENT...\n");
        return 2;
    }
    int rounds = atoi(argv[2]);
    min_amount = atof(argv[3]);

    /* The input, as batches over one value buffer. */
    FILE *file = fopen(argv[1], "r");
    if (file == NULL) {
        perror(argv[1]);
        return 1;
    }
    size_t capacity = 1 << 20, used = 0, lines = 0, lines_capacity = 1 << 16;
    uint8_t *values = malloc(capacity);
    uint32_t *starts = malloc(sizeof(uint32_t) * lines_capacity);
    char *line = NULL;
    size_t line_capacity = 0;
    ssize_t length;
    while ((length = getline(&line, &line_capacity, file)) > 0) {
        if (line[length - 1] == '\n') length--;
        if (used + (size_t)length > capacity) values = realloc(values, capacity *= 2);
        if (lines + 2 > lines_capacity) starts = realloc(starts, sizeof(uint32_t) * (lines_capacity *= 2));
        starts[lines++] = (uint32_t)used;
        memcpy(values + used, line, (size_t)length);
        used += (size_t)length;
    }
    starts[lines] = (uint32_t)used;
    fclose(file);
    free(line);
    size_t batch_count = (lines + BATCH_RECORDS - 1) / BATCH_RECORDS;
    sh_batch *batches = calloc(batch_count, sizeof(sh_batch));
    uint32_t *offsets = malloc(sizeof(uint32_t) * (lines + batch_count));
    int64_t *timestamps = calloc(BATCH_RECORDS, sizeof(int64_t));
    for (size_t b = 0; b < batch_count; b++) {
        size_t first = b * BATCH_RECORDS;
        size_t count = lines - first < BATCH_RECORDS ? lines - first : BATCH_RECORDS;
        uint32_t *own = offsets + first + b;
        for (size_t i = 0; i <= count; i++) own[i] = starts[first + i] - starts[first];
        batches[b] = (sh_batch){.struct_size = sizeof(sh_batch), .count = (uint32_t)count, .timestamps = timestamps,
                                .value_offsets = own, .values = values + starts[first], .format = SH_FORMAT_BYTES};
    }

    static sh_host_api host;
    host.struct_size = sizeof host;
    host.abi_major = SH_ABI_MAJOR;
    host.abi_minor = SH_ABI_MINOR;
    host.services = SH_SERVICE_CORE | SH_SERVICE_KEYED_STATE;
    host.host_version = "bench";
    host.emit = emit;
    host.emit_batch = emit_batch;
    host.reject = reject;
    host.set_error = set_error;
    host.last_error = last_error;
    host.log = log_line;
    host.counter_register = counter_register;
    host.counter_add = counter_add;
    host.config_double = config_double;
    host.state_register = state_register;

    component_run runs[COMPONENTS_MAX];
    int run_count = 0;
    for (int a = 4; a < argc && run_count < COMPONENTS_MAX; a++) {
        char *spec = strdup(argv[a]);
        char *colon = strrchr(spec, ':');
        if (colon == NULL) {
            fprintf(stderr, "drive: %s is not LIB:COMPONENT\n", argv[a]);
            return 2;
        }
        *colon = 0;
        void *library = dlopen(spec, RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) {
            fprintf(stderr, "drive: %s\n", dlerror());
            return 1;
        }
        sh_plugin_entry_fn entry = (sh_plugin_entry_fn)dlsym(library, SH_PLUGIN_ENTRY_SYMBOL);
        const sh_plugin_descriptor *descriptor = entry != NULL ? entry(&host) : NULL;
        if (descriptor == NULL) {
            fprintf(stderr, "drive: %s has no usable entry point\n", spec);
            return 1;
        }
        const sh_component *found = NULL;
        for (uint32_t c = 0; c < descriptor->component_count; c++) {
            if (strcmp(descriptor->components[c]->name, colon + 1) == 0) found = descriptor->components[c];
        }
        if (found == NULL) {
            fprintf(stderr, "drive: %s has no component %s\n", spec, colon + 1);
            return 1;
        }
        void *instance = NULL;
        const char *config = "{}";
        sh_ctx *ctx = (sh_ctx *)&host; /* never dereferenced by this host */
        if (found->vtable->create(ctx, found, config, strlen(config), &instance) != SH_OK) return 1;
        if (found->vtable->open != NULL) {
            sh_task_info info = {.struct_size = sizeof info, .parallelism = 1, .max_parallelism = 128,
                                 .key_group_last = 127, .input_count = 1, .job_name = "bench", .step_id = "big",
                                 .input_format = SH_FORMAT_BYTES, .output_format = SH_FORMAT_BYTES};
            if (found->vtable->open(instance, ctx, &info) != SH_OK) return 1;
        }
        runs[run_count++] = (component_run){.label = colon + 1, .component = found, .instance = instance};
    }

    printf("%zu records in %zu batches, %d rounds\n", lines, batch_count, rounds);
    int64_t first_emitted = -1, first_rejected = -1;
    for (int round = 1; round <= rounds; round++) {
        for (int r = 0; r < run_count; r++) {
            emitted = rejected = counted = 0;
            sh_ctx *ctx = (sh_ctx *)&host;
            double start = cpu_seconds();
            for (size_t b = 0; b < batch_count; b++) {
                if (runs[r].component->vtable->process(runs[r].instance, ctx, &batches[b]) != SH_OK) return 1;
            }
            double seconds = cpu_seconds() - start;
            printf("round %d  %-18s cpu %.3f s  %.1f ns/record  %.2f M records/cpu-s  emitted %lld rejected %lld "
                   "dropped %lld\n",
                   round, runs[r].label, seconds, seconds * 1e9 / (double)lines, (double)lines / seconds / 1e6,
                   (long long)emitted, (long long)rejected, (long long)counted);
            if (first_emitted < 0) {
                first_emitted = emitted;
                first_rejected = rejected;
            } else if (emitted != first_emitted || rejected != first_rejected) {
                fprintf(stderr, "drive: %s emitted/rejected %lld/%lld, the first %lld/%lld\n", runs[r].label,
                        (long long)emitted, (long long)rejected, (long long)first_emitted,
                        (long long)first_rejected);
                return 1;
            }
        }
    }
    for (int r = 0; r < run_count; r++) runs[r].component->vtable->destroy(runs[r].instance);
    return 0;
}
