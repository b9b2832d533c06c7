/*
 * Fixture: the entry point refuses to load by returning NULL.
 */
#include "streamhost.h"

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api);

SH_EXPORT const sh_plugin_descriptor *streamhost_plugin_entry(const sh_host_api *api) {
    (void)api;
    return NULL;
}
