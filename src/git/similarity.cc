// The hashsig signature, step for step as libgit2 1.5 computes it (its
// quirks included: a full heap drops its top for a smaller value instead of
// replacing it, and the sift-down may look one slot past the heap's end at a
// value left there earlier), so every score is the same number libgit2's own
// metric would give. The two heaps are kept in an array each; comparisons
// are inline.
#include "git/similarity.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace ctodesk::git::internal {

namespace {

constexpr int kHeapSize = (1 << 7) - 1;  // libgit2's HASHSIG_HEAP_SIZE
constexpr int kMaxRun = 80;              // HASHSIG_MAX_RUN
constexpr std::uint64_t kHashStart = 0x012345678ABCDEF0ULL;
constexpr int kScale = 100;

// One heap as libgit2 keeps it. `Before(a, b)` is libgit2's cmp(a, b) < 0
// (for the "mins" heap: a > b; for "maxs": a < b). Values beyond `size`
// stay as they were (libgit2's array is zeroed once, then only overwritten).
template <bool kMins>
struct Heap {
  int size = 0;
  std::uint32_t values[kHeapSize] = {};

  static int Cmp(std::uint32_t a, std::uint32_t b) {
    if constexpr (kMins) {
      return a > b ? -1 : a < b ? 1 : 0;
    } else {
      return a < b ? -1 : a > b ? 1 : 0;
    }
  }
  void Up(int el) {
    int parent = (el - 1) >> 1;
    while (el > 0 && Cmp(values[parent], values[el]) > 0) {
      std::swap(values[el], values[parent]);
      el = parent;
      parent = (el - 1) >> 1;
    }
  }
  void Down(int el) {
    while (el < size / 2) {
      int l = 2 * el + 1, r = 2 * el + 2;
      std::uint32_t v = values[el], lv = values[l], rv = values[r];
      if (Cmp(v, lv) < 0 && Cmp(v, rv) < 0) break;
      int swap = Cmp(lv, rv) < 0 ? l : r;
      values[el] = values[swap];
      values[swap] = v;
      el = swap;
    }
  }
  void Insert(std::uint32_t val) {
    if (size < kHeapSize) {
      values[size++] = val;
      Up(size - 1);
    } else if (Cmp(val, values[0]) > 0) {
      --size;
      values[0] = values[size];
      Down(0);
    }
  }
};

}  // namespace

struct LineSignature {
  std::uint32_t number = 0;  // distinct per signature of one metric
  int mins_size = 0, maxs_size = 0;
  std::size_t lines = 0;
  // Sorted ascending (libgit2 sorts each heap by its own order; the count
  // of common values does not depend on the direction).
  std::uint32_t mins[kHeapSize];
  std::uint32_t maxs[kHeapSize];
};

namespace {
using Signature = LineSignature;

bool SpaceNotNewline(std::uint8_t c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\v';
}

// hashsig_add_hashes with GIT_HASHSIG_SMART_WHITESPACE, over one buffer.
void Build(const std::uint8_t* data, std::size_t size, Signature& sig) {
  Heap<true> mins;
  Heap<false> maxs;
  const std::uint8_t* scan = data;
  const std::uint8_t* end = data + size;
  bool use_ignores = true;  // smart whitespace starts as at a line start
  while (scan < end) {
    std::uint64_t state = kHashStart;
    int len = 0;
    while (scan < end && len < kMaxRun) {
      std::uint8_t ch = *scan;
      if (use_ignores) {
        while (scan < end && SpaceNotNewline(ch)) {
          ++scan;
          ch = scan < end ? *scan : 0;
        }
      } else {
        while (scan < end && ch == '\r') {
          ++scan;
          ch = scan < end ? *scan : 0;
        }
      }
      use_ignores = ch == '\n';
      if (scan >= end) break;
      ++scan;
      if (ch == '\n' || ch == '\0') {
        ++sig.lines;
        break;
      }
      ++len;
      state = (state << 5) - state + static_cast<std::uint64_t>(ch);
    }
    if (len > 0) {
      mins.Insert(static_cast<std::uint32_t>(state));
      maxs.Insert(static_cast<std::uint32_t>(state));
      while (scan < end && (*scan == '\n' || *scan == 0)) ++scan;
    }
  }
  sig.mins_size = mins.size;
  sig.maxs_size = maxs.size;
  std::copy(mins.values, mins.values + mins.size, sig.mins);
  std::copy(maxs.values, maxs.values + maxs.size, sig.maxs);
  std::sort(sig.mins, sig.mins + sig.mins_size);
  std::sort(sig.maxs, sig.maxs + sig.maxs_size);
}

// hashsig_heap_compare: common values over the mean size, scaled to 100.
int CompareSorted(const std::uint32_t* a, int na, const std::uint32_t* b, int nb) {
  int matches = 0, i = 0, j = 0;
  while (i < na && j < nb) {
    std::uint32_t x = a[i], y = b[j];
    matches += x == y;
    i += x <= y;
    j += y <= x;
  }
  return kScale * (matches * 2) / (na + nb);
}

// git_hashsig_compare for GIT_HASHSIG_SMART_WHITESPACE | ALLOW_SMALL_FILES.
int Compare(const Signature& a, const Signature& b) {
  if (a.mins_size == 0 && b.mins_size == 0) return a.lines == 0 && b.lines == 0 ? kScale : 0;
  if (a.mins_size < kHeapSize) return CompareSorted(a.mins, a.mins_size, b.mins, b.mins_size);
  int mins = CompareSorted(a.mins, a.mins_size, b.mins, b.mins_size);
  int maxs = CompareSorted(a.maxs, a.maxs_size, b.maxs, b.maxs_size);
  return (mins + maxs) / 2;
}

}  // namespace

void LineSignatureDeleter::operator()(LineSignature* sig) const { delete sig; }

LineSignaturePtr MakeLineSignature(const char* data, std::size_t size) {
  LineSignaturePtr sig(new LineSignature());
  Build(reinterpret_cast<const std::uint8_t*>(data), size, *sig);
  return sig;
}

int CompareLineSignatures(const LineSignature& a, const LineSignature& b) { return Compare(a, b); }

SimilarityMetric::SimilarityMetric() {
  metric_.file_signature = &FileSignature;
  metric_.buffer_signature = &BufferSignature;
  metric_.free_signature = &FreeSignature;
  metric_.similarity = &Similarity;
  metric_.payload = this;
}

int SimilarityMetric::BufferSignature(void** out, const git_diff_file*, const char* buf,
                                      size_t len, void* payload) {
  auto* self = static_cast<SimilarityMetric*>(payload);
  auto* sig = new Signature();
  sig->number = self->next_number_++;
  Build(reinterpret_cast<const std::uint8_t*>(buf), len, *sig);
  *out = sig;
  return 0;
}

int SimilarityMetric::FileSignature(void** out, const git_diff_file* file, const char* path,
                                    void* payload) {
  // Working-tree files (never in a tree-to-tree walk): read whole.
  std::ifstream in(path, std::ios::binary);
  if (!in) return -1;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return BufferSignature(out, file, text.data(), text.size(), payload);
}

void SimilarityMetric::FreeSignature(void* sig, void*) { delete static_cast<Signature*>(sig); }

int SimilarityMetric::Similarity(int* score, void* a, void* b, void* payload) {
  auto* self = static_cast<SimilarityMetric*>(payload);
  const auto& x = *static_cast<const Signature*>(a);
  const auto& y = *static_cast<const Signature*>(b);
  std::uint64_t key = (static_cast<std::uint64_t>(x.number) << 32) | y.number;
  auto [it, inserted] = self->scores_.try_emplace(key, 0);
  if (inserted) {
    ++self->comparisons_;
    it->second = Compare(x, y);
  } else {
    ++self->remembered_;
  }
  *score = it->second;
  return 0;
}

int SimilarityMetric::Score(const char* a, std::size_t a_len, const char* b, std::size_t b_len) {
  Signature x, y;
  Build(reinterpret_cast<const std::uint8_t*>(a), a_len, x);
  Build(reinterpret_cast<const std::uint8_t*>(b), b_len, y);
  return Compare(x, y);
}

}  // namespace ctodesk::git::internal
