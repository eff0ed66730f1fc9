# A cache prefetch hint shared by the compiled modules (``_kernels``, ``_cover``): declarations only,
# inlined where cimported.

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
