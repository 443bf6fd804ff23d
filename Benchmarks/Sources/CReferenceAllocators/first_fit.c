// A genalloc-style first fit: one bitmap of granules, searched a word at a time from the
// start for the first run of clear bits long enough (bitmap_find_next_zero_area).
#include "CReferenceAllocators.h"
#include <stdlib.h>

struct cref_first_fit {
    uint64_t base;
    uint64_t size;
    unsigned order;
    uint64_t avail;
    size_t bits;
    uint64_t *map;
};

cref_first_fit *cref_first_fit_create(uint64_t base, uint64_t size, unsigned order) {
    cref_first_fit *pool = malloc(sizeof *pool);
    if (!pool) return NULL;
    pool->base = base;
    pool->size = size;
    pool->order = order;
    pool->avail = size;
    pool->bits = (size_t)(size >> order);
    pool->map = calloc((pool->bits + 63) / 64, sizeof(uint64_t));
    if (!pool->map) { free(pool); return NULL; }
    return pool;
}

void cref_first_fit_destroy(cref_first_fit *pool) {
    if (!pool) return;
    free(pool->map);
    free(pool);
}

static size_t next_zero(const uint64_t *map, size_t from, size_t limit) {
    while (from < limit) {
        uint64_t word = ~map[from >> 6] >> (from & 63);
        if (word) {
            size_t bit = from + (size_t)__builtin_ctzll(word);
            return bit < limit ? bit : limit;
        }
        from = (from | 63) + 1;
    }
    return limit;
}

static size_t next_set(const uint64_t *map, size_t from, size_t limit) {
    while (from < limit) {
        uint64_t word = map[from >> 6] >> (from & 63);
        if (word) {
            size_t bit = from + (size_t)__builtin_ctzll(word);
            return bit < limit ? bit : limit;
        }
        from = (from | 63) + 1;
    }
    return limit;
}

static void set_bits(uint64_t *map, size_t start, size_t count) {
    size_t end = start + count;
    while (start < end) {
        size_t span = 64 - (start & 63);
        if (span > end - start) span = end - start;
        uint64_t mask = span == 64 ? ~0ULL : ((1ULL << span) - 1) << (start & 63);
        map[start >> 6] |= mask;
        start += span;
    }
}

static void clear_bits(uint64_t *map, size_t start, size_t count) {
    size_t end = start + count;
    while (start < end) {
        size_t span = 64 - (start & 63);
        if (span > end - start) span = end - start;
        uint64_t mask = span == 64 ? ~0ULL : ((1ULL << span) - 1) << (start & 63);
        map[start >> 6] &= ~mask;
        start += span;
    }
}

static int all_set(const uint64_t *map, size_t start, size_t count) {
    return next_zero(map, start, start + count) == start + count;
}

uint64_t cref_first_fit_alloc(cref_first_fit *pool, uint64_t size) {
    if (size == 0 || size > pool->avail) return 0;
    size_t count = (size_t)((size + (1ULL << pool->order) - 1) >> pool->order);
    size_t from = 0;
    for (;;) {
        size_t start = next_zero(pool->map, from, pool->bits);
        size_t end = start + count;
        if (end > pool->bits) return 0;
        size_t busy = next_set(pool->map, start, end);
        if (busy < end) { from = busy + 1; continue; }
        set_bits(pool->map, start, count);
        pool->avail -= (uint64_t)count << pool->order;
        return pool->base + ((uint64_t)start << pool->order);
    }
}

int cref_first_fit_free(cref_first_fit *pool, uint64_t address, uint64_t size) {
    if (size == 0 || address < pool->base || address - pool->base > pool->size || size > pool->size - (address - pool->base)) return -1;
    uint64_t offset = address - pool->base;
    if (offset & ((1ULL << pool->order) - 1)) return -1;
    size_t start = (size_t)(offset >> pool->order);
    size_t count = (size_t)((size + (1ULL << pool->order) - 1) >> pool->order);
    if (!all_set(pool->map, start, count)) return -1;
    clear_bits(pool->map, start, count);
    pool->avail += (uint64_t)count << pool->order;
    return 0;
}

uint64_t cref_first_fit_avail(const cref_first_fit *pool) { return pool->avail; }

cref_replay_outcome cref_first_fit_replay(cref_first_fit *pool, const cref_trace_op *ops, size_t count, uint32_t slots) {
    cref_replay_outcome out = {0};
    uint64_t *address = calloc(slots, sizeof *address);
    uint64_t *bytes = calloc(slots, sizeof *bytes);
    uint64_t live = 0;
    const unsigned page = 12;
    for (size_t step = 0; step < count; step++) {
        cref_trace_op op = ops[step];
        if (op.value == 0) {
            if (bytes[op.slot]) {
                cref_first_fit_free(pool, address[op.slot], bytes[op.slot]);
                live -= bytes[op.slot];
                bytes[op.slot] = 0;
                out.frees++;
            }
            continue;
        }
        uint64_t size = (uint64_t)op.value << page;
        uint64_t got = cref_first_fit_alloc(pool, size);
        if (!got) { out.failures++; continue; }
        address[op.slot] = got;
        bytes[op.slot] = size;
        live += size;
        out.allocations++;
        out.address_sum += got * (uint64_t)(step + 1);
        if (live > out.peak_live) out.peak_live = live;
        // The highest end ever live is the highest end any allocation had.
        if (got + size - pool->base > out.peak_extent) out.peak_extent = got + size - pool->base;
    }
    for (uint32_t slot = 0; slot < slots; slot++) {
        if (bytes[slot]) cref_first_fit_free(pool, address[slot], bytes[slot]);
    }
    free(address);
    free(bytes);
    return out;
}
