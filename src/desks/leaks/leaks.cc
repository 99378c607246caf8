#include "desks/leaks/leaks.h"
#include "core/json_text.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"
#include "git/git.h"

namespace ctodesk::leaks {

namespace {

constexpr const char* kDesk = "leaks";
constexpr std::size_t kMaxRememberedBlobs = 64;  // per secret, enough to tell "still at HEAD"

// What the store keeps about a secret between runs: never the secret itself.
struct Known {
  std::string fingerprint, rule, description, redacted, path, commit, author;
  Confidence confidence = Confidence::kHigh;
  std::int64_t time = 0;
  int line = 0;
  std::int64_t occurrences = 0;
  std::vector<std::string> blobs;
  bool at_head = false;
  bool is_new = false;  // first seen by an incremental run: new since the last one
  std::string key_id;   // one of our API keys (the leak loop); never the plain key
};

// What the finding says about one of our keys (the leak loop), filled per run.
struct OwnKey {
  KeyRecord key;
  std::string action;  // "revoked", "suspended", "reported"
  bool usable = false;
  bool by_desk = false;  // the leaks desk itself revoked or suspended it
  keys::ExposureAnswer exposure;
};

nlohmann::json ToJson(const Known& k) {
  return {{"fp", k.fingerprint}, {"rule", k.rule}, {"desc", k.description}, {"redacted", k.redacted},
          {"path", k.path}, {"commit", k.commit}, {"author", k.author}, {"conf", static_cast<int>(k.confidence)},
          {"time", k.time}, {"line", k.line}, {"occ", k.occurrences}, {"blobs", k.blobs}, {"key_id", k.key_id}};
}

std::optional<Known> FromJson(const nlohmann::json& j) {
  try {
    Known k;
    k.fingerprint = j.at("fp");
    k.rule = j.at("rule");
    k.description = j.at("desc");
    k.redacted = j.at("redacted");
    k.path = j.at("path");
    k.commit = j.at("commit");
    k.author = j.at("author");
    k.confidence = static_cast<Confidence>(std::clamp(j.at("conf").get<int>(), 0, 2));
    k.time = j.at("time");
    k.line = j.at("line");
    k.occurrences = j.at("occ");
    k.blobs = j.at("blobs").get<std::vector<std::string>>();
    if (j.contains("key_id") && j["key_id"].is_string()) k.key_id = j["key_id"];
    return k;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string Day(std::int64_t t) {
  if (t == 0) return "an unknown date";
  return FormatTime(FromUnix(t)).substr(0, 10);
}

Severity Demote(Severity s) { return s == Severity::kFyi ? s : static_cast<Severity>(static_cast<int>(s) + 1); }

Finding MakeFinding(const Repo& repo, const Known& k, const OwnKey* own) {
  Finding f;
  f.desk = kDesk;
  f.subject = fmt::format("{} {}", repo.name, k.fingerprint);
  f.kind = k.at_head ? "at-head" : "in-history";
  f.severity = k.at_head || k.is_new ? Severity::kActNow : Severity::kToday;
  if (k.confidence == Confidence::kLow) f.severity = Demote(f.severity);
  std::string where = k.path.empty() ? "an unreachable object" : k.path;
  std::string state = k.at_head ? "still at HEAD" : "in history only";
  f.title = fmt::format("{}{} {} in {}: {}", k.is_new ? "New: " : "", k.description, k.redacted, repo.name, state);
  std::string intro = k.commit.empty()
                          ? fmt::format("It sits in {} of {}.", where, repo.path.string())
                          : fmt::format("Introduced in {} by commit {} ({}, {}), {}:{}.", repo.name,
                                        k.commit.substr(0, 12), k.author, Day(k.time), where, k.line);
  f.detail = fmt::format("{} Found in {} place{} across history; {} confidence ({}).", intro, k.occurrences,
                         k.occurrences == 1 ? "" : "s", ConfidenceName(k.confidence), k.rule);
  f.action = k.at_head
                 ? "Revoke the credential at its provider now, then remove it from the code and load it from the "
                   "environment or a secret manager; check the provider's logs for use since it was committed."
                 : "Rotate the credential: every clone still holds it, and rewriting history does not un-leak it. "
                   "Then check the provider's logs for use since it was committed.";
  f.concern = Concern::kSecurity;
  f.plain.risk = k.at_head
                     ? fmt::format("A password-like credential ({}) is written into the {} code that staff and "
                                   "contractors can read; anyone who has seen it can use it as if they were us.",
                                   k.description, repo.name)
                     : fmt::format("A credential ({}) was once written into the {} code. It has been removed, but "
                                   "every copy of the code's history still contains it.",
                                   k.description, repo.name);
  f.plain.doing = k.at_head ? "The team is cancelling it and replacing it with a new one kept out of the code."
                            : "The team is replacing it so the old one stops working.";
  f.evidence.emplace_back("rule", k.rule);
  f.evidence.emplace_back("secret", k.redacted);
  f.evidence.emplace_back("fingerprint", k.fingerprint);
  f.evidence.emplace_back("confidence", std::string(ConfidenceName(k.confidence)));
  f.evidence.emplace_back("where", k.path.empty() ? where : fmt::format("{}:{}", k.path, k.line));
  if (!k.commit.empty()) {
    f.evidence.emplace_back("introduced", fmt::format("{} by {} on {}", k.commit.substr(0, 12), k.author, Day(k.time)));
  }
  f.evidence.emplace_back("at HEAD", k.at_head ? "yes" : "no");
  if (own) {
    const KeyRecord& key = own->key;
    const keys::ExposureAnswer& x = own->exposure;
    std::string holder = key.client.empty() ? key.owner : fmt::format("{}, {}", key.client, key.owner);
    std::string used = x.used ? fmt::format("yes: {} requests between {} and {}", x.usage.count,
                                            FormatTime(FromUnix(*x.usage.first_ms / 1000)),
                                            FormatTime(FromUnix(*x.usage.last_ms / 1000)))
                              : "no";
    if (x.refused > 0) used += fmt::format(" ({} refused attempts)", x.refused);
    std::string window = fmt::format("{} to {}{}", FormatTime(x.from), FormatTime(x.to),
                                     own->usable ? " (still valid)" : "");
    if (own->usable) {
      f.severity = Severity::kActNow;
      f.title = fmt::format("{}Our API key {} ({}) leaked in {}: revoke {} now", k.is_new ? "New: " : "",
                            key.id, holder, repo.name, key.id);
      f.action = fmt::format("Revoke {} now and run the leaked-key procedure: `ctodesk incident open leaked-key "
                             "--key-id {}` (revokes it, finds the exposure window and who used it, records it).",
                             key.id, key.id);
    } else {
      f.title = fmt::format("{}Our API key {} ({}) leaked in {}: {}", k.is_new ? "New: " : "", key.id, holder,
                            repo.name,
                            own->by_desk ? own->action + " automatically"
                            : own->action == "revoked" && own->key.revoked_at
                                ? "revoked " + FormatTime(*own->key.revoked_at)
                                : own->action);
      f.action = fmt::format("Remove it from the code. Unless an incident is already open for it (`ctodesk "
                             "incident list`), record what happened: `ctodesk incident open leaked-key --key-id {}` "
                             "(exposure window, who used it, who must get a new key).",
                             key.id);
    }
    f.detail += fmt::format(" It is one of our own API keys ({}, {}). Exposed {}; used while exposed: {}.",
                            key.id, holder, window, used);
    f.plain.risk = fmt::format("One of the access keys we give customers, the one {} uses, was written into the {} code, so "
                               "anyone who saw the code could use it to reach customer data.",
                               key.client.empty() ? key.owner : key.client, repo.name);
    f.plain.doing = own->usable ? "The team is switching the key off now and checking whether anyone used it."
                                : "The key was switched off automatically; the team is checking whether anyone "
                                  "used it and giving the customer a new one.";
    f.evidence.emplace_back("key", key.id);
    f.evidence.emplace_back("key holder", holder);
    f.evidence.emplace_back("key status", own->usable ? "still valid" : own->action);
    f.evidence.emplace_back("exposed", window);
    f.evidence.emplace_back("used while exposed", used);
  }
  return f;
}

Known FromSecret(const Secret& s) {
  const Occurrence& o = s.introduced();
  Known k;
  k.fingerprint = s.fingerprint;
  k.rule = s.rule;
  k.description = s.description;
  k.redacted = s.redacted;
  k.path = o.path;
  k.commit = o.commit;
  k.author = o.author;
  k.time = o.time;
  k.line = o.line;
  k.confidence = s.confidence;
  k.occurrences = static_cast<std::int64_t>(s.occurrences.size());
  k.blobs.assign(s.blobs.begin(), s.blobs.begin() + std::min(s.blobs.size(), kMaxRememberedBlobs));
  k.at_head = s.at_head;
  return k;
}


// The leak loop for one known secret: is it one of our keys? Acts per
// on_leak the first time, then reports its state and exposure every run.
Result<std::optional<OwnKey>> HandleOwnKey(DeskContext& ctx, const Settings& settings, const Repo& repo, Known& k,
                                           const std::map<std::string, std::string>& our_keys) {
  const TimePoint now = ctx.clock.Now();
  const TimePoint since = k.time != 0 ? FromUnix(k.time) : now;
  std::string where = k.commit.empty() ? fmt::format("{}: {}:{}", repo.name, k.path, k.line)
                                       : fmt::format("{}@{}: {}:{}", repo.name, k.commit.substr(0, 12), k.path, k.line);
  if (k.key_id.empty()) {
    auto plain = our_keys.find(k.fingerprint);
    if (plain == our_keys.end()) return std::optional<OwnKey>();
    auto handled = keys::HandleLeakedKey(ctx.store, plain->second, where, since, settings.on_leak == "revoke", now);
    if (!handled) return Fail(handled.error());
    if (!*handled) return std::optional<OwnKey>();  // our format, but not in the registry
    k.key_id = (*handled)->key.id;
    if (settings.on_leak == "suspend" && keys::Usable(keys::StatusOf((*handled)->key, now))) {
      nlohmann::json evidence = {{"leaked in", where}, {"fingerprint", k.fingerprint}};
      auto s = keys::SuspendKey(ctx.store, k.key_id, fmt::format("leaked: found in {}", where), JsonText(evidence),
                                "leaks desk", now);
      if (!s) return Fail(s.error());
    }
  }
  auto key = ctx.store.GetKey(k.key_id);
  if (!key) return Fail(key.error());
  if (!*key) return std::optional<OwnKey>();  // deleted from the registry since
  OwnKey own;
  own.key = std::move(**key);
  keys::KeyStatus status = keys::StatusOf(own.key, now);
  own.usable = keys::Usable(status);
  own.by_desk = (status == keys::KeyStatus::kRevoked && own.key.revoke_reason.starts_with("leaked: found in")) ||
                (status == keys::KeyStatus::kSuspended && own.key.suspend_reason.starts_with("leaked: found in"));
  own.action = status == keys::KeyStatus::kRevoked     ? "revoked"
               : status == keys::KeyStatus::kSuspended ? "suspended"
               : status == keys::KeyStatus::kExpired   ? "expired"
                                                       : "reported";
  // The window ends at the revocation, or at the suspension, or now.
  KeyRecord for_window = own.key;
  if (!for_window.revoked_at && for_window.suspended_at) for_window.revoked_at = for_window.suspended_at;
  auto exposure = keys::WasUsedWhileExposed(ctx.store, for_window, since, now);
  if (!exposure) return Fail(exposure.error());
  own.exposure = std::move(*exposure);
  return std::optional<OwnKey>(std::move(own));
}

}  // namespace

namespace {
constexpr const char* kLeakedKeysState = "leaked-keys";

nlohmann::json LeakedToJson(const LeakedKeyRecord& r) {
  return {{"key_id", r.key_id}, {"repo", r.repo}, {"fingerprint", r.fingerprint}, {"finding_id", r.finding_id},
          {"commit", r.commit}, {"author", r.author}, {"where", r.where}, {"exposed_since", r.exposed_since},
          {"found_at", r.found_at}, {"action", r.action}};
}

std::map<std::string, LeakedKeyRecord> ParseLeaked(const std::string& text) {
  std::map<std::string, LeakedKeyRecord> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [id, v] : j.items()) {
    if (!v.is_object()) continue;
    LeakedKeyRecord r;
    r.key_id = id;
    r.repo = v.value("repo", "");
    r.fingerprint = v.value("fingerprint", "");
    r.finding_id = v.value("finding_id", "");
    r.commit = v.value("commit", "");
    r.author = v.value("author", "");
    r.where = v.value("where", "");
    r.exposed_since = v.value("exposed_since", std::int64_t{0});
    r.found_at = v.value("found_at", std::int64_t{0});
    r.action = v.value("action", "");
    out.emplace(id, std::move(r));
  }
  return out;
}

Result<std::map<std::string, LeakedKeyRecord>> LoadLeaked(Store& store) {
  auto text = store.GetState(kDesk, kLeakedKeysState);
  if (!text) return Fail(text.error());
  if (!*text) return std::map<std::string, LeakedKeyRecord>();
  return ParseLeaked(**text);
}
}  // namespace

Result<std::vector<LeakedKeyRecord>> LeakedKeys(Store& store) {
  auto all = LoadLeaked(store);
  if (!all) return Fail(all.error());
  std::vector<LeakedKeyRecord> out;
  for (auto& [id, r] : *all) out.push_back(std::move(r));
  return out;
}

Result<std::optional<LeakedKeyRecord>> FindLeakedKey(Store& store, std::string_view key_id) {
  auto all = LoadLeaked(store);
  if (!all) return Fail(all.error());
  auto it = all->find(std::string(key_id));
  if (it == all->end()) return std::optional<LeakedKeyRecord>();
  return std::optional<LeakedKeyRecord>(it->second);
}

Result<void> SaveLeakedKey(Store& store, const LeakedKeyRecord& r) {
  auto all = LoadLeaked(store);
  if (!all) return Fail(all.error());
  LeakedKeyRecord copy = r;
  if (auto it = all->find(r.key_id); it != all->end() && it->second.found_at != 0) {
    copy.found_at = std::min(it->second.found_at, r.found_at == 0 ? it->second.found_at : r.found_at);
  }
  (*all)[r.key_id] = copy;
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [id, v] : *all) j[id] = LeakedToJson(v);
  return store.PutState(kDesk, kLeakedKeysState, JsonText(j));
}

void LeaksDesk::LinkKeys(const std::string& prefix, const std::string& on_leak) {
  settings_.keys_linked = true;
  settings_.on_leak = on_leak;
  if (!prefix.empty() && std::find(settings_.own_key_prefixes.begin(), settings_.own_key_prefixes.end(), prefix) ==
                             settings_.own_key_prefixes.end()) {
    settings_.own_key_prefixes.push_back(prefix);
  }
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  for (const std::string& p : section.StringList("repositories")) {
    std::filesystem::path path(p);
    std::string name = path.lexically_normal().filename().string();
    if (name.empty()) name = path.lexically_normal().parent_path().filename().string();
    s.repos.push_back({name.empty() ? p : name, path});
  }
  for (ConfigTable& t : section.TableArray("repos")) {
    auto path = t.Path("path", true);
    auto name = t.String("name");
    if (path) s.repos.push_back({name ? *name : path->filename().string(), *path});
  }
  std::set<std::string> names;
  for (const Repo& r : s.repos) {
    if (!names.insert(r.name).second) {
      section.Error("repositories", fmt::format("two repositories are named \"{}\"; give one a name with "
                                                "[[leaks.repos]] name = ...", r.name));
    }
  }
  if (s.repos.empty() && !section.Has("repositories") && !section.Has("repos")) {
    section.Error("repositories", "expected the git repositories to watch: repositories = [\"path\", ...]");
  }
  if (auto m = section.Size("max_blob_size")) {
    if (*m <= 0) {
      section.Error("max_blob_size", "expected a size above zero, such as \"5MiB\"");
    } else {
      s.max_blob_size = static_cast<std::uint64_t>(*m);
    }
  }
  if (auto t = section.Int("threads", 0, 1024)) s.threads = static_cast<int>(*t);
  s.allow_paths = section.StringList("allow_paths");
  if (auto b = section.Bool("include_test_guesses")) s.include_test_guesses = *b;
  for (const std::string& f : section.StringList("allow_fingerprints")) {
    if (f.size() != 16 || !std::all_of(f.begin(), f.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      section.Error("allow_fingerprints", fmt::format("expected 16 hex characters (from `ctodesk leaks scan`), got \"{}\"", f));
    } else {
      s.allow_fingerprints.insert(f);
    }
  }
  for (const std::string& p : section.StringList("own_key_prefixes")) {
    if (p.size() < 2 || p.size() > 16 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); })) {
      section.Error("own_key_prefixes", fmt::format("expected 2 to 16 characters of a-z and 0-9 (the keys desk's "
                                                    "prefix), got \"{}\"", p));
    } else {
      s.own_key_prefixes.push_back(p);
    }
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) { return std::make_unique<LeaksDesk>(ReadSettings(section)); }

ScanOptions LeaksDesk::Options() const {
  ScanOptions o;
  o.max_blob_size = settings_.max_blob_size;
  o.threads = settings_.threads;
  o.allow_paths = settings_.allow_paths;
  o.allow_fingerprints = settings_.allow_fingerprints;
  o.include_test_guesses = settings_.include_test_guesses;
  return o;
}

Result<DeskReport> LeaksDesk::Run(DeskContext& ctx) {
  auto scanner = Scanner::Create(settings_.own_key_prefixes);
  if (!scanner) return Fail(scanner.error());
  DeskReport report;
  for (const Repo& repo : settings_.repos) {
    std::filesystem::path path = repo.path.is_absolute() ? repo.path : ctx.base_dir / repo.path;
    if (!git::Repository::IsRepository(path)) {
      return Fail(Error::Invalid(fmt::format("leaks: {} ({}) is not a git repository", repo.name, path.string())));
    }
    const std::string key = path.lexically_normal().string();
    auto tips_state = ctx.store.GetState(kDesk, "tips:" + key);
    auto known_state = ctx.store.GetState(kDesk, "known:" + key);
    if (!tips_state) return Fail(tips_state.error());
    if (!known_state) return Fail(known_state.error());

    std::map<std::string, Known> known;
    ScanOptions options = Options();
    const bool incremental = tips_state->has_value();
    if (incremental) {
      auto tips = nlohmann::json::parse(**tips_state, nullptr, false);
      if (tips.is_array()) {
        for (const auto& t : tips) {
          if (t.is_string()) options.hide.push_back(t.get<std::string>());
        }
      }
      auto list = known_state->has_value() ? nlohmann::json::parse(**known_state, nullptr, false) : nlohmann::json();
      if (list.is_array()) {
        for (const auto& j : list) {
          if (auto k = FromJson(j)) known.emplace(k->fingerprint, std::move(*k));
        }
      }
    }
    auto scan = (*scanner)->ScanGit(path, options);
    if (!scan) return Fail(scan.error());
    report.checked += scan->stats.blobs;
    std::map<std::string, std::string> our_keys;  // fingerprint -> plain key, this run only, never stored
    for (const Secret& s : scan->secrets) {
      if (settings_.keys_linked && keys::LooksLikeOurKey(s.value)) our_keys.emplace(s.fingerprint, s.value);
    }
    for (const Secret& s : scan->secrets) {
      auto it = known.find(s.fingerprint);
      if (it == known.end()) {
        Known k = FromSecret(s);
        k.is_new = incremental;
        known.emplace(k.fingerprint, std::move(k));
      } else {
        for (const std::string& b : s.blobs) {
          if (it->second.blobs.size() < kMaxRememberedBlobs &&
              std::find(it->second.blobs.begin(), it->second.blobs.end(), b) == it->second.blobs.end()) {
            it->second.blobs.push_back(b);
          }
        }
        it->second.occurrences += static_cast<std::int64_t>(s.occurrences.size());
      }
    }
    // Still at HEAD? Known secrets' blobs against HEAD's tree (ids only).
    auto git_repo = git::Repository::Open(path);
    if (!git_repo) return Fail(git_repo.error());
    auto head = (*git_repo)->HeadBlobs();
    if (!head) return Fail(head.error());
    std::set<std::string> head_blobs;
    for (const git::PathBlob& pb : *head) head_blobs.insert(pb.blob.Hex());
    nlohmann::json list = nlohmann::json::array();
    for (auto& [fp, k] : known) {
      k.at_head = std::any_of(k.blobs.begin(), k.blobs.end(), [&](const std::string& b) { return head_blobs.contains(b); });
      std::optional<OwnKey> own;
      if (settings_.keys_linked && !settings_.allow_fingerprints.contains(fp)) {
        auto o = HandleOwnKey(ctx, settings_, repo, k, our_keys);
        if (!o) return Fail(o.error());
        own = std::move(*o);
      }
      list.push_back(ToJson(k));
      if (settings_.allow_fingerprints.contains(fp)) continue;
      Finding f = MakeFinding(repo, k, own ? &*own : nullptr);
      if (own) {
        LeakedKeyRecord r;
        r.key_id = own->key.id;
        r.repo = repo.name;
        r.fingerprint = fp;
        r.finding_id = f.Id();
        r.commit = k.commit;
        r.author = k.author;
        r.where = k.path.empty() ? "" : fmt::format("{}:{}", k.path, k.line);
        r.exposed_since = ToUnix(own->exposure.from);
        r.found_at = ToUnix(ctx.clock.Now());
        r.action = own->action;
        if (auto w = SaveLeakedKey(ctx.store, r); !w) return Fail(w.error());
      }
      report.findings.push_back(std::move(f));
    }
    if (auto w = ctx.store.PutState(kDesk, "tips:" + key, JsonText(nlohmann::json(scan->ref_tips))); !w) {
      return Fail(w.error());
    }
    if (auto w = ctx.store.PutState(kDesk, "known:" + key, JsonText(list)); !w) {
      return Fail(w.error());
    }
  }
  return report;
}

}  // namespace ctodesk::leaks
