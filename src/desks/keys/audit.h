// Checking the audit trail's hash chain (`ctodesk keys audit --verify`, and
// the keys desk every morning). Each entry's hash covers its fields and the
// previous entry's hash, seq numbers run 1, 2, 3... without gaps, and the
// store records the head (last seq and hash) with every append. So an edited
// entry fails its own hash, a deleted one leaves a gap (or, at the end, a
// head that points past the trail), and an inserted one breaks the next
// entry's prev_hash (or, at the end, does not match the head).
//
// Limits: someone who can rewrite the whole database can recompute every hash
// and the head; detecting that needs the head kept elsewhere (export it with
// `keys audit --verify --format json` to a place they cannot write).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace ctodesk::keys {

struct ChainProblem {
  std::int64_t seq = 0;  // the entry where the chain breaks (0: the head)
  std::string what;
};

struct ChainVerdict {
  bool ok = true;
  std::int64_t entries = 0;
  std::string head_hash;  // the last entry's hash
  std::vector<ChainProblem> problems;  // in seq order, at most 20
};

ChainVerdict VerifyAuditChain(const std::vector<AuditEntry>& trail,
                              const std::optional<std::pair<std::int64_t, std::string>>& head);
Result<ChainVerdict> VerifyAuditChain(Store& store);

}  // namespace ctodesk::keys
