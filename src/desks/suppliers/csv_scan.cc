// The block masks of csv_scan.h, for a run of blocks at a time: with AVX2
// when the CPU has it (checked once, at run time, so the binary still runs
// on any x86-64), else SSE2, else a plain loop.
#include "desks/suppliers/csv_scan.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CTODESK_CSV_AVX2 1
#endif

namespace ctodesk::suppliers {

namespace {

void MasksPortable(const char* p, size_t blocks, char delim, char quote, std::uint64_t* out) {
  for (size_t b = 0; b < blocks; ++b) out[b] = CsvSpecialMask(p + 64 * b, delim, quote);
}

#if defined(CTODESK_CSV_AVX2)
__attribute__((target("avx2"))) inline std::uint64_t Hits32(__m256i v, __m256i d, __m256i q, __m256i lf,
                                                             __m256i cr) {
  const __m256i hit = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, d), _mm256_cmpeq_epi8(v, q)),
                                      _mm256_or_si256(_mm256_cmpeq_epi8(v, lf), _mm256_cmpeq_epi8(v, cr)));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(hit));
}

__attribute__((target("avx2"))) void MasksAvx2(const char* p, size_t blocks, char delim, char quote,
                                                std::uint64_t* out) {
  const __m256i d = _mm256_set1_epi8(delim), q = _mm256_set1_epi8(quote), lf = _mm256_set1_epi8('\n'),
                cr = _mm256_set1_epi8('\r');
  for (size_t b = 0; b < blocks; ++b, p += 64) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    out[b] = Hits32(lo, d, q, lf, cr) | Hits32(hi, d, q, lf, cr) << 32;
  }
}
#endif

CsvMaskFn Pick() {
#if defined(CTODESK_CSV_AVX2)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return MasksAvx2;
#endif
  return MasksPortable;
}

}  // namespace

CsvMaskFn CsvMaskFunction() {
  static const CsvMaskFn fn = Pick();
  return fn;
}

CsvMaskFn CsvPortableMaskFunction() { return MasksPortable; }

}  // namespace ctodesk::suppliers
