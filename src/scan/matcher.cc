// The Vectorscan/Hyperscan implementation of Matcher (see matcher.h for the
// algorithm). Block mode: each buffer is scanned whole, which is what blobs
// are. Every pattern is compiled with SOM_LEFTMOST so a match carries its
// start; anchors are short, so the cost of tracking starts stays small.
#include "scan/matcher.h"

#include <hs/hs.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace ctodesk::scan {

namespace {

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

class HsScratch final : public Scratch {
 public:
  HsScratch(hs_scratch_t* s, const void* owner) : scratch_(s), owner_(owner) {}
  hs_scratch_t* get() const { return scratch_.get(); }
  const void* owner() const { return owner_; }

 private:
  std::unique_ptr<hs_scratch_t, HsScratchDeleter> scratch_;
  const void* owner_;
};

struct ScanContext {
  const std::vector<unsigned>* ids;
  const std::function<bool(const Match&)>* on_match;
};

int OnHsMatch(unsigned int index, unsigned long long from, unsigned long long to,
              unsigned int /*flags*/, void* ctx) {
  auto* c = static_cast<ScanContext*>(ctx);
  Match m{(*c->ids)[index], static_cast<std::size_t>(from), static_cast<std::size_t>(to)};
  return (*c->on_match)(m) ? 0 : 1;  // non-zero stops the scan
}

class HsMatcher final : public Matcher {
 public:
  HsMatcher(hs_database_t* db, std::vector<unsigned> ids) : db_(db), ids_(std::move(ids)) {}

  Result<std::unique_ptr<Scratch>> NewScratch() const override {
    hs_scratch_t* s = nullptr;
    if (hs_alloc_scratch(db_.get(), &s) != HS_SUCCESS) {
      return Fail(Error::Internal("hyperscan: cannot allocate scratch space"));
    }
    return std::unique_ptr<Scratch>(std::make_unique<HsScratch>(s, this));
  }

  Result<void> Scan(std::string_view data, Scratch& scratch,
                    const std::function<bool(const Match&)>& on_match) const override {
    auto* s = dynamic_cast<HsScratch*>(&scratch);
    if (s == nullptr || s->owner() != this) {
      return Fail(Error::Internal("hyperscan: scratch belongs to another matcher"));
    }
    // Hyperscan takes an unsigned int length: feed larger buffers in pieces
    // that overlap by a margin longer than any anchor.
    constexpr std::size_t kChunk = std::size_t{1} << 30;
    constexpr std::size_t kOverlap = 4096;
    std::size_t base = 0;
    while (true) {
      std::size_t len = std::min(data.size() - base, kChunk);
      std::size_t skip_below = base == 0 ? 0 : base + kOverlap;  // reported by the last chunk
      std::function<bool(const Match&)> shifted = [&](const Match& m) {
        Match g{m.id, m.from + base, m.to + base};
        if (g.to <= skip_below) return true;
        return on_match(g);
      };
      ScanContext piece{&ids_, &shifted};
      hs_error_t rc = hs_scan(db_.get(), data.data() + base, static_cast<unsigned>(len), 0,
                              s->get(), &OnHsMatch, &piece);
      if (rc == HS_SCAN_TERMINATED) return {};
      if (rc != HS_SUCCESS) return Fail(Error::Internal(fmt::format("hyperscan: scan failed ({})", rc)));
      if (base + len >= data.size()) return {};
      base += len - kOverlap;
    }
  }

  std::size_t pattern_count() const override { return ids_.size(); }

 private:
  std::unique_ptr<hs_database_t, HsDatabaseDeleter> db_;
  std::vector<unsigned> ids_;  // Hyperscan index -> caller's id
};

}  // namespace

std::string Literal(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

Result<std::unique_ptr<Matcher>> MatcherBuilder::Compile() const {
  if (patterns_.empty()) return Fail(Error::Invalid("matcher: no patterns to compile"));
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> indexes;
  std::vector<unsigned> ids;
  for (unsigned i = 0; i < patterns_.size(); ++i) {
    const Pattern& p = patterns_[i];
    expressions.push_back(p.expression.c_str());
    flags.push_back(HS_FLAG_SOM_LEFTMOST | (p.caseless ? HS_FLAG_CASELESS : 0u));
    indexes.push_back(i);
    ids.push_back(p.id);
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  hs_error_t rc = hs_compile_multi(expressions.data(), flags.data(), indexes.data(),
                                   static_cast<unsigned>(expressions.size()), HS_MODE_BLOCK,
                                   nullptr, &db, &err);
  if (rc != HS_SUCCESS) {
    std::string message = err != nullptr && err->message != nullptr ? err->message : "unknown error";
    std::string which = err != nullptr && err->expression >= 0
                            ? patterns_[static_cast<size_t>(err->expression)].expression
                            : "(all)";
    hs_free_compile_error(err);
    return Fail(Error::Invalid(fmt::format("matcher: cannot compile pattern {}: {}", which, message)));
  }
  return std::unique_ptr<Matcher>(std::make_unique<HsMatcher>(db, std::move(ids)));
}

}  // namespace ctodesk::scan
