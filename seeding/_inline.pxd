# Small C-level helpers shared by the compiled modules (``_kernels``, ``_cover``, ``_edges``), inlined where
# cimported: a cache prefetch hint and splitmix64's bijective 64-bit mixer.

from libc.stdint cimport uint64_t

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <xmmintrin.h>
    #define seeding_prefetch(p) _mm_prefetch((const char*)(p), _MM_HINT_T0)
    #else
    #define seeding_prefetch(p) __builtin_prefetch(p)
    #endif
    """
    void seeding_prefetch(const void* p) noexcept nogil


cdef inline uint64_t mix64(uint64_t z) noexcept nogil:
    """The splitmix64 finaliser: a bijective 64-bit mixer."""
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)
