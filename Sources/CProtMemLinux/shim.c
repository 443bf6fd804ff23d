#ifdef __linux__
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include "CProtMemLinux.h"

int cprotmem_memfd_create(const char *name, unsigned int flags) { return memfd_create(name, flags); }
int cprotmem_add_seals(int fd, unsigned int seals) { return fcntl(fd, F_ADD_SEALS, seals); }
int cprotmem_get_seals(int fd) { return fcntl(fd, F_GET_SEALS); }
#endif
