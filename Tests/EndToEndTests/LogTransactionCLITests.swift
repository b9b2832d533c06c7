import Foundation
import Testing
import TestKit

/// Transactions seen through the CLI: a job whose sink (a small C plugin
/// built here) writes through log_txn_* and commits, aborts or leaves its
/// transaction open; `consume` with each isolation level, and `topics
/// describe` showing the last stable offset.
@Suite("Log transactions in the CLI")
struct LogTransactionCLITests {
    let directory: TemporaryDirectory
    var data: String { directory.file("data") }

    init() throws { directory = try TemporaryDirectory(prefix: "log-txn-cli") }

    func cli(_ arguments: [String], input: String? = nil) throws -> ProcessOutcome {
        try CLI.run(arguments + ["--data-dir", data], input: input)
    }

    /// A sink that appends every batch to topic "t" partition 0 in the
    /// transaction `id`, and at close does `end`: commit, abort or nothing.
    static let source = #"""
        #include "streamhost.h"
        #include <stdlib.h>
        #include <string.h>
        static const sh_host_api *host;
        typedef struct { const char *id; const char *end; sh_log_txn *txn; } txsink;
        static sh_status create(sh_ctx *ctx, const sh_component *c, const char *json, size_t len, void **out) {
            (void)c; (void)json; (void)len;
            txsink *s = calloc(1, sizeof *s);
            if (host->config_string(ctx, "id", &s->id) != SH_OK || host->config_string(ctx, "end", &s->end) != SH_OK) {
                host->set_error(ctx, "txsink: config 'id' and 'end' are required");
                free(s);
                return SH_ERROR;
            }
            *out = s;
            return SH_OK;
        }
        static void destroy(void *self) { free(self); }
        static sh_status process(void *self, sh_ctx *ctx, const sh_batch *batch) {
            txsink *s = self;
            if (s->txn == NULL && host->log_txn_begin(ctx, s->id, &s->txn) != SH_OK) {
                host->set_error(ctx, host->last_error(ctx));
                return SH_ERROR;
            }
            if (host->log_txn_append(s->txn, "t", 0, batch) != SH_OK) {
                host->set_error(ctx, host->last_error(ctx));
                return SH_ERROR;
            }
            return SH_OK;
        }
        static sh_status close_(void *self, sh_ctx *ctx) {
            txsink *s = self;
            if (s->txn == NULL) return SH_OK;
            sh_status status = SH_OK;
            if (strcmp(s->end, "commit") == 0) status = host->log_txn_commit(s->txn);
            else if (strcmp(s->end, "abort") == 0) status = host->log_txn_abort(s->txn);
            if (status != SH_OK) host->set_error(ctx, host->last_error(ctx));
            return status;
        }
        static const sh_component_vtable vtable = {
            .struct_size = sizeof(sh_component_vtable), .create = create, .destroy = destroy,
            .process = process, .close = close_,
        };
        static const sh_component component = {
            .struct_size = sizeof(sh_component), .kind = SH_KIND_SINK, .name = "txsink",
            .description = "writes in a log transaction",
            .config_schema = "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
                             "\"end\":{\"type\":\"string\"}}}",
            .state_version = 1,
            .vtable = &vtable,
        };
        static const sh_component *const components[] = {&component};
        static const sh_plugin_descriptor descriptor = {
            SH_DESCRIPTOR_HEADER, .component_count = 1, .name = "txsink", .version = "1.0.0",
            .components = components,
        };
        SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);
        SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
            host = api;
            return &descriptor;
        }
        """#

    func plugin() throws -> String {
        let source = try directory.write("txsink.c", Self.source)
        let library = directory.file("libtxsink.so")
        try CPluginBuilder.build(source: source, output: library)
        return library
    }

    /// Runs a job writing `count` generated records through txsink.
    func write(id: String, end: String, count: Int, plugin: String) throws {
        let job = try directory.write("\(id).yaml", """
            name: writer
            pipeline:
              - {id: gen, source: datagen, config: {count: \(count)}}
              - {id: out, sink: txsink, config: {id: "\(id)", end: \(end)}}
            """)
        let run = try cli(["run", job, "--plugin", plugin])
        #expect(run.status == 0, "\(run.standardError)")
    }

    func consume(_ extra: [String] = []) throws -> [String] {
        let outcome = try cli(["consume", "t", "--from-beginning"] + extra)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return outcome.standardOutput.split(separator: "\n").map(String.init)
    }

    @Test func consumeReadsCommittedByDefaultAndEverythingWithReadUncommitted() throws {
        let plugin = try plugin()
        #expect(try cli(["topics", "create", "t"]).status == 0)
        try write(id: "a", end: "commit", count: 5, plugin: plugin)
        try write(id: "b", end: "abort", count: 7, plugin: plugin)
        #expect(try cli(["produce", "t"], input: "plain\n").status == 0)
        #expect(try consume().count == 6)
        #expect(try consume().last == "plain")
        #expect(try consume(["--isolation", "read_committed"]).count == 6)
        #expect(try consume(["--isolation", "read_uncommitted"]).count == 13)

        // An open transaction holds read-committed readers at its first offset.
        try write(id: "c", end: "leave", count: 3, plugin: plugin)
        #expect(try cli(["produce", "t"], input: "after\n").status == 0)
        #expect(try consume().count == 6)
        #expect(try consume(["--isolation", "read_uncommitted"]).count == 17)
        let describe = try cli(["topics", "describe", "t"])
        #expect(describe.standardOutput.contains("last stable offset 15"), "\(describe.standardOutput)")
        #expect(describe.standardOutput.contains("open transaction 'writer/out/c'"), "\(describe.standardOutput)")

        let bad = try cli(["consume", "t", "--isolation", "sometimes"])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("--isolation is 'sometimes'"))
    }
}
