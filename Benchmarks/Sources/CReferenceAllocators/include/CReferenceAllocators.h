// Reference allocators in C, for the benchmarks' ratios: what the Swift allocators are
// measured against in the same run. Written for this project (not copied from Linux), in the
// manner of lib/genalloc.c's first fit over a bitmap and mm/page_alloc.c's buddy lists.
#ifndef CREFERENCE_ALLOCATORS_H
#define CREFERENCE_ALLOCATORS_H

#include <stdint.h>
#include <stddef.h>

/// One step of a trace: allocate `value` (pages for a pool, order + 1 for the buddy) into
/// `slot`, or free what `slot` holds when `value` is 0.
typedef struct {
    uint32_t slot;
    uint32_t value;
} cref_trace_op;

/// What a replay did; the same fields the Swift replays report.
typedef struct {
    uint64_t allocations;
    uint64_t failures;
    uint64_t frees;
    /// The most bytes live at once.
    uint64_t peak_live;
    /// The most bytes from the pool's base to the end of its highest live allocation.
    uint64_t peak_extent;
    /// A sum over every allocation of its address times its step (mod 2^64): equal sums mean
    /// (almost certainly) equal addresses.
    uint64_t address_sum;
} cref_replay_outcome;

// MARK: genalloc-style first fit

typedef struct cref_first_fit cref_first_fit;

/// A pool of `size` bytes at `base` in granules of 1 << `order` bytes; NULL when out of memory.
cref_first_fit *cref_first_fit_create(uint64_t base, uint64_t size, unsigned order);
void cref_first_fit_destroy(cref_first_fit *pool);
/// The first fit of `size` bytes rounded up to granules, or 0 (as gen_pool_alloc).
uint64_t cref_first_fit_alloc(cref_first_fit *pool, uint64_t size);
/// 0, or -1 (nothing changed) for granules not all allocated or outside the pool.
int cref_first_fit_free(cref_first_fit *pool, uint64_t address, uint64_t size);
uint64_t cref_first_fit_avail(const cref_first_fit *pool);
/// Replays `count` steps on `pool` with `slots` slots; what was still held is freed after.
cref_replay_outcome cref_first_fit_replay(cref_first_fit *pool, const cref_trace_op *ops, size_t count, uint32_t slots);

// MARK: buddy

typedef struct cref_buddy cref_buddy;

/// Free blocks of 2^order pages (order 0…10) over `pages` pages from page frame `first_pfn`.
cref_buddy *cref_buddy_create(uint64_t first_pfn, uint64_t pages);
void cref_buddy_destroy(cref_buddy *buddy);
/// The first page frame of a free block of 2^order pages, or UINT64_MAX.
uint64_t cref_buddy_alloc(cref_buddy *buddy, unsigned order);
/// 0, or -1 (nothing changed) for a block that is not allocated.
int cref_buddy_free(cref_buddy *buddy, uint64_t pfn, unsigned order);
uint64_t cref_buddy_free_pages(const cref_buddy *buddy);
cref_replay_outcome cref_buddy_replay(cref_buddy *buddy, const cref_trace_op *ops, size_t count, uint32_t slots);

#endif
