/*
 * Drives SDK/include/streamhost_json.h for JSONTextTests (CHelperTests):
 *
 *   json_helper_check FILE...   one line per file: "<validate> <find>", the
 *                               status numbers of sh_json_validate and of
 *                               sh_json_find(text, "absent"), compared there
 *                               with the Swift readers on the same corpus.
 *   json_helper_check --self-test   the lookups and conversions; prints each
 *                               failed check and exits 1 if any failed.
 */
#include "streamhost_json.h"

#include <stdio.h>

static int failures;

#define CHECK(condition)                                                        \
    do {                                                                        \
        if (!(condition)) {                                                     \
            printf("check failed at line %d: %s\n", __LINE__, #condition);     \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static sh_json_status find(const char *text, const char *path, sh_json_value *out) {
    return sh_json_find(text, strlen(text), path, out, NULL);
}

static int self_test(void) {
    sh_json_value value;
    double number = 0;
    int64_t integer = 0;
    char buffer[16];
    size_t length = 0;
    size_t offset = 0;

    const char *order = "\xEF\xBB\xBF {\"id\":7,\"customer\":{\"name\":\"A\\u00e9\\ud83d\\ude00\",\"id\":-9223372036854775808},"
                        "\"amount\":12.5e1,\"tags\":[1,{\"x\":null}],\"big\":9223372036854775808}";
    CHECK(find(order, "id", &value) == SH_JSON_OK && value.kind == SH_JSON_NUMBER);
    CHECK(sh_json_int64(&value, &integer) == SH_JSON_OK && integer == 7);
    CHECK(find(order, "customer.id", &value) == SH_JSON_OK);
    CHECK(sh_json_int64(&value, &integer) == SH_JSON_OK && integer == INT64_MIN);
    CHECK(find(order, "big", &value) == SH_JSON_OK && sh_json_int64(&value, &integer) == SH_JSON_WRONG_TYPE);
    CHECK(find(order, "amount", &value) == SH_JSON_OK && sh_json_double(&value, &number) == SH_JSON_OK && number == 125);
    CHECK(sh_json_int64(&value, &integer) == SH_JSON_WRONG_TYPE);
    CHECK(find(order, "customer.name", &value) == SH_JSON_OK && value.kind == SH_JSON_STRING);
    CHECK(sh_json_string(&value, buffer, sizeof buffer, &length) == SH_JSON_OK && length == 7
          && memcmp(buffer, "A\xC3\xA9\xF0\x9F\x98\x80", 8) == 0);
    CHECK(sh_json_string(&value, buffer, 7, &length) == SH_JSON_TOO_SMALL && length == 7);
    CHECK(sh_json_double(&value, &number) == SH_JSON_WRONG_TYPE);
    CHECK(find(order, "tags", &value) == SH_JSON_OK && value.kind == SH_JSON_ARRAY && value.length == 14);
    CHECK(find(order, "tags.x", &value) == SH_JSON_NOT_AN_OBJECT);
    CHECK(find(order, "customer.absent", &value) == SH_JSON_MISSING);
    CHECK(find(order, "absent", &value) == SH_JSON_MISSING);
    /* Names match decoded, first duplicate wins. */
    CHECK(find("{\"\\u0061mount\":1,\"amount\":2}", "amount", &value) == SH_JSON_OK && value.text[0] == '1');
    CHECK(find("{\"caf\\u00e9\":3}", "caf\xC3\xA9", &value) == SH_JSON_OK && value.text[0] == '3');
    /* Faults: where, and what. */
    CHECK(sh_json_find("{\"a\":1,\"b\":\"\xFF\"}", 16, "c", &value, &offset) == SH_JSON_MALFORMED && offset == 12);
    CHECK(find("{\"a\":\"\\ud800\",\"b\":1}", "b", &value) == SH_JSON_MALFORMED);
    CHECK(find("{\"a\":1e400,\"b\":1}", "b", &value) == SH_JSON_MALFORMED);
    CHECK(find("{\"a\":1e-400,\"b\":1}", "b", &value) == SH_JSON_OK);
    CHECK(find("[1,2]", "a", &value) == SH_JSON_NOT_AN_OBJECT);
    CHECK(find("", "a", &value) == SH_JSON_MALFORMED);
    CHECK(sh_json_validate("{\"a\":1} x", 9, &offset) == SH_JSON_MALFORMED && offset == 8);
    /* Nesting is bounded at SH_JSON_NESTING_DEPTH_MAX. */
    static char deep[2 * (SH_JSON_NESTING_DEPTH_MAX + 1)];
    for (int depth = SH_JSON_NESTING_DEPTH_MAX; depth <= SH_JSON_NESTING_DEPTH_MAX + 1; depth++) {
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        sh_json_status status = sh_json_validate(deep, 2 * (size_t)depth, NULL);
        CHECK(status == (depth == SH_JSON_NESTING_DEPTH_MAX ? SH_JSON_OK : SH_JSON_MALFORMED));
    }
    return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--self-test") == 0) return self_test();
    static unsigned char text[1 << 16];
    for (int index = 1; index < argc; index++) {
        FILE *file = fopen(argv[index], "rb");
        if (file == NULL) {
            printf("cannot open %s\n", argv[index]);
            return 2;
        }
        size_t length = fread(text, 1, sizeof text, file);
        fclose(file);
        sh_json_value value;
        printf("%d %d\n", (int)sh_json_validate(text, length, NULL),
               (int)sh_json_find(text, length, "absent", &value, NULL));
    }
    return 0;
}
