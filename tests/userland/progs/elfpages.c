// What an ELF loader leaves around the segments (binfmt_elf's elf_map and
// padzero): the whole file page is mapped, so the bytes of the first page
// before a segment and, when the segment has no bss, the bytes after its
// end in its last page are the file's; the test compares this program's
// checksums of those bytes with Linux's. A write to initialized data is
// private: a copy of this program run after the write sees the file's value.
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int counter = 42;

static unsigned sum(const unsigned char *p, size_t n) {
  unsigned s = 0;
  for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

static int show(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size; (void)arg;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    unsigned long va = info->dlpi_addr + ph->p_vaddr, head = va & ~4095UL;
    unsigned long fend = va + ph->p_filesz, tail = (fend + 4095) & ~4095UL;
    printf("load %d flags %x head %lu sum %08x", i, ph->p_flags, va - head, sum((const unsigned char *)head, va - head));
    // The tail of a read-only segment: file bytes (no bss) — writable segments' are bss that libc uses.
    if (!(ph->p_flags & PF_W)) printf(" tail %lu sum %08x", tail - fend, sum((const unsigned char *)fend, tail - fend));
    printf("\n");
  }
  return 1;
}

int main(int argc, char **argv) {
  printf("counter %d\n", counter);
  if (argc > 1) return 0;
  dl_iterate_phdr(show, 0);
  counter = 7;
  fflush(stdout);
  // The same file again: its data page comes from the file, not from this process's written copy.
  execl("/proc/self/exe", argv[0], "again", (char *)0);
  return 1;
}
