#ifndef CPROTMEM_FILL_H
#define CPROTMEM_FILL_H

#include <stddef.h>
#include <stdint.h>

/// Writes the first words of a Weyl-sequence pattern with the widest vectors the processor
/// has: word k of `destination` (8 bytes each, little-endian, any alignment) becomes
/// `y ^ (y >> 29)` where `y = start + k * gamma` (mod 2^64). Returns how many of the `words`
/// it wrote, always a prefix; the caller writes the rest (none where no vector unit helps).
size_t cprotmem_weyl_fill(void *destination, size_t words, uint64_t start, uint64_t gamma);

#endif
