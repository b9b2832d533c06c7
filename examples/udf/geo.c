/* An example library of native functions (UDFs) for streamhost: great-circle
 * distances between coordinates, in scalar and vectorized forms, and one
 * function that can fail with an error code.
 *
 * It is a plain shared library: it includes nothing of streamhost and has no
 * descriptor, so a job file declares each function with its signature (see
 * job.yaml). geo_plugin.c wraps the same functions in a plugin whose
 * descriptor exports them, so that jobs can call them by name alone.
 *
 *   cc -shared -fPIC -O2 -o libgeo.so geo.c -lm
 *
 * Every function is thread-safe: the host calls them from several tasks at
 * once. */
#define _DEFAULT_SOURCE /* M_PI is not C11 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The mean Earth radius (IUGG), in kilometres. */
#define GEO_EARTH_RADIUS_KM 6371.0088

/* The error codes geo_parse_point returns. */
#define GEO_ERROR_SYNTAX 1
#define GEO_ERROR_RANGE 2

static double radians(double degrees) { return degrees * (M_PI / 180.0); }

/* The haversine distance in km between two points given in degrees.
 * Signature: double(double,double,double,double). */
double geo_distance_km(double latitude1, double longitude1, double latitude2, double longitude2) {
    double dlat = radians(latitude2 - latitude1);
    double dlon = radians(longitude2 - longitude1);
    double a = sin(dlat / 2) * sin(dlat / 2)
        + cos(radians(latitude1)) * cos(radians(latitude2)) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * GEO_EARTH_RADIUS_KM * asin(fmin(1.0, sqrt(a)));
}

/* The same over a batch: the form plugin authors are asked to prefer (one
 * call per batch instead of one per record). Declared with the same
 * signature, double(double,double,double,double), and `vectorized: true`.
 * Returns 0: it cannot fail. */
int32_t geo_distance_km_v(size_t n, const double *latitude1, const double *longitude1,
                          const double *latitude2, const double *longitude2, double *out) {
    for (size_t i = 0; i < n; i++) {
        out[i] = geo_distance_km(latitude1[i], longitude1[i], latitude2[i], longitude2[i]);
    }
    return 0;
}

/* The distance in km from a fixed depot (Paris, 48.8566 N 2.3522 E) to a
 * point given as "latitude,longitude" text: the error-code convention.
 * Signature: double!(const char*). Returns 0 and writes the distance to
 * *out, or GEO_ERROR_SYNTAX for text that is not two numbers, or
 * GEO_ERROR_RANGE for a latitude outside [-90, 90] or a longitude outside
 * [-180, 180]; the host sends such a record to the dead-letter topic. */
int32_t geo_depot_distance_km(const char *point, double *out) {
    double latitude, longitude;
    char extra;
    if (sscanf(point, " %lf , %lf %c", &latitude, &longitude, &extra) != 2) return GEO_ERROR_SYNTAX;
    if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180)) return GEO_ERROR_RANGE;
    *out = geo_distance_km(48.8566, 2.3522, latitude, longitude);
    return 0;
}

/* "N" "NE" "E"... the compass direction from the first point to the second,
 * as a string the caller frees with geo_free. Signature:
 * char*(double,double,double,double), free: geo_free. */
char *geo_bearing_name(double latitude1, double longitude1, double latitude2, double longitude2) {
    static const char *const names[] = {"N", "NE", "E", "SE", "S", "SW", "W", "NW"};
    double y = sin(radians(longitude2 - longitude1)) * cos(radians(latitude2));
    double x = cos(radians(latitude1)) * sin(radians(latitude2))
        - sin(radians(latitude1)) * cos(radians(latitude2)) * cos(radians(longitude2 - longitude1));
    double degrees = fmod(atan2(y, x) * 180.0 / M_PI + 360.0, 360.0);
    const char *name = names[(int)((degrees + 22.5) / 45.0) % 8];
    char *copy = malloc(strlen(name) + 1);
    if (copy != NULL) strcpy(copy, name);
    return copy;
}

/* Frees what geo_bearing_name returns. */
void geo_free(void *pointer) { free(pointer); }
