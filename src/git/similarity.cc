// Signatures are libgit2's own (git/sys/hashsig.h, the public API behind its
// default rename metric), created with the options git_diff_find_similar
// uses by default; what this file adds is the score memo and a number per
// signature to key it.
#include "git/similarity.h"

#include <git2/sys/hashsig.h>

namespace ctodesk::git::internal {

struct LineSignature {
  std::uint32_t number = 0;  // distinct per signature of one metric
  git_hashsig* sig = nullptr;
  ~LineSignature() { git_hashsig_free(sig); }
};

namespace {

// As git_diff_find_similar's default metric: leading whitespace ignored
// ("smart" whitespace, the GIT_DIFF_FIND_IGNORE_LEADING_WHITESPACE default),
// small files allowed.
constexpr auto kOptions =
    static_cast<git_hashsig_option_t>(GIT_HASHSIG_SMART_WHITESPACE | GIT_HASHSIG_ALLOW_SMALL_FILES);

LineSignature* Create(const char* data, std::size_t size, std::uint32_t number) {
  git_hashsig* sig = nullptr;
  if (git_hashsig_create(&sig, data, size, kOptions) != 0) return nullptr;
  auto* out = new LineSignature();
  out->number = number;
  out->sig = sig;
  return out;
}

}  // namespace

void LineSignatureDeleter::operator()(LineSignature* sig) const { delete sig; }

LineSignaturePtr MakeLineSignature(const char* data, std::size_t size) {
  return LineSignaturePtr(Create(data, size, 0));
}

int CompareLineSignatures(const LineSignature& a, const LineSignature& b) {
  return git_hashsig_compare(a.sig, b.sig);
}

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
  LineSignature* sig = Create(buf, len, self->next_number_++);
  if (sig == nullptr) return -1;
  *out = sig;
  return 0;
}

int SimilarityMetric::FileSignature(void** out, const git_diff_file*, const char* path,
                                    void* payload) {
  // Working-tree files (never in a tree-to-tree walk).
  auto* self = static_cast<SimilarityMetric*>(payload);
  git_hashsig* sig = nullptr;
  if (git_hashsig_create_fromfile(&sig, path, kOptions) != 0) return -1;
  auto* wrapped = new LineSignature();
  wrapped->number = self->next_number_++;
  wrapped->sig = sig;
  *out = wrapped;
  return 0;
}

void SimilarityMetric::FreeSignature(void* sig, void*) { delete static_cast<LineSignature*>(sig); }

int SimilarityMetric::Similarity(int* score, void* a, void* b, void* payload) {
  auto* self = static_cast<SimilarityMetric*>(payload);
  const auto& x = *static_cast<const LineSignature*>(a);
  const auto& y = *static_cast<const LineSignature*>(b);
  std::uint64_t key = (static_cast<std::uint64_t>(x.number) << 32) | y.number;
  auto [it, inserted] = self->scores_.try_emplace(key, 0);
  if (inserted) {
    ++self->comparisons_;
    const int s = git_hashsig_compare(x.sig, y.sig);
    if (s < 0) {
      self->scores_.erase(it);
      return s;
    }
    it->second = s;
  } else {
    ++self->remembered_;
  }
  *score = it->second;
  return 0;
}

int SimilarityMetric::Score(const char* a, std::size_t a_len, const char* b, std::size_t b_len) {
  LineSignaturePtr x(Create(a, a_len, 0)), y(Create(b, b_len, 1));
  if (!x || !y) return -1;
  return git_hashsig_compare(x->sig, y->sig);
}

}  // namespace ctodesk::git::internal
