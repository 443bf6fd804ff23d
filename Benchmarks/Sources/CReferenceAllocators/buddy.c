// A buddy allocator over one span of pages, orders 0…10 (MAX_PAGE_ORDER): per order a stack
// of free blocks, and per page a record of the free block it heads (its order and its place
// on the stack), so a buddy is found and unlinked in O(1). The same algorithm as ProtMem's
// BuddyAllocator, so the ratio measures the language and its checks, not a different design.
#include "CReferenceAllocators.h"
#include <stdlib.h>

#define MAX_ORDER 10

struct cref_buddy {
    uint64_t first_pfn;
    uint64_t pages;
    uint64_t free_pages;
    /// Per order: the free blocks' page offsets, newest last.
    uint32_t *list[MAX_ORDER + 1];
    uint32_t count[MAX_ORDER + 1];
    /// Per page: slot << 4 | (order + 1) when it heads a free block, else 0.
    uint32_t *head;
    /// Per page: a bit set while it is handed out.
    uint64_t *allocated;
};

static void push(cref_buddy *b, uint32_t page, unsigned order) {
    b->head[page] = b->count[order] << 4 | (order + 1);
    b->list[order][b->count[order]++] = page;
}

static void unlink_block(cref_buddy *b, uint32_t page, unsigned order) {
    uint32_t slot = b->head[page] >> 4;
    b->head[page] = 0;
    uint32_t last = b->list[order][--b->count[order]];
    if (last != page) {
        b->list[order][slot] = last;
        b->head[last] = slot << 4 | (order + 1);
    }
}

cref_buddy *cref_buddy_create(uint64_t first_pfn, uint64_t pages) {
    cref_buddy *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->first_pfn = first_pfn;
    b->pages = pages;
    b->head = calloc(pages, sizeof *b->head);
    b->allocated = calloc((pages + 63) / 64, sizeof *b->allocated);
    for (unsigned order = 0; order <= MAX_ORDER; order++) b->list[order] = malloc(sizeof(uint32_t) * ((pages >> order) + 1));
    uint64_t pfn = first_pfn, end = first_pfn + pages;
    while (pfn < end) {
        unsigned order = MAX_ORDER;
        while (order > 0 && ((pfn & ((1ULL << order) - 1)) || pfn + (1ULL << order) > end)) order--;
        push(b, (uint32_t)(pfn - first_pfn), order);
        b->free_pages += 1ULL << order;
        pfn += 1ULL << order;
    }
    return b;
}

void cref_buddy_destroy(cref_buddy *b) {
    if (!b) return;
    for (unsigned order = 0; order <= MAX_ORDER; order++) free(b->list[order]);
    free(b->head);
    free(b->allocated);
    free(b);
}

/// Sets or clears `count` bits from `start`, a word at a time.
static void mark(uint64_t *map, uint64_t start, uint64_t count, int set) {
    uint64_t end = start + count;
    while (start < end) {
        uint64_t span = 64 - (start & 63);
        if (span > end - start) span = end - start;
        uint64_t mask = span == 64 ? ~0ULL : ((1ULL << span) - 1) << (start & 63);
        if (set) map[start >> 6] |= mask; else map[start >> 6] &= ~mask;
        start += span;
    }
}

static int all_marked(const uint64_t *map, uint64_t start, uint64_t count) {
    uint64_t end = start + count;
    while (start < end) {
        uint64_t span = 64 - (start & 63);
        if (span > end - start) span = end - start;
        uint64_t mask = span == 64 ? ~0ULL : ((1ULL << span) - 1) << (start & 63);
        if ((map[start >> 6] & mask) != mask) return 0;
        start += span;
    }
    return 1;
}

uint64_t cref_buddy_alloc(cref_buddy *b, unsigned order) {
    if (order > MAX_ORDER) return UINT64_MAX;
    unsigned current = order;
    while (current <= MAX_ORDER && b->count[current] == 0) current++;
    if (current > MAX_ORDER) return UINT64_MAX;
    uint32_t page = b->list[current][--b->count[current]];
    b->head[page] = 0;
    while (current > order) {
        current--;
        push(b, page + (1U << current), current);
    }
    b->free_pages -= 1ULL << order;
    mark(b->allocated, page, 1ULL << order, 1);
    return b->first_pfn + page;
}

int cref_buddy_free(cref_buddy *b, uint64_t pfn, unsigned order) {
    if (order > MAX_ORDER || pfn < b->first_pfn || pfn - b->first_pfn + (1ULL << order) > b->pages || (pfn & ((1ULL << order) - 1))) return -1;
    uint64_t page = pfn - b->first_pfn;
    if (!all_marked(b->allocated, page, 1ULL << order)) return -1;
    mark(b->allocated, page, 1ULL << order, 0);
    b->free_pages += 1ULL << order;
    while (order < MAX_ORDER) {
        uint64_t buddy = pfn ^ (1ULL << order);
        if (buddy < b->first_pfn || buddy >= b->first_pfn + b->pages) break;
        uint32_t buddy_page = (uint32_t)(buddy - b->first_pfn);
        if ((b->head[buddy_page] & 0xF) != order + 1) break;
        unlink_block(b, buddy_page, order);
        if (buddy < pfn) pfn = buddy;
        order++;
    }
    push(b, (uint32_t)(pfn - b->first_pfn), order);
    return 0;
}

uint64_t cref_buddy_free_pages(const cref_buddy *b) { return b->free_pages; }

cref_replay_outcome cref_buddy_replay(cref_buddy *b, const cref_trace_op *ops, size_t count, uint32_t slots) {
    cref_replay_outcome out = {0};
    uint64_t *held = malloc(sizeof *held * slots);
    unsigned char *orders = malloc(slots);
    for (uint32_t slot = 0; slot < slots; slot++) held[slot] = UINT64_MAX;
    uint64_t live = 0;
    for (size_t step = 0; step < count; step++) {
        cref_trace_op op = ops[step];
        if (op.value == 0) {
            if (held[op.slot] != UINT64_MAX) {
                cref_buddy_free(b, held[op.slot], orders[op.slot]);
                live -= 4096ULL << orders[op.slot];
                held[op.slot] = UINT64_MAX;
                out.frees++;
            }
            continue;
        }
        unsigned order = op.value - 1;
        uint64_t pfn = cref_buddy_alloc(b, order);
        if (pfn == UINT64_MAX) { out.failures++; continue; }
        held[op.slot] = pfn;
        orders[op.slot] = (unsigned char)order;
        live += 4096ULL << order;
        out.allocations++;
        out.address_sum += (pfn << 12) * (uint64_t)(step + 1);
        if (live > out.peak_live) out.peak_live = live;
        uint64_t extent = ((pfn - b->first_pfn) << 12) + (4096ULL << order);
        if (extent > out.peak_extent) out.peak_extent = extent;
    }
    for (uint32_t slot = 0; slot < slots; slot++) {
        if (held[slot] != UINT64_MAX) cref_buddy_free(b, held[slot], orders[slot]);
    }
    free(held);
    free(orders);
    return out;
}
