/* crc32c.h - CRC-32C (Castagnoli's polynomial, iSCSI's and ext4's: reflected
 * 0x82F63B78, the register started at and finished with all ones), the
 * content hash of the cache (cache.h).
 *
 * crc32c(0, "123456789", 9) == 0xE3069283. On x86-64 with SSE4.2 (asked of
 * the CPU at run time) the crc32 instruction runs on three independent
 * streams, combined at the end of each stripe: its latency is three cycles
 * and its throughput one a cycle, so one stream alone would run at a third
 * of the speed. Elsewhere a table, a byte at a time. Both give the same
 * values. Guards against damage and edits, not against adversaries.
 */
#ifndef SM_CRC32C_H
#define SM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of the bytes before (crc: 0 for none) followed by p[0 .. len). */
uint32_t crc32c(uint32_t crc, const void *p, size_t len);

/* The CRC of A followed by B, from crc_a of A, crc_b of B and B's length:
 * pieces hashed apart (on threads) give the CRC of the whole. */
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* The table's way, whatever the CPU. */
/* For tests only. */
uint32_t crc32c_portable(uint32_t crc, const void *p, size_t len);

#endif
