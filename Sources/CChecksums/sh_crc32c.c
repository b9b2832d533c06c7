/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), see sh_crc32c.h.
 */
#include "sh_crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#endif

#define SH_CRC32C_POLYNOMIAL 0x82F63B78u

/* ---- Software: slicing-by-8 --------------------------------------------- */

/*
 * table[k][b] is the CRC of byte b followed by k zero bytes, so eight
 * table lookups advance the CRC by eight bytes at once.
 */
static uint32_t sh_crc32c_table[8][256];
static pthread_once_t sh_crc32c_table_once = PTHREAD_ONCE_INIT;

static void sh_crc32c_build_table(void) {
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = byte;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (SH_CRC32C_POLYNOMIAL & (0u - (crc & 1u)));
        }
        sh_crc32c_table[0][byte] = crc;
    }
    for (uint32_t byte = 0; byte < 256; byte++) {
        uint32_t crc = sh_crc32c_table[0][byte];
        for (int k = 1; k < 8; k++) {
            crc = (crc >> 8) ^ sh_crc32c_table[0][crc & 0xFF];
            sh_crc32c_table[k][byte] = crc;
        }
    }
}

/* Loads 8 bytes as a little-endian integer, whatever the host order. */
static inline uint64_t sh_load_le64(const unsigned char *p) {
    uint64_t value;
    memcpy(&value, p, sizeof value);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

uint32_t sh_crc32c_software(uint32_t seed, const void *data, size_t length) {
    pthread_once(&sh_crc32c_table_once, sh_crc32c_build_table);
    const unsigned char *p = data;
    uint32_t crc = ~seed;
    while (length >= 8) {
        uint64_t word = sh_load_le64(p) ^ crc;
        crc = sh_crc32c_table[7][word & 0xFF] ^
              sh_crc32c_table[6][(word >> 8) & 0xFF] ^
              sh_crc32c_table[5][(word >> 16) & 0xFF] ^
              sh_crc32c_table[4][(word >> 24) & 0xFF] ^
              sh_crc32c_table[3][(word >> 32) & 0xFF] ^
              sh_crc32c_table[2][(word >> 40) & 0xFF] ^
              sh_crc32c_table[1][(word >> 48) & 0xFF] ^
              sh_crc32c_table[0][word >> 56];
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = (crc >> 8) ^ sh_crc32c_table[0][(crc ^ *p) & 0xFF];
        p++;
        length--;
    }
    return ~crc;
}

/* ---- Hardware ----------------------------------------------------------- */

#if defined(__x86_64__)

__attribute__((target("sse4.2")))
uint32_t sh_crc32c_hardware(uint32_t seed, const void *data, size_t length) {
    const unsigned char *p = data;
    uint64_t crc = (uint32_t)~seed;
    /* Align to 8 bytes so the 8-byte loads below never split a cache line. */
    while (length > 0 && ((uintptr_t)p & 7) != 0) {
        crc = _mm_crc32_u8((uint32_t)crc, *p);
        p++;
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        crc = _mm_crc32_u64(crc, word);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = _mm_crc32_u8((uint32_t)crc, *p);
        p++;
        length--;
    }
    return ~(uint32_t)crc;
}

static int sh_crc32c_detect_hardware(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)

uint32_t sh_crc32c_hardware(uint32_t seed, const void *data, size_t length) {
    const unsigned char *p = data;
    uint32_t crc = ~seed;
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        crc = __crc32cd(crc, word);
        p += 8;
        length -= 8;
    }
    while (length > 0) {
        crc = __crc32cb(crc, *p);
        p++;
        length--;
    }
    return ~crc;
}

/* The compiler was told the CRC extension is present (__ARM_FEATURE_CRC32). */
static int sh_crc32c_detect_hardware(void) { return 1; }

#else

/* No instruction on this architecture: the "hardware" path is the table. */
uint32_t sh_crc32c_hardware(uint32_t seed, const void *data, size_t length) {
    return sh_crc32c_software(seed, data, length);
}

static int sh_crc32c_detect_hardware(void) { return 0; }

#endif

/* ---- Dispatch ----------------------------------------------------------- */

static int sh_crc32c_has_hardware;
static pthread_once_t sh_crc32c_detect_once = PTHREAD_ONCE_INIT;

static void sh_crc32c_detect(void) { sh_crc32c_has_hardware = sh_crc32c_detect_hardware(); }

int sh_crc32c_hardware_available(void) {
    pthread_once(&sh_crc32c_detect_once, sh_crc32c_detect);
    return sh_crc32c_has_hardware;
}

uint32_t sh_crc32c(uint32_t seed, const void *data, size_t length) {
    if (sh_crc32c_hardware_available()) return sh_crc32c_hardware(seed, data, length);
    return sh_crc32c_software(seed, data, length);
}
