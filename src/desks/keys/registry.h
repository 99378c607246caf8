// The key registry: issue, revoke, suspend, rotate, look up, and answer "who
// used this key, and was it used while exposed?". Every change goes through
// Store::SaveKey with its audit entry, in one transaction, so the registry and
// the hash-chained audit trail never disagree. Plain keys are returned to the
// caller once (IssuedKey, Rotation) and never stored, logged or kept here.
//
// Not thread-safe (uses the store); the functions keep no state of their own.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace ctodesk::keys {

enum class KeyStatus { kActive, kGrace, kSuspended, kExpired, kRevoked };
std::string_view KeyStatusName(KeyStatus s);  // "active", "grace", "suspended", ...
// kGrace: usable, but a revocation is scheduled (a rotation's grace period).
KeyStatus StatusOf(const KeyRecord& key, TimePoint now);
// True for kActive and kGrace.
bool Usable(KeyStatus s);

struct IssueRequest {
  std::string prefix = "ck";
  std::string owner;
  std::string client;
  std::vector<std::string> scopes;
  std::string plan = "default";
  std::optional<Duration> expires_in;
  std::string actor = "cli";
};

struct IssuedKey {
  KeyRecord record;
  std::string plain_key;  // show once, then drop
};

Result<IssuedKey> IssueKey(Store& store, const IssueRequest& request, TimePoint now);

// Finds a key by id, or fails with kNotFound naming the id.
Result<KeyRecord> GetKeyOrFail(Store& store, std::string_view id);
// The registry entry of a plain key, by its SHA-256 (constant-time confirm).
// nullopt for a string that is not one of our keys (checksum) or is unknown.
// For the leaks desk.
Result<std::optional<KeyRecord>> FindByPlainKey(Store& store, std::string_view plain_key);

// Revokes now. Revoking a revoked key fails (kInvalidInput) and changes nothing.
Result<KeyRecord> RevokeKey(Store& store, std::string_view id, std::string_view reason,
                            std::string_view actor, TimePoint now);
// Suspends (the guard's automatic stop, or by hand); `evidence` is JSON text
// kept in the audit entry.
Result<KeyRecord> SuspendKey(Store& store, std::string_view id, std::string_view reason,
                             std::string_view evidence, std::string_view actor, TimePoint now);
// Lifts a suspension.
Result<KeyRecord> ReinstateKey(Store& store, std::string_view id, std::string_view actor,
                               TimePoint now);

struct RotateRequest {
  bool all = false;
  std::string client;  // or by client
  std::string owner;   // or by owner
  std::optional<Duration> grace;  // old keys stay valid this long; none: revoked now
  std::string prefix = "ck";
  std::string actor = "cli";
};

struct Rotation {
  KeyRecord old_key;  // as updated (revoked now or at the end of the grace)
  KeyRecord new_key;
  std::string plain_key;  // the new key: hand it to old_key.owner, once
};

// Replaces every usable key that matches (suspended, revoked and expired keys
// are left alone). New keys keep owner, client, scopes, plan and the old
// key's lifetime. All or nothing: the new keys are made in memory, handed
// to `before_commit` (write the hand-over files there: if that fails,
// nothing changes), then every issue and revocation is stored in one
// transaction. A crash or a store error leaves the registry as it was, so
// no customer is locked out of a key nobody received.
using BeforeRotationCommit = std::function<Result<void>(const std::vector<Rotation>&)>;
Result<std::vector<Rotation>> RotateKeys(Store& store, const RotateRequest& request, TimePoint now,
                                         const BeforeRotationCommit& before_commit = {});

struct ReplaceOptions {
  std::string prefix = "ck";
  std::string actor = "cli";
  std::optional<Duration> grace;  // old keys stay valid this long; none: revoked now
  std::string reason = "rotated";  // the old keys' revoke reason
  std::string incident;            // named in the audit entries when set
};
// The all-or-nothing step under RotateKeys, for callers that chose the keys
// themselves (the leaked-key incident): a fresh key for each of `olds`, made
// in memory, handed to `before_commit`, then stored with every old key's
// revocation in one transaction. A key already revoked earlier keeps its
// earlier revocation.
Result<std::vector<Rotation>> ReplaceKeys(Store& store, const std::vector<KeyRecord>& olds,
                                          const ReplaceOptions& options, TimePoint now,
                                          const BeforeRotationCommit& before_commit = {});
// Who must receive which new key. These hold plain keys: write them to a
// private file (0600), never to a log.
std::string RotationCsv(const std::vector<Rotation>& rotations);
std::string RotationJson(const std::vector<Rotation>& rotations);

// What a key did in a window.
struct UsageSummary {
  std::int64_t count = 0;
  std::optional<std::int64_t> first_ms, last_ms;
  // Each most frequent first, with counts.
  std::vector<std::pair<std::string, std::int64_t>> ips, user_agents, paths, statuses;
  std::int64_t distinct_paths = 0;
};
UsageSummary Summarize(const std::vector<UsageEvent>& events, size_t top = 10);

// "Was it used while exposed?": uses between `exposed_since` and the key's
// revocation (or `now` if it is still valid).
// Requests the guard or gateway refused (401, 403, 429) are attempts, not
// uses: they are counted apart and do not make the answer "yes".
struct ExposureAnswer {
  bool used = false;
  std::int64_t refused = 0;
  TimePoint from{};
  TimePoint to{};
  UsageSummary usage;
};
Result<ExposureAnswer> WasUsedWhileExposed(Store& store, const KeyRecord& key,
                                           TimePoint exposed_since, TimePoint now);

// The leak loop, for the leaks desk: `text` was found in code or history at
// `where` ("payments-api@1a2b3c: deploy/ci.env:2"), exposed since `exposed_since`
// (its commit time). nullopt when it is not one of our keys (checksum) or not
// in the registry. With `revoke` and the key still usable, revokes it now (the
// audit entry names where it leaked); either way answers "was it used while
// exposed?" for exposed_since until its revocation (or now).
struct LeakOutcome {
  KeyRecord key;  // as it is after this call
  bool revoked_now = false;
  ExposureAnswer exposure;
};
Result<std::optional<LeakOutcome>> HandleLeakedKey(Store& store, std::string_view text,
                                                   std::string_view where, TimePoint exposed_since,
                                                   bool revoke, TimePoint now);

}  // namespace ctodesk::keys
