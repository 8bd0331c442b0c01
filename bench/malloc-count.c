/*
 * Counts heap allocations: a preloaded library (LD_PRELOAD) that replaces malloc, calloc, realloc, posix_memalign,
 * aligned_alloc, memalign and valloc with glibc's own implementations (__libc_malloc, ...) plus one atomic counter.
 * free is not replaced. A harness reads the counter through the exported bench_malloc_calls() (found with
 * dlsym(RTLD_DEFAULT, ...) or Python's ctypes) before and after the part it measures, so start-up, file reading and
 * warm-up are not counted. realloc counts as one allocation (it may move the block).
 *
 *   cc -shared -fPIC -O2 -o malloc-count.so bench/malloc-count.c
 *   LD_PRELOAD=$PWD/malloc-count.so .build/release/DecodeBenchmark --streams DIR
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static uint64_t calls;

static inline void count(void) { __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED); }

uint64_t bench_malloc_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t count_, size_t size) { count(); return __libc_calloc(count_, size); }
void *realloc(void *pointer, size_t size) { count(); return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *valloc(size_t size) { count(); return __libc_memalign(4096, size); }

int posix_memalign(void **result, size_t alignment, size_t size) {
    count();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}
