// Private to src/git: the similarity metric history walks hand to
// git_diff_find_similar, and the signatures of the walk's own rename pass.
// Scores are libgit2's (its public hashsig API, with the default metric's
// options), so renames pair exactly as libgit2 pairs them; what is added is
// a memo of each pair's score, because libgit2's matching restarts its whole
// add x delete loop whenever a better match bumps an earlier one, and would
// measure every pair again.
// One SimilarityMetric per thread (its score memo is not shared); call
// NewDiff() before each git_diff_find_similar.
#pragma once

#include <git2.h>
#include <git2/sys/diff.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>

namespace ctodesk::git::internal {

// One blob's hashsig signature, for a rename pass that does not go through
// git_diff_find_similar. Null when libgit2 cannot make one.
struct LineSignature;
struct LineSignatureDeleter {
  void operator()(LineSignature* sig) const;
};
using LineSignaturePtr = std::unique_ptr<LineSignature, LineSignatureDeleter>;
LineSignaturePtr MakeLineSignature(const char* data, std::size_t size);
// git_hashsig_compare's score (0..100) of two signatures.
int CompareLineSignatures(const LineSignature& a, const LineSignature& b);

class SimilarityMetric {
 public:
  SimilarityMetric();
  SimilarityMetric(const SimilarityMetric&) = delete;
  SimilarityMetric& operator=(const SimilarityMetric&) = delete;

  // For git_diff_find_options::metric (points into this object).
  git_diff_similarity_metric* metric() { return &metric_; }
  // Forgets the remembered scores (signatures of the previous diff are freed
  // by libgit2 and their numbers never come back).
  void NewDiff() { scores_.clear(); }

  // Counters for tests and profiling.
  std::uint64_t comparisons() const { return comparisons_; }
  std::uint64_t remembered() const { return remembered_; }

  // The score libgit2's git_hashsig_compare gives two buffers (0..100), for
  // tests: computed through this metric's own signatures.
  static int Score(const char* a, std::size_t a_len, const char* b, std::size_t b_len);

 private:
  static int BufferSignature(void** out, const git_diff_file* file, const char* buf,
                             size_t len, void* payload);
  static int FileSignature(void** out, const git_diff_file* file, const char* path,
                           void* payload);
  static void FreeSignature(void* sig, void* payload);
  static int Similarity(int* score, void* a, void* b, void* payload);

  git_diff_similarity_metric metric_;
  std::uint32_t next_number_ = 0;
  std::unordered_map<std::uint64_t, int> scores_;
  std::uint64_t comparisons_ = 0, remembered_ = 0;
};

}  // namespace ctodesk::git::internal
