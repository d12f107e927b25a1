// SIMD pieces shared by the pair kernel's transform path (kernel.c) and
// its dot path (dot.c).
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

// X = b*conj(a) for 8 interleaved complex values: even lanes br*ar + bi*ai
// (P + swap(P)), odd lanes bi*ar - br*ai (Q - swap(Q), Q = b*swap(a)).
__attribute__((target("avx512f"))) static inline __m512 xconj16(__m512 a, __m512 b) {
	__m512 p = _mm512_mul_ps(b, a);
	__m512 q = _mm512_mul_ps(b, _mm512_permute_ps(a, 0xB1));
	return _mm512_mask_blend_ps(0xAAAA, _mm512_add_ps(p, _mm512_permute_ps(p, 0xB1)),
	                            _mm512_sub_ps(q, _mm512_permute_ps(q, 0xB1)));
}
#endif
