// Checking the audit trail's hash chain (`ctodesk keys audit --verify`, and
// the keys desk every morning). Each entry's hash covers its fields and the
// previous entry's hash, seq numbers run 1, 2, 3... without gaps, and the
// store records the head (last seq and hash) with every append. So an edited
// entry fails its own hash, a deleted one leaves a gap (or, at the end, a
// head that points past the trail), and an inserted one breaks the next
// entry's prev_hash (or, at the end, does not match the head).
//
// Someone who can rewrite the whole database can recompute every hash and
// the head. The anchor catches that: each verification that finds the chain
// intact records (seq, hash) of the head with an HMAC-SHA256 keyed by a
// secret kept outside the database (`[keys] audit_key_file`, default
// .ctodesk/audit.key beside the config, created 0600 on first use). The next
// verification checks the HMAC (a forged anchor fails it) and that the
// anchored entry still has the anchored hash (a rewritten chain fails it).
// Entries appended since the last verification are covered from the next one
// on (the keys desk verifies every morning); someone who can also read the
// key file can forge the anchor too, so keep it where the store's writers
// cannot (another user, a mounted secret).
//
// Pure functions except the Store and key-file overloads; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
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

// The audit key: 32 random bytes (hex) in `key_file`, created with its folder
// (mode 0600) when absent; `*created` says whether this call created it.
// Fails naming the file when it cannot be read or created, or is not 64 hex
// characters.
Result<std::string> LoadOrCreateAuditKey(const std::filesystem::path& key_file, bool* created);
// Hex HMAC-SHA256 of "<seq>:<hash>" under `secret`.
std::string AnchorMac(std::string_view secret, std::int64_t seq, std::string_view hash);
// The chain as above, plus the anchor (state "keys"/"audit_anchor"): its
// problems join the verdict; when everything verifies, the anchor moves to
// the head.
Result<ChainVerdict> VerifyAuditChain(Store& store, const std::filesystem::path& key_file);

}  // namespace ctodesk::keys
