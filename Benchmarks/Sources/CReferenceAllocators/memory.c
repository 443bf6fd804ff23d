// The memset and memcpy references, called through functions compiled apart from the Swift
// that times them, so the optimiser can neither drop a zeroing that a later write makes dead
// nor fold two of them into one.
#include "CReferenceAllocators.h"
#include <string.h>

void cref_memset(void *bytes, int value, size_t count) { memset(bytes, value, count); }

void cref_memcpy(void *destination, const void *source, size_t count) { memcpy(destination, source, count); }
