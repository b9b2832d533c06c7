/* Native functions for NativeFunctionsTests: every supported type in and
 * out, strings with a counting free function, the error-code convention,
 * vectorized forms, and symbols that are data rather than code. A plain
 * shared library: no streamhost descriptor. */
/* strdup is POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Per thread, so that tests running in parallel on other threads do not
 * disturb each other's counts (the host frees on the calling thread). */
static _Thread_local int64_t frees;

/* Frees strings the functions below return, and counts them. */
void fx_free(void *pointer) {
    if (pointer == NULL) return;
    frees++;
    free(pointer);
}

/* How many strings fx_free freed on this thread. */
int64_t fx_free_count(void) { return frees; }

int32_t fx_add_i32(int32_t a, int32_t b) { return a + b; }
int64_t fx_mul_i64(int64_t a, int64_t b) { return a * b; }
double fx_hypot(double a, double b) { return sqrt(a * a + b * b); }
float fx_half(float a) { return a / 2.0f; }
bool fx_not(bool a) { return !a; }
int32_t fx_negative_i32(void) { return -5; }
int64_t fx_strlen(const char *s) { return (int64_t)strlen(s); }
const char *fx_greeting(void) { return "héllo"; }

/* Every parameter type at once: a checksum that shows each arrived intact. */
double fx_mixed(int32_t a, int64_t b, double c, float d, bool e, const char *f) {
    return (double)a + (double)b + c + (double)d + (e ? 1000.0 : 0.0) + (double)strlen(f) * 10000.0;
}

double fx_sum16(double a1, double a2, double a3, double a4, double a5, double a6, double a7, double a8,
                double a9, double a10, double a11, double a12, double a13, double a14, double a15, double a16) {
    return a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15 + a16;
}

/* s repeated times times, allocated: free with fx_free. */
char *fx_repeat(const char *s, int32_t times) {
    size_t length = strlen(s);
    char *out = malloc(length * (size_t)(times > 0 ? times : 0) + 1);
    if (out == NULL) return NULL;
    for (int32_t i = 0; i < times; i++) memcpy(out + length * (size_t)i, s, length);
    out[length * (size_t)(times > 0 ? times : 0)] = '\0';
    return out;
}

/* NULL for an empty string: a null result. */
char *fx_null_if_empty(const char *s) {
    if (s[0] == '\0') return NULL;
    return strdup(s);
}

/* Bytes that are not UTF-8. */
char *fx_bad_utf8(void) { return strdup("\xff\xfe"); }

/* The error-code convention: 0 and the result through out, or a code. */
int32_t fx_safe_div(int64_t a, int64_t b, int64_t *out) {
    if (b == 0) return 22;
    *out = a / b;
    return 0;
}

/* Fails with 5 on an empty string, after allocating (the host frees it). */
int32_t fx_upper(const char *s, char **out) {
    char *copy = strdup(s);
    if (copy == NULL) return 12;
    for (char *c = copy; *c; c++) if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
    *out = copy;
    return s[0] == '\0' ? 5 : 0;
}

/* Vectorized forms. */
int32_t fx_hypot_v(size_t n, const double *a, const double *b, double *out) {
    for (size_t i = 0; i < n; i++) out[i] = sqrt(a[i] * a[i] + b[i] * b[i]);
    return 0;
}

int32_t fx_not_v(size_t n, const bool *a, bool *out) {
    for (size_t i = 0; i < n; i++) out[i] = !a[i];
    return 0;
}

int32_t fx_add_i32_v(size_t n, const int32_t *a, const int32_t *b, int32_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
    return 0;
}

int32_t fx_half_v(size_t n, const float *a, float *out) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] / 2.0f;
    return 0;
}

int32_t fx_repeat_v(size_t n, const char *const *s, const int32_t *times, char **out) {
    for (size_t i = 0; i < n; i++) out[i] = fx_repeat(s[i], times[i]);
    return 0;
}

/* Per-record codes: 22 where b is 0. */
int32_t fx_safe_div_v(size_t n, const int64_t *a, const int64_t *b, int64_t *out, int32_t *errors) {
    for (size_t i = 0; i < n; i++) {
        if (b[i] == 0) { errors[i] = 22; continue; }
        out[i] = a[i] / b[i];
    }
    return 0;
}

/* Fails the whole call with 7, after allocating every string. */
int32_t fx_fail_v(size_t n, const char *const *s, char **out) {
    for (size_t i = 0; i < n; i++) out[i] = strdup(s[i]);
    return 7;
}

/* Data, not code. */
int fx_data_object = 42;
const double fx_table[4] = {1, 2, 3, 4};
