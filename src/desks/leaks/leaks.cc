#include "desks/leaks/leaks.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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
};

nlohmann::json ToJson(const Known& k) {
  return {{"fp", k.fingerprint}, {"rule", k.rule}, {"desc", k.description}, {"redacted", k.redacted},
          {"path", k.path}, {"commit", k.commit}, {"author", k.author}, {"conf", static_cast<int>(k.confidence)},
          {"time", k.time}, {"line", k.line}, {"occ", k.occurrences}, {"blobs", k.blobs}};
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

Finding MakeFinding(const Repo& repo, const Known& k) {
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

}  // namespace

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
      list.push_back(ToJson(k));
      if (settings_.allow_fingerprints.contains(fp)) continue;
      report.findings.push_back(MakeFinding(repo, k));
    }
    if (auto w = ctx.store.PutState(kDesk, "tips:" + key, nlohmann::json(scan->ref_tips).dump()); !w) {
      return Fail(w.error());
    }
    if (auto w = ctx.store.PutState(kDesk, "known:" + key, list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)); !w) {
      return Fail(w.error());
    }
  }
  return report;
}

}  // namespace ctodesk::leaks
