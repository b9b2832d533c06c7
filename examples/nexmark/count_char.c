/* Nexmark q14's count_char as a native function: the rule of nexmark/nexmark's
 * Java UDF com.github.nexmark.flink.udf.CountChar (the number of characters
 * of `text` equal to the first character of `character`; 0 for a null
 * text), for `CREATE FUNCTION count_char AS 'nexmark_count_char' LANGUAGE C
 * USING LIBRARY 'libcountchar.so'`.
 *
 *   cc -shared -fPIC -O2 -I ../../SDK/include -o libcountchar.so count_char.c
 *
 * A plain C function, plus a descriptor that exports it with its signature
 * (no components), from which the SQL planner takes the function's types:
 * SQL's CREATE FUNCTION names the library and the symbol, not the types.
 * Java compares UTF-16 units, this compares bytes: the same for the ASCII
 * texts of Nexmark's events (and `character` 'c'). A null `character`, or
 * an empty one (Java would throw), counts nothing. */
#include "streamhost.h"
#include <stdint.h>

int64_t nexmark_count_char(const char *text, const char *character) {
    if (text == NULL || character == NULL || character[0] == '\0') return 0;
    int64_t count = 0;
    for (const char *at = text; *at != '\0'; at++) {
        if (*at == character[0]) count++;
    }
    return count;
}

static const sh_function count_char = {
    .struct_size = sizeof(sh_function),
    .name = "count_char",
    .symbol = "nexmark_count_char",
    .signature = "int64(const char*,const char*)",
};

static const sh_function *const functions[] = {&count_char};

SH_PLUGIN_FUNCTIONS_ENTRY("nexmark-count-char", "1.0.0", functions)
