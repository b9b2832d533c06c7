/*
 * sh_crc32c.h: CRC-32C (Castagnoli), the checksum of Kafka RecordBatch v2.
 *
 * Uses the CPU's crc32 instruction where it exists (SSE4.2 on x86-64, the
 * CRC extension on AArch64), checked at run time, and a slicing-by-8 table
 * otherwise. Both give the same result for every input.
 *
 * Chaining: sh_crc32c(sh_crc32c(0, a, n), b, m) equals the checksum of the
 * concatenation of a and b; a seed of 0 starts a new checksum.
 *
 * Thread safety: every function may be called from any thread at any time;
 * the software tables are built once, on first use, under pthread_once.
 */
#ifndef SH_CRC32C_H
#define SH_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Checksums --------------------------------------------------------- */

/*
 * Returns the CRC-32C of `length` bytes at `data`, continuing from `seed`
 * (0 for a fresh checksum). Picks the fastest implementation the CPU has.
 * `data` is borrowed until the call returns; it may be NULL when `length`
 * is 0.
 */
uint32_t sh_crc32c(uint32_t seed, const void *data, size_t length);

/* The portable slicing-by-8 implementation; same contract as sh_crc32c. */
uint32_t sh_crc32c_software(uint32_t seed, const void *data, size_t length);

/*
 * The instruction-based implementation; same contract as sh_crc32c. Valid
 * only when sh_crc32c_hardware_available() returns 1 (otherwise it would
 * execute an illegal instruction); exposed so tests can compare the two.
 */
uint32_t sh_crc32c_hardware(uint32_t seed, const void *data, size_t length);

/* ---- Capabilities ------------------------------------------------------ */

/* 1 when this CPU has a CRC-32C instruction that sh_crc32c uses, else 0. */
int sh_crc32c_hardware_available(void);

#ifdef __cplusplus
}
#endif

#endif /* SH_CRC32C_H */
