/*
 * Compile-time checks of the ABI 1.x layout on LP64 platforms.
 *
 * These asserts freeze the offsets of members that plugins built against
 * ABI 1.0 rely on. Adding a member at the end of a struct (rule 4) keeps
 * them true; moving, removing or resizing one breaks the build here, which
 * is the point: such a change needs a new ABI major version.
 */
#include "streamhost.h"

#include <stddef.h>

#if defined(__LP64__) || defined(_LP64)
_Static_assert(offsetof(sh_plugin_descriptor, magic) == 0, "descriptor magic");
_Static_assert(offsetof(sh_plugin_descriptor, struct_size) == 4, "descriptor struct_size");
_Static_assert(offsetof(sh_plugin_descriptor, abi_major) == 8, "descriptor abi_major");
_Static_assert(offsetof(sh_plugin_descriptor, abi_minor) == 10, "descriptor abi_minor");
_Static_assert(offsetof(sh_plugin_descriptor, name) == 16, "descriptor name");
_Static_assert(offsetof(sh_plugin_descriptor, components) == 32, "descriptor components");
_Static_assert(sizeof(sh_plugin_descriptor) == 56, "descriptor size 1.0");
_Static_assert(offsetof(sh_function, flags) == 4, "function flags");
_Static_assert(offsetof(sh_function, name) == 8, "function name");
_Static_assert(offsetof(sh_function, free_symbol) == 32, "function free_symbol");
_Static_assert(sizeof(sh_function) == 40, "function size 1.0 (PluginABI.functionSize10)");

_Static_assert(offsetof(sh_component, kind) == 4, "component kind");
_Static_assert(offsetof(sh_component, name) == 8, "component name");
_Static_assert(offsetof(sh_component, vtable) == 40, "component vtable");
_Static_assert(offsetof(sh_component, vtable) + 8 == 48, "component: 1.0 members end at 48");

_Static_assert(offsetof(sh_component_vtable, create) == 8, "vtable create");
_Static_assert(offsetof(sh_component_vtable, close) == 8 + 13 * 8, "vtable close");
_Static_assert(offsetof(sh_component_vtable, close) + 8 == 8 + 14 * 8, "vtable: 1.0 members end at close");

_Static_assert(offsetof(sh_batch, count) == 4, "batch count");
_Static_assert(offsetof(sh_batch, timestamps) == 8, "batch timestamps");
_Static_assert(offsetof(sh_batch, flags) == 48, "batch flags");
_Static_assert(offsetof(sh_batch, reserved) + 4 == 64, "batch: 1.0 members end at 64");

_Static_assert(sizeof(sh_record) == 40, "record size 1.0");
_Static_assert(offsetof(sh_task_info, checkpoint_interval_ms) == 48, "task info: checkpoint_interval_ms (1.2)");
_Static_assert(offsetof(sh_task_info, checkpoint_interval_ms) + 8 == 56, "task info: 1.2 members end at 56");

_Static_assert(offsetof(sh_host_api, services) == 8, "host services");
_Static_assert(offsetof(sh_host_api, emit) == 24, "host emit");
_Static_assert(offsetof(sh_host_api, log_txn_abort) == 24 + 39 * 8, "host api: last 1.0 member");
_Static_assert(offsetof(sh_host_api, emit_watermark) == 24 + 40 * 8, "host api: emit_watermark (1.1)");
_Static_assert(offsetof(sh_host_api, log_txn_resume) == 24 + 41 * 8, "host api: log_txn_resume (1.2)");
_Static_assert(offsetof(sh_host_api, log_reader_open_isolated) == 24 + 42 * 8, "host api: log_reader_open_isolated (1.2)");
_Static_assert(offsetof(sh_host_api, emit_columns) == 24 + 43 * 8, "host api: emit_columns (1.3)");
_Static_assert(sizeof(sh_host_api) == 24 + 44 * 8, "host api size 1.3");

/* ABI 1.3: typed columns. The Arrow structs are the specification's; their
 * layout is the same on every LP64 platform. */
_Static_assert(offsetof(struct ArrowSchema, format) == 0, "ArrowSchema format");
_Static_assert(offsetof(struct ArrowSchema, name) == 8, "ArrowSchema name");
_Static_assert(offsetof(struct ArrowSchema, metadata) == 16, "ArrowSchema metadata");
_Static_assert(offsetof(struct ArrowSchema, flags) == 24, "ArrowSchema flags");
_Static_assert(offsetof(struct ArrowSchema, n_children) == 32, "ArrowSchema n_children");
_Static_assert(offsetof(struct ArrowSchema, children) == 40, "ArrowSchema children");
_Static_assert(offsetof(struct ArrowSchema, dictionary) == 48, "ArrowSchema dictionary");
_Static_assert(offsetof(struct ArrowSchema, release) == 56, "ArrowSchema release");
_Static_assert(offsetof(struct ArrowSchema, private_data) == 64, "ArrowSchema private_data");
_Static_assert(sizeof(struct ArrowSchema) == 72, "ArrowSchema size");
_Static_assert(offsetof(struct ArrowArray, length) == 0, "ArrowArray length");
_Static_assert(offsetof(struct ArrowArray, null_count) == 8, "ArrowArray null_count");
_Static_assert(offsetof(struct ArrowArray, offset) == 16, "ArrowArray offset");
_Static_assert(offsetof(struct ArrowArray, n_buffers) == 24, "ArrowArray n_buffers");
_Static_assert(offsetof(struct ArrowArray, n_children) == 32, "ArrowArray n_children");
_Static_assert(offsetof(struct ArrowArray, buffers) == 40, "ArrowArray buffers");
_Static_assert(offsetof(struct ArrowArray, children) == 48, "ArrowArray children");
_Static_assert(offsetof(struct ArrowArray, dictionary) == 56, "ArrowArray dictionary");
_Static_assert(offsetof(struct ArrowArray, release) == 64, "ArrowArray release");
_Static_assert(offsetof(struct ArrowArray, private_data) == 72, "ArrowArray private_data");
_Static_assert(sizeof(struct ArrowArray) == 80, "ArrowArray size");

_Static_assert(offsetof(sh_batch, reserved) == 60, "batch: last 1.0 member");
_Static_assert(offsetof(sh_batch, format) == 64, "batch format (1.3)");
_Static_assert(offsetof(sh_batch, selection_count) == 68, "batch selection_count (1.3)");
_Static_assert(offsetof(sh_batch, schema) == 72, "batch schema (1.3)");
_Static_assert(offsetof(sh_batch, columns) == 80, "batch columns (1.3)");
_Static_assert(offsetof(sh_batch, selection) == 88, "batch selection (1.3)");
_Static_assert(offsetof(sh_batch, headers) == 96, "batch headers (1.3)");
_Static_assert(sizeof(sh_batch) == 104, "batch size 1.3");

_Static_assert(offsetof(sh_task_info, input_format) == 56, "task info: input_format (1.3)");
_Static_assert(offsetof(sh_task_info, output_format) == 60, "task info: output_format (1.3)");
_Static_assert(sizeof(sh_task_info) == 64, "task info size 1.3");

_Static_assert(offsetof(sh_component, input_formats) == 48, "component input_formats (1.3)");
_Static_assert(offsetof(sh_component, output_formats) == 52, "component output_formats (1.3)");
_Static_assert(sizeof(sh_component) == 56, "component size 1.3");

_Static_assert(offsetof(sh_component_vtable, output_schema) == 8 + 14 * 8, "vtable output_schema (1.3)");
_Static_assert(sizeof(sh_component_vtable) == 8 + 15 * 8, "vtable size 1.3");
#endif

/* Values plugins compiled in: the new names and the deprecated aliases of
 * the two "logs" and the function flag must never drift apart. */
_Static_assert(SH_MSG_TRACE == 0 && SH_MSG_ERROR == 4 && SH_LOG_INFO == SH_MSG_INFO, "message log levels");
_Static_assert(SH_CLOSED == 8 && SH_WRONG_THREAD == 9, "status codes (SH_WRONG_THREAD: 1.3)");
_Static_assert(sizeof(sh_log_level) == 4 && sizeof(sh_log_start) == 4, "enum sizes");
_Static_assert(sizeof(sh_component_kind) == 4 && sizeof(sh_state_kind) == 4 && sizeof(sh_time_domain) == 4
                   && sizeof(sh_migration_kind) == 4 && sizeof(sh_log_isolation) == 4,
               "enum sizes: every enum of the header is int-sized (rule 4)");
_Static_assert(SH_TOPIC_START_EARLIEST == 0 && SH_TOPIC_START_TIME == 3 && SH_LOG_START_TIME == SH_TOPIC_START_TIME,
               "topic reader starts");
_Static_assert(SH_TOPIC_READ_UNCOMMITTED == 1 && SH_LOG_READ_UNCOMMITTED == 1, "topic isolation");
_Static_assert(SH_SERVICE_TOPICS == 8 && SH_SERVICE_LOG == SH_SERVICE_TOPICS, "topics service bit");
_Static_assert(SH_FUNCTION_VECTORIZED == 1, "function flag: vectorized");
_Static_assert(SH_FORMAT_BYTES == 1 && SH_FORMAT_COLUMNS == 2, "formats (1.3)");
_Static_assert(ARROW_FLAG_DICTIONARY_ORDERED == 1 && ARROW_FLAG_NULLABLE == 2 && ARROW_FLAG_MAP_KEYS_SORTED == 4,
               "Arrow flags");

/* The ABI version this header declares, for diagnostics. Hidden: plugins
 * built by SwiftPM link this file and must export nothing but their entry. */
__attribute__((visibility("hidden"))) const char *sh_abi_version_string(void);
__attribute__((visibility("hidden"))) const char *sh_abi_version_string(void) {
    return "1.3";
}
