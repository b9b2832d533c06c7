/*
 * Fixture: a plugin that says it was built by another Swift toolchain, as a
 * plugin written with the Swift kit and built with Swift 5.8 would (the kit
 * exports streamhost_swift_compiler). The loader must refuse it before its
 * entry point runs; fixture_entry_calls counts the calls.
 */
#include "streamhost.h"

SH_EXPORT int fixture_entry_calls;

SH_EXPORT const char *streamhost_swift_compiler(void);
SH_EXPORT const char *streamhost_swift_compiler(void) { return "5.8"; }

static const sh_plugin_descriptor descriptor = {
    SH_DESCRIPTOR_HEADER,
    .component_count = 0,
    .name = "fixture-other-swift",
    .version = "1.0.0",
};

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *host) {
    (void)host;
    fixture_entry_calls++;
    return &descriptor;
}
