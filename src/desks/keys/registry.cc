#include "desks/keys/registry.h"
#include "core/json_text.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/key_format.h"

namespace ctodesk::keys {

namespace {

using Json = nlohmann::ordered_json;

AuditEntry Entry(std::string_view actor, std::string_view action, const KeyRecord& k, Json detail,
                 TimePoint now) {
  AuditEntry e;
  e.at = now;
  e.actor = std::string(actor);
  e.action = std::string(action);
  e.key_id = k.id;
  e.detail = JsonText(detail);
  return e;
}

Result<IssuedKey> MakeKey(std::string_view prefix, const KeyRecord& like, TimePoint now) {
  auto plain = GenerateKey(prefix);
  if (!plain) return Fail(plain.error());
  auto id = NewKeyId();
  if (!id) return Fail(id.error());
  IssuedKey out;
  out.record = like;
  out.record.id = *id;
  out.record.hash = HashKey(*plain);
  out.record.hint = KeyHint(*plain);
  out.record.created_at = now;
  out.record.revoked_at.reset();
  out.record.revoke_reason.clear();
  out.record.suspended_at.reset();
  out.record.suspend_reason.clear();
  out.record.replaced_by.clear();
  out.plain_key = std::move(*plain);
  return out;
}

std::vector<std::pair<std::string, std::int64_t>> Top(const std::map<std::string, std::int64_t>& m,
                                                      size_t n) {
  std::vector<std::pair<std::string, std::int64_t>> v(m.begin(), m.end());
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (v.size() > n) v.resize(n);
  return v;
}

}  // namespace

std::string_view KeyStatusName(KeyStatus s) {
  switch (s) {
    case KeyStatus::kActive: return "active";
    case KeyStatus::kGrace: return "grace";
    case KeyStatus::kSuspended: return "suspended";
    case KeyStatus::kExpired: return "expired";
    case KeyStatus::kRevoked: return "revoked";
  }
  return "unknown";
}

KeyStatus StatusOf(const KeyRecord& key, TimePoint now) {
  if (key.revoked_at && *key.revoked_at <= now) return KeyStatus::kRevoked;
  if (key.expires_at && *key.expires_at <= now) return KeyStatus::kExpired;
  if (key.suspended_at) return KeyStatus::kSuspended;
  if (key.revoked_at) return KeyStatus::kGrace;
  return KeyStatus::kActive;
}

bool Usable(KeyStatus s) { return s == KeyStatus::kActive || s == KeyStatus::kGrace; }

Result<IssuedKey> IssueKey(Store& store, const IssueRequest& request, TimePoint now) {
  if (request.owner.empty()) return Fail(Error::Invalid("a key needs an owner (--owner NAME)"));
  KeyRecord like;
  like.owner = request.owner;
  like.client = request.client;
  like.scopes = request.scopes;
  like.plan = request.plan;
  if (request.expires_in) {
    like.expires_at = now + std::chrono::duration_cast<std::chrono::seconds>(*request.expires_in);
  }
  auto issued = MakeKey(request.prefix, like, now);
  if (!issued) return Fail(issued.error());
  const KeyRecord& k = issued->record;
  Json detail = {{"owner", k.owner}, {"client", k.client}, {"scopes", k.scopes},
                 {"plan", k.plan},   {"hint", k.hint},     {"sha256", k.hash}};
  if (k.expires_at) detail["expires_at"] = FormatTime(*k.expires_at);
  if (auto r = store.SaveKey(k, Entry(request.actor, "issue", k, detail, now)); !r) {
    return Fail(r.error());
  }
  return issued;
}

Result<KeyRecord> GetKeyOrFail(Store& store, std::string_view id) {
  auto k = store.GetKey(id);
  if (!k) return Fail(k.error());
  if (!*k) return Fail(Error::NotFound(fmt::format("no key with id \"{}\" (see `ctodesk keys list`)", id)));
  return std::move(**k);
}

Result<std::optional<KeyRecord>> FindByPlainKey(Store& store, std::string_view plain_key) {
  if (!LooksLikeOurKey(plain_key)) return std::optional<KeyRecord>();
  return store.FindKeyByHash(HashKey(plain_key));
}

Result<KeyRecord> RevokeKey(Store& store, std::string_view id, std::string_view reason,
                            std::string_view actor, TimePoint now) {
  auto k = GetKeyOrFail(store, id);
  if (!k) return k;
  if (StatusOf(*k, now) == KeyStatus::kRevoked) {
    return Fail(Error::Invalid(fmt::format("key {} was already revoked at {}", k->id,
                                           FormatTime(*k->revoked_at))));
  }
  k->revoked_at = now;
  k->revoke_reason = std::string(reason);
  Json detail = {{"reason", reason}};
  if (auto r = store.SaveKey(*k, Entry(actor, "revoke", *k, detail, now)); !r) return Fail(r.error());
  return k;
}

Result<KeyRecord> SuspendKey(Store& store, std::string_view id, std::string_view reason,
                             std::string_view evidence, std::string_view actor, TimePoint now) {
  auto k = GetKeyOrFail(store, id);
  if (!k) return k;
  if (k->suspended_at) return k;  // already stopped: keep the first reason
  k->suspended_at = now;
  k->suspend_reason = std::string(reason);
  Json detail = {{"reason", reason}};
  auto ev = Json::parse(evidence, nullptr, false);
  detail["evidence"] = ev.is_discarded() ? Json(std::string(evidence)) : ev;
  if (auto r = store.SaveKey(*k, Entry(actor, "suspend", *k, detail, now)); !r) return Fail(r.error());
  return k;
}

Result<KeyRecord> ReinstateKey(Store& store, std::string_view id, std::string_view actor,
                               TimePoint now) {
  auto k = GetKeyOrFail(store, id);
  if (!k) return k;
  if (!k->suspended_at) return Fail(Error::Invalid(fmt::format("key {} is not suspended", k->id)));
  Json detail = {{"was_suspended_at", FormatTime(*k->suspended_at)},
                 {"reason", k->suspend_reason}};
  k->suspended_at.reset();
  k->suspend_reason.clear();
  if (auto r = store.SaveKey(*k, Entry(actor, "reinstate", *k, detail, now)); !r) {
    return Fail(r.error());
  }
  return k;
}

Result<std::vector<Rotation>> ReplaceKeys(Store& store, const std::vector<KeyRecord>& olds,
                                          const ReplaceOptions& options, TimePoint now,
                                          const BeforeRotationCommit& before_commit) {
  std::vector<Rotation> out;
  std::vector<std::pair<KeyRecord, AuditEntry>> changes;
  const TimePoint revoke_at =
      now + (options.grace ? std::chrono::duration_cast<std::chrono::seconds>(*options.grace)
                           : std::chrono::seconds(0));
  for (const KeyRecord& old : olds) {
    KeyRecord like = old;
    if (old.expires_at) like.expires_at = now + (*old.expires_at - old.created_at);
    auto fresh = MakeKey(options.prefix, like, now);
    if (!fresh) return Fail(fresh.error());
    const KeyRecord& k = fresh->record;
    Json issue = {{"owner", k.owner}, {"client", k.client}, {"scopes", k.scopes},
                  {"plan", k.plan},   {"hint", k.hint},     {"sha256", k.hash},
                  {"replaces", old.id}};
    if (!options.incident.empty()) issue["incident"] = options.incident;
    changes.emplace_back(k, Entry(options.actor, "issue", k, issue, now));
    KeyRecord updated = old;
    updated.replaced_by = k.id;
    if (!updated.revoked_at || *updated.revoked_at > revoke_at) {
      updated.revoked_at = revoke_at;
      updated.revoke_reason = options.reason;
    }
    Json rot = {{"replaced_by", k.id}, {"revoked_at", FormatTime(*updated.revoked_at)},
                {"grace", options.grace ? FormatDuration(*options.grace) : "none"}};
    if (!options.incident.empty()) rot["incident"] = options.incident;
    changes.emplace_back(updated, Entry(options.actor, "rotate", updated, rot, now));
    out.push_back({std::move(updated), fresh->record, std::move(fresh->plain_key)});
  }
  if (before_commit) {
    if (auto r = before_commit(out); !r) return Fail(r.error());
  }
  if (!changes.empty()) {
    if (auto r = store.SaveKeys(changes); !r) {
      return Fail(Error::Store(fmt::format("{} (nothing was rotated)", r.error().message)));
    }
  }
  return out;
}

Result<std::vector<Rotation>> RotateKeys(Store& store, const RotateRequest& request, TimePoint now,
                                         const BeforeRotationCommit& before_commit) {
  int selectors = (request.all ? 1 : 0) + (request.client.empty() ? 0 : 1) +
                  (request.owner.empty() ? 0 : 1);
  if (selectors != 1) {
    return Fail(Error::Invalid("rotate needs exactly one of --all, --client C, --owner O"));
  }
  auto keys = store.ListKeys();
  if (!keys) return Fail(keys.error());
  std::vector<KeyRecord> chosen;
  for (const KeyRecord& old : *keys) {
    if (StatusOf(old, now) != KeyStatus::kActive) continue;
    if (!request.client.empty() && old.client != request.client) continue;
    if (!request.owner.empty() && old.owner != request.owner) continue;
    chosen.push_back(old);
  }
  ReplaceOptions options;
  options.prefix = request.prefix;
  options.actor = request.actor;
  options.grace = request.grace;
  return ReplaceKeys(store, chosen, options, now, before_commit);
}

namespace {
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string RotationCsv(const std::vector<Rotation>& rotations) {
  std::string out = "owner,client,old_key_id,old_key_valid_until,new_key_id,new_key\n";
  for (const Rotation& r : rotations) {
    out += fmt::format("{},{},{},{},{},{}\n", CsvField(r.old_key.owner), CsvField(r.old_key.client),
                       r.old_key.id, FormatTime(*r.old_key.revoked_at), r.new_key.id, r.plain_key);
  }
  return out;
}

std::string RotationJson(const std::vector<Rotation>& rotations) {
  Json arr = Json::array();
  for (const Rotation& r : rotations) {
    arr.push_back({{"owner", r.old_key.owner},
                   {"client", r.old_key.client},
                   {"old_key_id", r.old_key.id},
                   {"old_key_valid_until", FormatTime(*r.old_key.revoked_at)},
                   {"new_key_id", r.new_key.id},
                   {"new_key", r.plain_key}});
  }
  return JsonText(arr, 2) + "\n";
}

UsageSummary Summarize(const std::vector<UsageEvent>& events, size_t top) {
  UsageSummary s;
  std::map<std::string, std::int64_t> ips, agents, paths, statuses;
  for (const UsageEvent& e : events) {
    ++s.count;
    s.first_ms = s.first_ms ? std::min(*s.first_ms, e.at_ms) : e.at_ms;
    s.last_ms = s.last_ms ? std::max(*s.last_ms, e.at_ms) : e.at_ms;
    ++ips[e.ip];
    ++agents[e.user_agent];
    ++paths[e.path];
    ++statuses[std::to_string(e.status)];
  }
  s.distinct_paths = static_cast<std::int64_t>(paths.size());
  s.ips = Top(ips, top);
  s.user_agents = Top(agents, top);
  s.paths = Top(paths, top);
  s.statuses = Top(statuses, top);
  return s;
}

Result<ExposureAnswer> WasUsedWhileExposed(Store& store, const KeyRecord& key,
                                           TimePoint exposed_since, TimePoint now) {
  ExposureAnswer a;
  a.from = exposed_since;
  a.to = key.revoked_at && *key.revoked_at <= now ? *key.revoked_at : now;
  auto events = store.Usage(key.id, ToUnix(a.from) * 1000, ToUnix(a.to) * 1000 + 1000);
  if (!events) return Fail(events.error());
  std::vector<UsageEvent> accepted;
  for (UsageEvent& e : *events) {
    if (e.status == 401 || e.status == 403 || e.status == 429) ++a.refused;
    else accepted.push_back(std::move(e));
  }
  a.usage = Summarize(accepted);
  a.used = a.usage.count > 0;
  return a;
}

Result<std::optional<LeakOutcome>> HandleLeakedKey(Store& store, std::string_view text,
                                                   std::string_view where, TimePoint exposed_since,
                                                   bool revoke, TimePoint now) {
  auto found = FindByPlainKey(store, text);
  if (!found) return Fail(found.error());
  if (!*found) return std::optional<LeakOutcome>();
  LeakOutcome out;
  out.key = std::move(**found);
  if (revoke && Usable(StatusOf(out.key, now))) {
    auto r = RevokeKey(store, out.key.id, fmt::format("leaked: found in {}", where), "leaks desk", now);
    if (!r) return Fail(r.error());
    out.key = std::move(*r);
    out.revoked_now = true;
  }
  auto exposure = WasUsedWhileExposed(store, out.key, exposed_since, now);
  if (!exposure) return Fail(exposure.error());
  out.exposure = std::move(*exposure);
  return std::optional<LeakOutcome>(std::move(out));
}

}  // namespace ctodesk::keys
