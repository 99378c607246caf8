// Multi-pattern matching: add patterns, compile once, scan many buffers.
//
// The leaks desk runs a hundred detectors over every blob of a repository in
// one pass. Doing that with one regex per detector would read each byte a
// hundred times; instead every detector contributes a few cheap *anchors*
// (mostly literal prefixes such as "ghp_" or "-----BEGIN", sometimes a short
// fixed-width regex such as "SK[0-9a-f]{32}") and a matcher finds all of them
// at once. The Vectorscan/Hyperscan implementation compiles the anchors into
// one database: literals go to its SIMD literal matcher (Teddy/FDR), the few
// regexes to its automata, and a scan costs about one pass over memory however
// many patterns there are. Anchors are a *prefilter*: each match only says
// "look here"; the caller then validates the candidate exactly in C++ (length,
// alphabet, boundaries, checksum), which is cheap because candidates are rare.
//
// Limits: patterns use Hyperscan's regex dialect (no backreferences, no
// lookaround); a match reports the leftmost start of the anchor, so keep
// anchors short and bounded. Matches are reported in order of end offset.
//
// Thread safety: a compiled Matcher is immutable and may be shared by any
// number of threads; each thread needs its own Scratch.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace ctodesk::scan {

struct Pattern {
  unsigned id = 0;         // reported back with each match; need not be unique
  std::string expression;  // Hyperscan regex; see Literal() for plain text
  bool caseless = false;
};

// A regex that matches `text` literally.
std::string Literal(std::string_view text);

struct Match {
  unsigned id;
  std::size_t from;  // the anchor's first byte
  std::size_t to;    // one past its last byte
};

// Per-thread working memory for scans. Opaque; made by Matcher::NewScratch.
class Scratch {
 public:
  virtual ~Scratch() = default;
};

class Matcher {
 public:
  virtual ~Matcher() = default;
  // Working memory for one thread. Fails only when out of memory.
  virtual Result<std::unique_ptr<Scratch>> NewScratch() const = 0;
  // Calls `on_match` for every anchor match in `data`, in order of `to`.
  // Returning false from `on_match` stops the scan early. Fails when the
  // scratch does not belong to this matcher.
  virtual Result<void> Scan(std::string_view data, Scratch& scratch,
                            const std::function<bool(const Match&)>& on_match) const = 0;
  virtual std::size_t pattern_count() const = 0;
};

// Collects patterns, then compiles them. Not thread-safe.
class MatcherBuilder {
 public:
  void Add(Pattern p) { patterns_.push_back(std::move(p)); }
  // Compiles everything added with Vectorscan/Hyperscan. A pattern Hyperscan
  // rejects fails the whole compile with an Error naming the pattern.
  Result<std::unique_ptr<Matcher>> Compile() const;

 private:
  std::vector<Pattern> patterns_;
};

}  // namespace ctodesk::scan
