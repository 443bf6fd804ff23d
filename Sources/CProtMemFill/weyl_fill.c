#include "CProtMemFill.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

// Eight words (two 256-bit stores) per turn. The compiler's own loop for the Swift version
// runs on SSE2, the x86-64 baseline, at two words a store.
__attribute__((target("avx2")))
static size_t weyl_fill_avx2(void *destination, size_t words, uint64_t start, uint64_t gamma) {
    size_t blocks = words / 8;
    if (blocks == 0) return 0;
    char *out = destination;
    __m256i low = _mm256_set_epi64x((long long)(start + 3 * gamma), (long long)(start + 2 * gamma),
                                    (long long)(start + gamma), (long long)start);
    __m256i high = _mm256_add_epi64(low, _mm256_set1_epi64x((long long)(4 * gamma)));
    __m256i step = _mm256_set1_epi64x((long long)(8 * gamma));
    for (size_t block = 0; block < blocks; block++) {
        _mm256_storeu_si256((__m256i *)(out + 64 * block), _mm256_xor_si256(low, _mm256_srli_epi64(low, 29)));
        _mm256_storeu_si256((__m256i *)(out + 64 * block + 32), _mm256_xor_si256(high, _mm256_srli_epi64(high, 29)));
        low = _mm256_add_epi64(low, step);
        high = _mm256_add_epi64(high, step);
    }
    return blocks * 8;
}

/// AVX2 in the processor and its 256-bit state enabled by the operating system (XCR0 bits 1
/// and 2), asked once.
static int has_avx2(void) {
    static int answer = -1;
    int known = __atomic_load_n(&answer, __ATOMIC_RELAXED);
    if (known >= 0) return known;
    unsigned eax, ebx, ecx, edx;
    int found = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_OSXSAVE) && (ecx & bit_AVX)) {
        unsigned xcr0_low, xcr0_high;
        __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
        if ((xcr0_low & 6) == 6 && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & bit_AVX2)) found = 1;
    }
    __atomic_store_n(&answer, found, __ATOMIC_RELAXED);
    return found;
}

size_t cprotmem_weyl_fill(void *destination, size_t words, uint64_t start, uint64_t gamma) {
    return has_avx2() ? weyl_fill_avx2(destination, words, start, gamma) : 0;
}

#else

size_t cprotmem_weyl_fill(void *destination, size_t words, uint64_t start, uint64_t gamma) {
    (void)destination; (void)words; (void)start; (void)gamma;
    return 0;
}

#endif
