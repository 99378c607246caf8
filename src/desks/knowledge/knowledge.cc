// The store keeps, per repository, every commit the desk has read: id,
// parents, author and its A/M/R changes, in chunks of at most kChunkCommits
// commits, plus the list of tips already read. A run walks only the commits
// reachable from the analysed commit and not from a stored tip, appends them
// as one more chunk, and then works from memory: reachability from any
// commit (the analysed one, each month-end's) is a walk over stored parents.
// Commits are never rewritten in git, so stored ones stay true; after a force
// push the unreachable ones are simply not used. The truck factor at a
// month-end commit is also kept, keyed by commit and file rules.
#include "desks/knowledge/knowledge.h"

#include <date/date.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "core/cores.h"
#include "git/history.h"

namespace ctodesk::knowledge {

namespace {

constexpr const char* kDesk = "knowledge";
constexpr const char* kNs = "knowledge";
constexpr const char* kFormat = "v1";
// The model's version: a trend point's truck factor is stored under it, so
// a store written by an earlier model (2: a file's history gathered through
// renames by path, as the published tool does) computes its points again.
constexpr const char* kModel = "m2";
constexpr std::size_t kChunkCommits = 5000;

using git::HistoryCommit;
using git::ObjectId;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ----------------------------------------------------------- commit cache

void Escape(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out += n == 't' ? '\t' : n == 'n' ? '\n' : n;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t tab = line.find('\t', start);
    parts.push_back(
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  return parts;
}

// C<TAB>id<TAB>parents (comma-separated)<TAB>author time<TAB>commit time<TAB>name<TAB>email
// then one line per A, M or R change: A<TAB>path, R<TAB>old<TAB>new.
std::string Serialize(std::span<const HistoryCommit> commits) {
  std::string out;
  for (const HistoryCommit& c : commits) {
    out += "C\t";
    out += c.id.Hex();
    out += '\t';
    for (std::size_t i = 0; i < c.parents.size(); ++i) {
      if (i > 0) out += ',';
      out += c.parents[i].Hex();
    }
    out += fmt::format("\t{}\t{}\t", c.author_time, c.commit_time);
    Escape(out, c.author_name);
    out += '\t';
    Escape(out, c.author_email);
    out += '\n';
    for (const git::NameStatus& ch : c.changes) {
      if (ch.status != 'A' && ch.status != 'M' && ch.status != 'R') continue;
      out += ch.status;
      out += '\t';
      if (ch.status == 'R') {
        Escape(out, ch.old_path);
        out += '\t';
      }
      Escape(out, ch.path);
      out += '\n';
    }
  }
  return out;
}

Result<void> Deserialize(std::string_view text, const std::string& where,
                         std::vector<HistoryCommit>& out) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    auto parts = SplitTabs(line);
    auto bad = [&] {
      return Fail(
          Error::Store(fmt::format("{}: line {}: unreadable cached commit data", where, line_no)));
    };
    if (parts[0] == "C") {
      if (parts.size() != 7) return bad();
      HistoryCommit c;
      auto id = ObjectId::FromHex(parts[1]);
      if (!id) return bad();
      c.id = *id;
      std::string_view ps = parts[2];
      while (!ps.empty()) {
        auto p = ObjectId::FromHex(ps.substr(0, 40));
        if (!p) return bad();
        c.parents.push_back(*p);
        ps.remove_prefix(std::min<std::size_t>(41, ps.size()));
      }
      c.author_time = std::strtoll(std::string(parts[3]).c_str(), nullptr, 10);
      c.commit_time = std::strtoll(std::string(parts[4]).c_str(), nullptr, 10);
      c.author_name = Unescape(parts[5]);
      c.author_email = Unescape(parts[6]);
      out.push_back(std::move(c));
    } else if ((parts[0] == "A" || parts[0] == "M") && parts.size() == 2 && !out.empty()) {
      out.back().changes.push_back({parts[0][0], "", Unescape(parts[1])});
    } else if (parts[0] == "R" && parts.size() == 3 && !out.empty()) {
      out.back().changes.push_back({'R', Unescape(parts[1]), Unescape(parts[2])});
    } else {
      return bad();
    }
  }
  return {};
}

struct CachedHistory {
  std::vector<HistoryCommit> commits;  // parents before children
  std::vector<ObjectId> tips;
  int chunks = 0;
};

std::string CacheKey(const std::filesystem::path& repo, std::string_view what) {
  return fmt::format("{}:{}:{}", kFormat, repo.string(), what);
}

Result<CachedHistory> LoadCache(Store& store, const std::filesystem::path& repo) {
  CachedHistory h;
  auto index = store.GetState(kNs, CacheKey(repo, "index"));
  if (!index) return Fail(index.error());
  if (!*index) return h;
  std::istringstream in(**index);
  std::string word;
  in >> h.chunks;
  while (in >> word) {
    if (auto id = ObjectId::FromHex(word)) h.tips.push_back(*id);
  }
  for (int i = 0; i < h.chunks; ++i) {
    std::string key = CacheKey(repo, fmt::format("chunk:{}", i));
    auto chunk = store.GetState(kNs, key);
    if (!chunk) return Fail(chunk.error());
    if (!*chunk)
      return Fail(Error::Store(
          fmt::format("store: {} is missing; delete the store's knowledge state", key)));
    if (auto r = Deserialize(**chunk, key, h.commits); !r) return Fail(r.error());
  }
  return h;
}

// Appends `fresh` (already in h.commits) as new chunks and records the tips.
Result<void> SaveCache(Store& store, const std::filesystem::path& repo, CachedHistory& h,
                       std::size_t fresh_from) {
  for (std::size_t i = fresh_from; i < h.commits.size(); i += kChunkCommits) {
    std::size_t n = std::min(kChunkCommits, h.commits.size() - i);
    std::string key = CacheKey(repo, fmt::format("chunk:{}", h.chunks));
    auto w = store.PutState(kNs, key, Serialize(std::span(h.commits).subspan(i, n)));
    if (!w) return Fail(w.error());
    ++h.chunks;
  }
  std::string index = std::to_string(h.chunks);
  for (const ObjectId& t : h.tips) index += " " + t.Hex();
  return store.PutState(kNs, CacheKey(repo, "index"), index);
}

// ----------------------------------------------------------- computing

std::string FolderOf(const std::string& path) {
  auto slash = path.find('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

std::string Day(std::int64_t t) {
  return date::format("%Y-%m-%d", date::floor<date::days>(FromUnix(t)));
}

// Everything that decides which files count, for the trend cache key.
std::string RulesKey(const FileRules& rules, const std::optional<std::vector<std::string>>& list) {
  std::string s = rules.skip_vendored ? "v" : "-";
  for (const auto& g : rules.exclude) s += "|" + g;
  for (const auto& a : rules.attributes) {
    s += fmt::format("|{}:{}:{}", a.pattern, a.vendored.value_or(false),
                     a.generated.value_or(false));
  }
  if (list) {
    s += "|list";
    for (const auto& p : *list) s += "|" + p;
  }
  return fmt::format("{:016x}", std::hash<std::string>{}(s));
}

class Computer {
 public:
  Computer(const git::History& history, const CachedHistory& cache, const Identities& ids,
           const std::map<std::pair<std::string, std::string>, git::Identity>& mapped)
      : history_(history), cache_(cache), ids_(ids), mapped_(mapped) {
    const std::size_t n = cache_.commits.size();
    index_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) index_.emplace(cache_.commits[i].id, i);
    // Parents as positions and authors as person keys, looked up once: the
    // trend walks the whole history a dozen times.
    parent_start_.reserve(n + 1);
    person_.reserve(n);
    for (const HistoryCommit& c : cache_.commits) {
      parent_start_.push_back(parents_.size());
      for (const ObjectId& p : c.parents) {
        if (auto j = IndexOf(p)) parents_.push_back(*j);
      }
      const git::Identity& m = mapped_.at({c.author_name, c.author_email});
      person_.push_back(&ids_.key_of.at({m.name, m.email}));
    }
    parent_start_.push_back(parents_.size());
    // The changes that count, as numbers, once for every point computed.
    change_start_.reserve(n + 1);
    person_id_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      change_start_.push_back(changes_.size());
      person_id_.push_back(tables_.Person(*person_[i]));
      AppendCountedChanges(tables_, cache_.commits[i].changes, changes_);
    }
    change_start_.push_back(changes_.size());
  }

  std::optional<std::size_t> IndexOf(const ObjectId& id) const {
    auto it = index_.find(id);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  // Positions of the commits reachable from `tip`, ascending (history order).
  // Thread-safe (const, no shared scratch).
  std::vector<std::size_t> Reachable(std::size_t tip) const {
    std::vector<char> seen(cache_.commits.size(), 0);
    std::vector<std::size_t> stack{tip}, out;
    seen[tip] = 1;
    while (!stack.empty()) {
      std::size_t i = stack.back();
      stack.pop_back();
      for (std::size_t k = parent_start_[i]; k < parent_start_[i + 1]; ++k) {
        std::size_t j = parents_[k];
        if (!seen[j]) {
          seen[j] = 1;
          stack.push_back(j);
        }
      }
    }
    for (std::size_t i = 0; i < seen.size(); ++i)
      if (seen[i]) out.push_back(i);
    return out;
  }

  // The person key of the commit at position i.
  const std::string& PersonAt(std::size_t i) const { return *person_[i]; }

  // Authorship of `files` after the commits at these positions (any order).
  // Thread-safe.
  std::vector<FileKnowledge> Authorship(const std::vector<std::size_t>& reachable,
                                        std::span<const std::string> files) const {
    std::vector<IdCommit> commits;
    commits.reserve(reachable.size());
    for (std::size_t i : reachable) {
      if (change_start_[i] == change_start_[i + 1]) continue;
      commits.push_back({person_id_[i], cache_.commits[i].author_time,
                         std::span<const IdChange>(changes_.data() + change_start_[i],
                                                   change_start_[i + 1] - change_start_[i])});
    }
    return ComputeAuthorship(commits, tables_, files);
  }

  // The files that count at `commit`, and how many were skipped.
  Result<std::pair<std::vector<std::string>, std::size_t>> CountingFiles(
      const ObjectId& commit, const FileRules& rules,
      const std::optional<std::vector<std::string>>& list) const {
    auto all = history_.Files(commit);
    if (!all) return Fail(all.error());
    std::vector<std::string> files;
    std::size_t skipped = 0;
    if (list) {
      std::set<std::string> wanted(list->begin(), list->end());
      for (std::string& f : *all) {
        if (wanted.count(f))
          files.push_back(std::move(f));
        else
          ++skipped;
      }
    } else {
      for (std::string& f : *all) {
        if (SkipReason(rules, f))
          ++skipped;
        else
          files.push_back(std::move(f));
      }
    }
    return std::pair{std::move(files), skipped};
  }

  const CachedHistory& cache() const { return cache_; }

 private:
  const git::History& history_;
  const CachedHistory& cache_;
  const Identities& ids_;
  const std::map<std::pair<std::string, std::string>, git::Identity>& mapped_;
  std::unordered_map<ObjectId, std::size_t, git::ObjectIdHash> index_;
  std::vector<std::size_t> parent_start_;  // commit i's parents: parents_[start[i], start[i+1])
  std::vector<std::size_t> parents_;
  std::vector<const std::string*> person_;  // into ids_.key_of
  ModelTables tables_;
  std::vector<IdChange> changes_;            // A, M and R of every commit
  std::vector<std::size_t> change_start_;    // commit i's: changes_[start[i], start[i+1])
  std::vector<std::uint32_t> person_id_;     // commit i's author in tables_
};

Group MakeGroup(std::string kind, std::string name, std::vector<std::size_t> files,
                const std::vector<FileKnowledge>& all) {
  Group g;
  g.kind = std::move(kind);
  g.name = std::move(name);
  g.files = std::move(files);
  std::vector<const FileKnowledge*> ptrs;
  for (std::size_t i : g.files) {
    const FileKnowledge& f = all[i];
    ptrs.push_back(&f);
    g.last_change = std::max(g.last_change, f.last_change);
    std::vector<std::string> authors = f.Authors();
    if (authors.size() == 1) ++g.single_author_files;
    g.authors.insert(authors.begin(), authors.end());
  }
  g.tf = ComputeTruckFactor(std::span<const FileKnowledge* const>(ptrs));
  return g;
}

void AddPairing(Group& g, const RepoKnowledge& k, std::int64_t now, int inactive_days) {
  if (g.files.empty() || g.tf.value > 1) return;
  auto active = [&](const std::string& key) {
    const PersonInfo* p = k.Person(key);
    return p != nullptr && now - p->last_commit < std::int64_t{inactive_days} * 86400;
  };
  Pairing pr;
  // The expert: who authors the most of its files.
  int best = 0;
  for (const auto& [person, n] : g.tf.authored) {
    if (n > best) {
      best = n;
      pr.expert = person;
    }
  }
  pr.expert_active = !pr.expert.empty() && active(pr.expert);
  std::map<std::string, double> score;  // sum of normalized DOA over the files
  for (std::size_t i : g.files) {
    for (const Developer& d : k.files[i].developers) {
      if (g.authors.count(d.person) || !active(d.person)) continue;
      score[d.person] += d.normalized;
    }
  }
  for (const auto& [person, s] : score) {
    if (s > pr.learner_doa) {
      pr.learner_doa = s;
      pr.learner = person;
    }
  }
  g.pairing = pr;
}

std::vector<std::int64_t> MonthEnds(TimePoint now, int months) {
  using namespace date;
  auto today = year_month_day{floor<days>(now)};
  year_month ym{today.year(), today.month()};
  std::vector<std::int64_t> out;
  for (int i = months; i >= 1; --i) {
    year_month m = ym - date::months(i);
    sys_days end = sys_days{m / date::last};
    out.push_back(ToUnix(TimePoint(end)) + 86399);
  }
  return out;
}

}  // namespace

const PersonInfo* RepoKnowledge::Person(const std::string& key) const {
  auto it = people.find(key);
  return it == people.end() ? nullptr : &it->second;
}

// ----------------------------------------------------------- settings

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto v = section.Int("inactive_days", 1, 3650)) s.inactive_days = static_cast<int>(*v);
  if (auto v = section.Int("recent_days", 1, 3650)) s.recent_days = static_cast<int>(*v);
  if (auto v = section.Int("warn_truck_factor", 0, 1000))
    s.warn_truck_factor = static_cast<int>(*v);
  if (auto v = section.Int("trend_months", 0, 120)) s.trend_months = static_cast<int>(*v);
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("repos")) {
    RepoSettings r;
    auto name = t.String("name", true);
    auto path = t.Path("path", true);
    if (auto v = t.Bool("skip_vendored")) r.skip_vendored = *v;
    r.exclude = t.StringList("exclude");
    r.files_from = t.Path("files_from");
    std::set<std::string> component_names;
    for (ConfigTable& c : t.TableArray("components")) {
      Component comp;
      auto cname = c.String("name", true);
      comp.paths = c.StringList("paths");
      if (comp.paths.empty() && !c.Has("paths")) {
        c.Error("paths",
                "missing required key \"paths\": the globs of the component's files, such as "
                "\"src/billing/**\"");
      }
      if (cname) {
        if (!component_names.insert(*cname).second) {
          c.Error("name", fmt::format("another component is already named \"{}\"", *cname));
        }
        comp.name = *cname;
        r.components.push_back(std::move(comp));
      }
    }
    if (name && path) {
      if (!names.insert(*name).second) {
        t.Error("name", fmt::format("another repository is already named \"{}\"", *name));
      }
      r.name = *name;
      r.path = *path;
      s.repos.push_back(std::move(r));
    }
  }
  if (s.repos.empty() && !section.Has("repos")) {
    section.Error("repos", "expected at least one [[knowledge.repos]] table");
  }
  return s;
}

std::unique_ptr<Desk> Configure(ConfigTable& section) {
  return std::make_unique<KnowledgeDesk>(ReadSettings(section));
}

Result<std::vector<std::string>> ReadFileList(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Io(fmt::format("{}: cannot read the file list", path.string())));
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("./", 0) == 0) line = line.substr(2);
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

// ----------------------------------------------------------- analysis

Result<RepoKnowledge> KnowledgeDesk::Analyse(DeskContext& ctx, const RepoSettings& repo,
                                             const AnalyseOptions& options) const {
  const std::string where = repo.path.string();
  if (!std::filesystem::exists(repo.path)) {
    return Fail(Error::NotFound(fmt::format("{}: repository \"{}\" not found", where, repo.name)));
  }
  auto opened = git::History::Open(repo.path);
  if (!opened) return Fail(opened.error());
  const git::History& history = **opened;
  if (history.Empty()) {
    return Fail(Error::Invalid(fmt::format(
        "{}: repository \"{}\" has no commits yet; there is no history to learn who knows what",
        where, repo.name)));
  }
  if (history.Shallow()) {
    return Fail(Error::Invalid(fmt::format(
        "{}: repository \"{}\" is a shallow clone; authorship needs the whole history: run "
        "`git -C {} fetch --unshallow`",
        where, repo.name, where)));
  }
  auto at = history.Resolve(options.at);
  if (!at) return Fail(at.error());

  // New commits into the store.
  std::filesystem::path key_path = std::filesystem::weakly_canonical(repo.path);
  auto cache = LoadCache(ctx.store, key_path);
  if (!cache) return Fail(cache.error());
  RepoKnowledge k;
  k.name = repo.name;
  k.path = repo.path;
  k.commit = at->Hex();
  std::size_t fresh_from = cache->commits.size();
  // The new commits are stored on a thread of their own while the model is
  // built from them (both only read them); joined before the store is used
  // again and before their changes are freed (on every return: a jthread).
  Result<void> saved;
  std::jthread saving;
  bool known = std::any_of(cache->commits.begin(), cache->commits.end(),
                           [&](const HistoryCommit& c) { return c.id == *at; });
  if (!known) {
    git::HistoryWalkOptions wo;
    wo.hide = cache->tips;
    auto stats =
        history.Walk(*at, wo, [&](HistoryCommit&& c) { cache->commits.push_back(std::move(c)); });
    if (!stats) return Fail(stats.error());
    for (std::string& w : stats->warnings) k.warnings.push_back(fmt::format("{}: {}", where, w));
    k.commits_read = stats->commits;
    // Keep only tips that the new one does not already cover.
    std::vector<ObjectId> tips{*at};
    for (const ObjectId& t : cache->tips) {
      if (!history.IsAncestor(t, *at)) tips.push_back(t);
    }
    cache->tips = std::move(tips);
    saving = std::jthread([&] { saved = SaveCache(ctx.store, key_path, *cache, fresh_from); });
  }

  // Identities: .mailmap first, then merged by e-mail and name.
  std::map<std::pair<std::string, std::string>, git::Identity> mapped;
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  for (const HistoryCommit& c : cache->commits) {
    auto [it, inserted] = mapped.try_emplace({c.author_name, c.author_email});
    if (inserted) it->second = history.MapIdentity({c.author_name, c.author_email});
    ++counts[{it->second.name, it->second.email}];
  }
  Identities ids;
  {
    std::vector<RawIdentity> raw;
    for (const auto& [who, n] : counts) raw.push_back({who.first, who.second, n});
    ids = MergeIdentities(raw);
  }
  Computer computer(history, *cache, ids, mapped);
  auto tip = computer.IndexOf(*at);
  if (!tip)
    return Fail(Error::Internal(fmt::format("{}: {} missing after the walk", where, at->Hex())));
  std::vector<std::size_t> reachable = computer.Reachable(*tip);
  k.commits = static_cast<std::int64_t>(reachable.size());
  k.commit_time = cache->commits[*tip].commit_time;
  for (std::size_t i : reachable) {
    const HistoryCommit& c = cache->commits[i];
    const std::string& key = computer.PersonAt(i);
    PersonInfo& p = k.people[key];
    p.key = key;
    ++p.commits;
    p.last_commit = std::max(p.last_commit, c.author_time);
  }
  for (const Person& person : ids.people) {
    auto it = k.people.find(person.key);
    if (it == k.people.end()) continue;
    it->second.name = person.name;
    it->second.email = person.email;
    it->second.aliases = person.aliases;
  }

  // Which files count.
  FileRules rules;
  rules.skip_vendored = repo.skip_vendored;
  rules.exclude = repo.exclude;
  auto attributes = history.ReadFile(*at, ".gitattributes");
  if (!attributes) return Fail(attributes.error());
  if (*attributes) rules.attributes = ParseGitAttributes(**attributes);
  std::optional<std::vector<std::string>> list = options.files_from;
  if (!list && repo.files_from) {
    auto l = ReadFileList(*repo.files_from);
    if (!l) return Fail(l.error());
    list = std::move(*l);
  }
  auto counting = computer.CountingFiles(*at, rules, list);
  if (!counting) return Fail(counting.error());
  k.skipped = counting->second;
  k.files = computer.Authorship(reachable, counting->first);

  // Groups.
  std::vector<std::size_t> all(k.files.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  k.repo = MakeGroup("repository", repo.name, all, k.files);
  std::map<std::string, std::vector<std::size_t>> folders;
  for (std::size_t i = 0; i < k.files.size(); ++i) {
    std::string f = FolderOf(k.files[i].path);
    if (!f.empty()) folders[f].push_back(i);
  }
  for (auto& [name, idx] : folders)
    k.folders.push_back(MakeGroup("folder", name, std::move(idx), k.files));
  for (const Component& c : repo.components) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < k.files.size(); ++i) {
      if (std::any_of(c.paths.begin(), c.paths.end(),
                      [&](const std::string& g) { return GlobMatch(g, k.files[i].path); })) {
        idx.push_back(i);
      }
    }
    k.components.push_back(MakeGroup("component", c.name, std::move(idx), k.files));
  }
  const std::int64_t now = ToUnix(ctx.clock.Now());
  AddPairing(k.repo, k, now, settings_.inactive_days);
  for (Group& g : k.folders) AddPairing(g, k, now, settings_.inactive_days);
  for (Group& g : k.components) AddPairing(g, k, now, settings_.inactive_days);

  // The computer holds the changes as numbers; their strings go once stored,
  // before the trend run (they set the run's peak memory).
  if (saving.joinable()) saving.join();
  if (!saved) return Fail(saved.error());
  for (HistoryCommit& c : cache->commits) std::vector<git::NameStatus>().swap(c.changes);
#ifdef __GLIBC__
  // Their memory back to the system: the walk's threads allocated them in
  // arenas of their own, which glibc otherwise keeps (symfony's peak: 390
  // MB without, 372 MB with, for 15 ms).
  malloc_trim(0);
#endif

  // Trend: the truck factor at each month-end, on the first-parent line.
  if (options.trend && settings_.trend_months > 0) {
    std::vector<std::size_t> line;  // newest first
    for (std::optional<std::size_t> i = tip; i;) {
      line.push_back(*i);
      const HistoryCommit& c = cache->commits[*i];
      i = c.parents.empty() ? std::nullopt : computer.IndexOf(c.parents[0]);
    }
    std::string rules_key = RulesKey(rules, list);
    // Points not in the store yet: their file lists read here (git is one
    // handle, one thread), their truck factors computed below in parallel.
    struct Pending {
      std::size_t point, commit;
      std::string key;
      std::vector<std::string> files;
      int value = 0;
    };
    std::vector<Pending> pending;
    for (std::int64_t month_end : MonthEnds(ctx.clock.Now(), settings_.trend_months)) {
      TrendPoint point;
      point.month_end = month_end;
      auto it = std::find_if(line.begin(), line.end(), [&](std::size_t i) {
        return cache->commits[i].commit_time <= month_end;
      });
      if (it != line.end()) {
        const HistoryCommit& c = cache->commits[*it];
        point.commit = c.id.Hex();
        std::string key = CacheKey(key_path, fmt::format("tf:{}:{}:{}", kModel, point.commit, rules_key));
        auto stored = ctx.store.GetState(kNs, key);
        if (!stored) return Fail(stored.error());
        if (*stored) {
          point.value = std::atoi((*stored)->c_str());
        } else {
          auto files = computer.CountingFiles(c.id, rules, list);
          if (!files) return Fail(files.error());
          pending.push_back({k.trend.size(), *it, std::move(key), std::move(files->first)});
        }
      }
      k.trend.push_back(std::move(point));
    }
    ForEachOnThreads(pending.size(), std::min(4u, UsableCores()), [&](std::size_t j, unsigned) {
      Pending& p = pending[j];
      p.value = ComputeTruckFactor(computer.Authorship(computer.Reachable(p.commit), p.files)).value;
    });
    for (const Pending& p : pending) {
      k.trend[p.point].value = p.value;
      if (auto w = ctx.store.PutState(kNs, p.key, std::to_string(p.value)); !w)
        return Fail(w.error());
    }
  }
  return k;
}

// ----------------------------------------------------------- what-if

Result<std::set<std::string>> FindPeople(const RepoKnowledge& k,
                                         const std::vector<std::string>& emails) {
  std::set<std::string> keys;
  for (const std::string& e : emails) {
    std::string want = Lower(e);
    bool found = false;
    for (const auto& [key, p] : k.people) {
      bool match = key == want;
      for (const RawIdentity& a : p.aliases) match = match || Lower(a.email) == want;
      if (match) {
        keys.insert(key);
        found = true;
      }
    }
    if (!found) {
      std::vector<std::string> all;
      for (const auto& [key, p] : k.people) all.push_back(key);
      std::string message = fmt::format("{}: nobody with the e-mail \"{}\" committed to \"{}\"",
                                        k.path.string(), e, k.name);
      if (auto g = DidYouMean(want, all)) message += fmt::format("; did you mean \"{}\"?", *g);
      return Fail(Error::NotFound(message));
    }
  }
  return keys;
}

WhatIf ComputeWhatIf(const RepoKnowledge& k, const std::set<std::string>& leavers) {
  WhatIf w;
  w.leavers = leavers;
  w.orphaned_files = Orphaned(k.files, leavers);
  std::set<std::string> orphaned(w.orphaned_files.begin(), w.orphaned_files.end());
  auto loss = [&](const Group& g) {
    WhatIf::GroupLoss l{g.kind, g.name, g.files.size(), 0, false};
    std::size_t still = 0;
    for (std::size_t i : g.files) {
      const FileKnowledge& f = k.files[i];
      if (orphaned.count(f.path))
        ++l.orphaned;
      else if (!f.Authors().empty())
        ++still;
    }
    l.lost = l.files > 0 && still * 2 < l.files;
    return l;
  };
  w.groups.push_back(loss(k.repo));
  for (const Group& g : k.components) w.groups.push_back(loss(g));
  for (const Group& g : k.folders) w.groups.push_back(loss(g));
  return w;
}

// ----------------------------------------------------------- findings

std::vector<Finding> KnowledgeDesk::Assess(const RepoKnowledge& k, TimePoint now_tp) const {
  const std::int64_t now = ToUnix(now_tp);
  std::vector<Finding> out;
  auto name_of = [&](const std::string& key) {
    const PersonInfo* p = k.Person(key);
    return p == nullptr ? key : fmt::format("{} <{}>", p->name, p->email);
  };
  auto days_since = [&](std::int64_t t) { return (now - t) / 86400; };
  auto base = [&](const std::string& subject, std::string kind, Severity sev) {
    Finding f;
    f.desk = kDesk;
    f.subject = subject;
    f.kind = std::move(kind);
    f.severity = sev;
    f.concern = Concern::kPeople;
    f.evidence.emplace_back("repository", k.path.string());
    f.evidence.emplace_back("commit", k.commit.substr(0, 12));
    return f;
  };
  auto pairing_action = [&](const Group& g) {
    if (!g.pairing) return std::string();
    const Pairing& p = *g.pairing;
    if (p.learner.empty()) {
      return fmt::format(
          " Nobody active has worked on it yet: name a second owner for {} and "
          "have them learn it{}.",
          g.name, p.expert_active ? " from " + name_of(p.expert) : " from its history");
    }
    return p.expert_active
               ? fmt::format(" Pair {} (who knows it next best) with {} on it.", name_of(p.learner),
                             name_of(p.expert))
               : fmt::format(" {} knows it next best: make them its owner.", name_of(p.learner));
  };

  const std::vector<Group>& groups = k.components.empty() ? k.folders : k.components;
  for (const Group& g : groups) {
    if (g.files.empty()) continue;
    std::string subject = fmt::format("{}/{}", k.name, g.name);
    bool reported = false;
    if (g.authors.size() == 1) {
      const std::string& who = *g.authors.begin();
      const PersonInfo* p = k.Person(who);
      std::int64_t idle = p ? days_since(p->last_commit) : 0;
      if (p && idle >= settings_.inactive_days) {
        Finding f = base(subject, "only-author-inactive", Severity::kActNow);
        f.title = fmt::format("{} {} is known only by {}, who last committed {} days ago", g.kind,
                              subject, p->name, idle);
        f.detail = fmt::format(
            "{} of the {} files of {} have an author, and {} is the only one; their "
            "last commit was on {}. If they are gone, nobody knows this code.",
            g.tf.covered, g.files.size(), subject, name_of(who), Day(p->last_commit));
        f.action =
            "Find out whether they can still be reached, and get the knowledge written down "
            "and handed over now." +
            pairing_action(g);
        f.evidence.emplace_back("only author", name_of(who));
        f.evidence.emplace_back("last commit", Day(p->last_commit));
        f.evidence.emplace_back("files", std::to_string(g.files.size()));
        f.plain.risk = fmt::format("Only {} understands the {} part of our {} software, and they have not worked on it for {} days. If they are gone, nobody can safely change it.", p->name, g.name, k.name, idle);
        f.plain.doing = "The team is trying to reach them to get the knowledge written down and handed over.";
        f.plain.ask = fmt::format("Help the team reach {} (or agree a paid handover) so the {} part is not lost.", p->name, g.name);
        out.push_back(std::move(f));
        reported = true;
      }
    }
    if (!reported && g.tf.value == 1 && days_since(g.last_change) <= settings_.recent_days) {
      Finding f = base(subject, "truck-factor-1", Severity::kThisWeek);
      std::string who = g.tf.people.empty() ? "?" : name_of(g.tf.people[0]);
      f.title =
          fmt::format("{} {} has truck factor 1 ({}) and changed {} days ago", g.kind, subject,
                      k.Person(g.tf.people[0]) ? k.Person(g.tf.people[0])->name : who,
                      days_since(g.last_change));
      f.detail = fmt::format(
          "Of its {} files, {} have an author; without {} fewer than half would. "
          "{} files are known by exactly one person. It is being worked on: the "
          "last change was on {}.",
          g.files.size(), g.tf.covered, who, g.single_author_files, Day(g.last_change));
      f.action =
          "Double up: have a second person review and make the next changes." + pairing_action(g);
      f.evidence.emplace_back("truck factor", "1");
      f.evidence.emplace_back("key person", who);
      f.evidence.emplace_back("last change", Day(g.last_change));
      f.plain.risk = fmt::format("Only one person knows the {} part of our {} software, and it is changing now. If they were away, work on it would stop.", g.name, k.name);
      f.plain.doing = "The team is pairing a second person with them.";
      out.push_back(std::move(f));
    }
  }

  if (!k.repo.files.empty() && k.repo.tf.value <= settings_.warn_truck_factor) {
    Finding f = base(k.name, "low-truck-factor", Severity::kThisWeek);
    std::vector<std::string> names;
    for (int i = 0; i < k.repo.tf.value; ++i) {
      const PersonInfo* p = k.Person(k.repo.tf.people[static_cast<std::size_t>(i)]);
      names.push_back(p ? p->name : k.repo.tf.people[static_cast<std::size_t>(i)]);
    }
    f.title = fmt::format("{} has truck factor {}{}", k.name, k.repo.tf.value,
                          names.empty() ? "" : fmt::format(" ({})", fmt::join(names, ", ")));
    f.detail = fmt::format(
        "If {} left, fewer than half of its {} files would still have an author, "
        "someone who knows them. {} files are known by exactly one person.",
        names.empty() ? "nobody" : fmt::format("{}", fmt::join(names, " and ")),
        k.repo.files.size(), k.repo.single_author_files);
    f.action =
        "Spread the knowledge: pair on the single-author components (see `ctodesk knowledge "
        "report " +
        k.name + "`) and rotate reviews.";
    f.evidence.emplace_back("truck factor", std::to_string(k.repo.tf.value));
    f.evidence.emplace_back("files", std::to_string(k.repo.files.size()));
    f.plain.risk = fmt::format("Most of our {} software is understood by only {} {}. Losing {} would slow all work on it.", k.name, k.repo.tf.value, k.repo.tf.value == 1 ? "person" : "people", k.repo.tf.value == 1 ? "that person" : "them");
    f.plain.doing = "The team is spreading the knowledge by pairing and sharing reviews.";
    out.push_back(std::move(f));
  }

  std::optional<int> first;
  for (const TrendPoint& p : k.trend) {
    if (p.value) {
      first = p.value;
      break;
    }
  }
  if (first && !k.repo.files.empty() && k.repo.tf.value > *first) {
    Finding f = base(k.name, "truck-factor-rising", Severity::kFyi);
    f.title = fmt::format("{}'s truck factor rose from {} to {} over {} months", k.name, *first,
                          k.repo.tf.value, k.trend.size());
    f.detail = "Knowledge is spreading: more people now know enough of the code to carry it.";
    f.action = "Keep pairing and rotating reviews; nothing to fix.";
    f.evidence.emplace_back("truck factor", fmt::format("{} -> {}", *first, k.repo.tf.value));
    out.push_back(std::move(f));
  }
  return out;
}

Result<DeskReport> KnowledgeDesk::Run(DeskContext& ctx) {
  DeskReport report;
  for (const RepoSettings& repo : settings_.repos) {
    auto k = Analyse(ctx, repo, {});
    if (!k) {
      Finding f;
      f.desk = kDesk;
      f.subject = repo.name;
      f.kind = "unreadable";
      f.severity = Severity::kToday;
      f.title = fmt::format("Cannot tell who knows {}: its history cannot be read", repo.name);
      f.detail = k.error().message;
      f.action = "Fix the repository path in ctodesk.toml, or give the desk a full clone.";
      report.findings.push_back(std::move(f));
      continue;
    }
    report.checked += static_cast<std::int64_t>(k->files.size());
    for (Finding& f : Assess(*k, ctx.clock.Now())) report.findings.push_back(std::move(f));
  }
  return report;
}

}  // namespace ctodesk::knowledge
