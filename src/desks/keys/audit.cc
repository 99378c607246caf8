#include "desks/keys/audit.h"

#include <fmt/format.h>

namespace ctodesk::keys {

ChainVerdict VerifyAuditChain(const std::vector<AuditEntry>& trail,
                              const std::optional<std::pair<std::int64_t, std::string>>& head) {
  ChainVerdict v;
  v.entries = static_cast<std::int64_t>(trail.size());
  auto problem = [&](std::int64_t seq, std::string what) {
    v.ok = false;
    if (v.problems.size() < 20) v.problems.push_back({seq, std::move(what)});
  };
  std::string prev(64, '0');
  std::int64_t expected_seq = 1;
  for (const AuditEntry& e : trail) {
    if (e.seq != expected_seq) {
      problem(e.seq, e.seq > expected_seq
                         ? fmt::format("entries {}..{} are missing (deleted)", expected_seq, e.seq - 1)
                         : fmt::format("entry {} appears again (inserted or renumbered)", e.seq));
    }
    if (!HashesEqual(e.prev_hash, prev)) {
      problem(e.seq, "its prev_hash does not match the entry before it (an entry was inserted "
                     "or removed before it)");
    }
    if (!HashesEqual(AuditEntryHash(e), e.hash)) {
      problem(e.seq, "its content does not match its hash (the entry was edited)");
    }
    prev = e.hash;
    expected_seq = e.seq + 1;
  }
  v.head_hash = trail.empty() ? "" : trail.back().hash;
  if (head) {
    if (trail.empty()) {
      problem(0, fmt::format("the trail is empty but the head says {} entries", head->first));
    } else if (head->first != trail.back().seq || !HashesEqual(head->second, trail.back().hash)) {
      problem(0, fmt::format("the last entry is {} but the head says {} (entries were added or "
                             "removed at the end)",
                             trail.back().seq, head->first));
    }
  } else if (!trail.empty()) {
    problem(0, "the trail has entries but no head");
  }
  return v;
}

Result<ChainVerdict> VerifyAuditChain(Store& store) {
  auto trail = store.AuditTrail();
  if (!trail) return Fail(trail.error());
  auto head = store.AuditHead();
  if (!head) return Fail(head.error());
  return VerifyAuditChain(*trail, *head);
}

}  // namespace ctodesk::keys
