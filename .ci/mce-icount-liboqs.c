/*
 * liboqs 0.13.0's Classic-McEliece-348864 on the seeds of examples/mce_keygen_ratio.rs, for the
 * guest instruction counts of .ci/mce-icount (OQS=1). Our own driver, not liboqs code: it only
 * calls liboqs' public API.
 *
 *   mce-icount-liboqs <seeds>   ->   "oqs: <seeds> seeds, digest <16 hex digits>"
 *
 * It mirrors `run_one` of the Rust example so that the digests can be compared:
 * - per seed (stream 0, 1, ...) one key generation, one encapsulation, one decapsulation,
 *   bracketed as counted regions 1, 2, 3 by the marking syscall 4242 of .ci/qemu-icount.c;
 * - liboqs draws its randomness through OQS_randombytes_custom_algorithm, which is fed here by
 *   the same SplitMix64 streams the Rust side uses: key generation SplitMix64(stream) (liboqs
 *   takes one 32-byte draw, exactly the example's `seed_of`), encapsulation
 *   SplitMix64(stream ^ 0x656e636170730000) (liboqs takes 256 bytes per attempt at an error
 *   vector, as ours does), so it must produce the same keys, ciphertexts and secrets;
 * - the digest is the example's FNV-1a 64 over pk, sk, ct, ss of every seed in that order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <oqs/oqs.h>

#define PK_LEN OQS_KEM_classic_mceliece_348864_length_public_key
#define SK_LEN OQS_KEM_classic_mceliece_348864_length_secret_key
#define CT_LEN OQS_KEM_classic_mceliece_348864_length_ciphertext
#define SS_LEN OQS_KEM_classic_mceliece_348864_length_shared_secret

/* The stream the next randombytes call draws from (tests/common/splitmix.rs). */
static uint64_t splitmix_state;

static uint64_t splitmix_next(void)
{
    splitmix_state += 0x9e3779b97f4a7c15u;
    uint64_t z = splitmix_state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* SplitMix64::fill: a fresh word per 8 bytes, little-endian, the unused tail of the last word
 * dropped (so a draw's size matters, not only the total: liboqs' sizes are 32 and 256, as ours). */
static void splitmix_fill(uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w = splitmix_next();
        for (size_t j = 0; j < 8 && i + j < len; j++) {
            out[i + j] = (uint8_t)(w >> (8 * j));
        }
    }
}

/* Starts (phase 0) or ends (1) counted region `tag`: qemu-user answers ENOSYS, the plugin counts. */
static void mark(long tag, long phase)
{
    syscall(4242, tag, phase, 0L);
}

static uint64_t digest = 0xcbf29ce484222325u;

static void digest_add(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        digest = (digest ^ p[i]) * 0x100000001b3u;
    }
}

static void must(OQS_STATUS s, const char *what, uint64_t stream)
{
    if (s != OQS_SUCCESS) {
        fprintf(stderr, "liboqs %s failed for stream %" PRIu64 "\n", what, stream);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    uint64_t seeds = argc > 1 ? strtoull(argv[1], NULL, 10) : 20;
    /* Static: the public key is 261 KB, next to liboqs' own 340 KB key generation frame. */
    static uint8_t pk[PK_LEN], sk[SK_LEN], ct[CT_LEN], ss[SS_LEN], ss2[SS_LEN];
    OQS_init();
    OQS_randombytes_custom_algorithm(splitmix_fill);
    for (uint64_t stream = 0; stream < seeds; stream++) {
        splitmix_state = stream;
        mark(1, 0);
        OQS_STATUS s = OQS_KEM_classic_mceliece_348864_keypair(pk, sk);
        mark(1, 1);
        must(s, "keygen", stream);
        splitmix_state = stream ^ 0x656e636170730000u;
        mark(2, 0);
        s = OQS_KEM_classic_mceliece_348864_encaps(ct, ss, pk);
        mark(2, 1);
        must(s, "encaps", stream);
        mark(3, 0);
        s = OQS_KEM_classic_mceliece_348864_decaps(ss2, ct, sk);
        mark(3, 1);
        must(s, "decaps", stream);
        if (memcmp(ss, ss2, SS_LEN) != 0) {
            fprintf(stderr, "oqs: decapsulation differs for stream %" PRIu64 "\n", stream);
            return 1;
        }
        digest_add(pk, PK_LEN);
        digest_add(sk, SK_LEN);
        digest_add(ct, CT_LEN);
        digest_add(ss, SS_LEN);
    }
    printf("oqs: %" PRIu64 " seeds, digest %016" PRIx64 "\n", seeds, digest);
    OQS_destroy();
    return 0;
}
