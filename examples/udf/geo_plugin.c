/* geo.c's functions as a streamhost plugin: no components, only a
 * descriptor that exports the functions with their signatures, so that a
 * job loaded with `--plugin libgeo-plugin.so` calls them by name without
 * declaring them.
 *
 *   cc -shared -fPIC -O2 -I ../../SDK/include -o libgeo-plugin.so geo.c geo_plugin.c -lm */
#include "streamhost.h"

static const sh_function distance = {
    .struct_size = sizeof(sh_function),
    .flags = SH_FUNCTION_VECTORIZED, /* geo_distance_km_v takes whole columns */
    .name = "geo_distance_km",
    .symbol = "geo_distance_km_v",
    .signature = "double(double,double,double,double)",
};

static const sh_function depot_distance = {
    .struct_size = sizeof(sh_function),
    .name = "geo_depot_distance_km",
    .symbol = "geo_depot_distance_km",
    .signature = "double!(const char*)",
};

static const sh_function bearing = {
    .struct_size = sizeof(sh_function),
    .name = "geo_bearing_name",
    .symbol = "geo_bearing_name",
    .signature = "char*(double,double,double,double)",
    .free_symbol = "geo_free",
};

static const sh_function *const functions[] = {&distance, &depot_distance, &bearing};

SH_PLUGIN_FUNCTIONS_ENTRY("geo", "1.0.0", functions)
