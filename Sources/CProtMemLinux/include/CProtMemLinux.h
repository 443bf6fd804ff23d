// The two Linux calls Swift's Glibc module does not import: memfd_create(2), which glibc
// declares only under _GNU_SOURCE, and the F_ADD_SEALS/F_GET_SEALS commands of fcntl(2).
// Nothing else: every other call ProtMemLinux makes comes from Glibc directly.
#ifndef CPROTMEMLINUX_H
#define CPROTMEMLINUX_H
#ifdef __linux__
int cprotmem_memfd_create(const char *name, unsigned int flags);
int cprotmem_add_seals(int fd, unsigned int seals);
int cprotmem_get_seals(int fd);
#endif
#endif
