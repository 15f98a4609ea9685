/* test_crc32c.c - CRC-32C (crc32c.h) against published test vectors, the
 * crc32 instruction's way against the table's, and pieces combined against
 * the whole. */
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "test.h"

/* "123456789" (the check value of the CRC catalogues) and RFC 3720's
 * (iSCSI) 32-byte vectors, by both ways. */
static void test_known_vectors(void)
{
    unsigned char zeros[32] = {0}, ones[32], up[32], down[32];
    for (int i = 0; i < 32; i++) {
        ones[i] = 0xff;
        up[i] = (unsigned char)i;
        down[i] = (unsigned char)(31 - i);
    }
    const struct {
        const void *bytes;
        size_t len;
        uint32_t crc;
    } cases[] = {{"123456789", 9, 0xE3069283u}, {"", 0, 0u},
                 {zeros, 32, 0x8A9136AAu},      {ones, 32, 0x62A8AB43u},
                 {up, 32, 0x46DD794Eu},         {down, 32, 0x113FDB5Cu}};
    for (int64_t i = 0; i < TEST_N_OF(cases); i++) {
        CHECK(crc32c(0, cases[i].bytes, cases[i].len) == cases[i].crc);
        CHECK(crc32c_portable(0, cases[i].bytes, cases[i].len) == cases[i].crc);
    }
    /* continued: the CRC of the bytes before is the start */
    CHECK(crc32c(crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u);
}

/* Every length up to past three long stripes (3 x 16 KiB), from odd
 * addresses too: the streams, their combination and the tails agree with
 * the table, byte for byte. */
static void test_instruction_matches_table(void)
{
    size_t n = 3 * 16384 + 3 * 512 + 64;
    unsigned char *b = malloc(n + 8);
    if (!CHECK(b != NULL))
        return;
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < n + 8; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    int bad = 0;
    for (size_t len = 0; len <= n; len += len < 1600 ? 1 : 61)
        for (size_t at = 0; at < 8; at += 3)
            bad += crc32c(0x12345678u, b + at, len) != crc32c_portable(0x12345678u, b + at, len);
    CHECK(bad == 0);
    free(b);
}

/* Pieces combined in order give the CRC of the whole, wherever the cut
 * falls (also at 0 and at the end), and an empty piece changes nothing. */
static void test_combine(void)
{
    enum { N = 5000 };
    unsigned char b[N];
    for (int i = 0; i < N; i++)
        b[i] = (unsigned char)(i * 7 + (i >> 5));
    uint32_t whole = crc32c(0, b, N);
    int bad = 0;
    for (size_t cut = 0; cut <= N; cut += cut < 20 ? 1 : 97)
        bad += crc32c_combine(crc32c(0, b, cut), crc32c(0, b + cut, N - cut), N - cut) != whole;
    CHECK(bad == 0);
    CHECK(crc32c_combine(whole, 0, 0) == whole);
    /* three pieces, combined left to right */
    uint32_t ab = crc32c_combine(crc32c(0, b, 1000), crc32c(0, b + 1000, 1500), 1500);
    CHECK(crc32c_combine(ab, crc32c(0, b + 2500, N - 2500), N - 2500) == whole);
    /* a long stretch of zeros (a multiplier from many squarings) */
    static unsigned char big[1 << 20];
    big[0] = 1;
    uint32_t head = crc32c(0, big, 1), rest = crc32c(0, big + 1, sizeof big - 1);
    CHECK(crc32c_combine(head, rest, sizeof big - 1) == crc32c(0, big, sizeof big));
}

static const test_case cases[] = {
    TEST(test_known_vectors),
    TEST(test_instruction_matches_table),
    TEST(test_combine),
};

TEST_MAIN(cases)
