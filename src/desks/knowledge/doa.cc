// A file's history is found as the published tool finds it: every counted
// change (A, M, R) that left a file at its path, and for each rename among
// them every change at the old path, at any time, and so on until no new path
// appears. Deletions are ignored, so a file added again at a path continues
// that path's history, and a file added at a path that was renamed away gets
// the path's past too. Nothing depends on the order of the commits.
#include "desks/knowledge/doa.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <tuple>
#include <unordered_map>

namespace ctodesk::knowledge {

namespace {

struct Counts {
  int fa = 0;
  int dl = 0;
  std::int64_t last = 0;
};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

double Doa(int fa, int dl, int ac) {
  return kDoaBase + 1.098 * fa + 0.164 * dl - 0.321 * std::log(1.0 + ac);
}

std::vector<std::string> FileKnowledge::Authors() const {
  std::vector<std::string> out;
  for (const Developer& d : developers) {
    if (d.author) out.push_back(d.person);
  }
  return out;
}

std::uint32_t ModelTables::Path(const std::string& path) {
  auto [it, inserted] = path_ids.try_emplace(path, static_cast<std::uint32_t>(paths.size()));
  if (inserted) paths.push_back(path);
  return it->second;
}

std::uint32_t ModelTables::Person(const std::string& person) {
  auto [it, inserted] = person_ids.try_emplace(person, static_cast<std::uint32_t>(persons.size()));
  if (inserted) persons.push_back(person);
  return it->second;
}

std::vector<FileKnowledge> ComputeAuthorship(std::span<const Commit> commits,
                                             std::span<const std::string> files) {
  ModelTables tables;
  std::vector<IdChange> changes;
  std::vector<std::size_t> start;
  for (const Commit& c : commits) {
    start.push_back(changes.size());
    AppendCountedChanges(tables, c.changes, changes);
  }
  start.push_back(changes.size());
  std::vector<IdCommit> ids;
  ids.reserve(commits.size());
  for (std::size_t i = 0; i < commits.size(); ++i) {
    ids.push_back({tables.Person(commits[i].person), commits[i].time,
                   std::span<const IdChange>(changes.data() + start[i], start[i + 1] - start[i])});
  }
  return ComputeAuthorship(ids, tables, files);
}

std::vector<FileKnowledge> ComputeAuthorship(std::span<const IdCommit> commits,
                                             const ModelTables& tables,
                                             std::span<const std::string> files) {
  // Every counted change, grouped by the path it left its file at: the
  // changes of path p are by_path[first[p], first[p + 1]).
  struct Entry {
    const IdCommit* commit;
    const IdChange* change;
  };
  const std::size_t n_paths = tables.paths.size();
  std::vector<std::uint32_t> first(n_paths + 1, 0);
  for (const IdCommit& c : commits)
    for (const IdChange& ch : c.changes) ++first[ch.path + 1];
  for (std::size_t p = 0; p < n_paths; ++p) first[p + 1] += first[p];
  std::vector<Entry> by_path(first[n_paths]);
  {
    std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
    for (const IdCommit& c : commits)
      for (const IdChange& ch : c.changes) by_path[fill[ch.path]++] = {&c, &ch};
  }

  struct DevCounts {
    std::uint32_t person;
    Counts counts;
  };
  constexpr std::uint32_t kUnseen = UINT32_MAX;
  std::vector<std::uint32_t> seen(n_paths, kUnseen);  // the file whose history holds the path
  std::vector<std::uint32_t> pending;
  std::vector<FileKnowledge> out;
  out.reserve(files.size());
  for (std::size_t f = 0; f < files.size(); ++f) {
    FileKnowledge fk;
    fk.path = files[f];
    auto p = tables.path_ids.find(files[f]);
    if (p == tables.path_ids.end()) {
      out.push_back(std::move(fk));
      continue;
    }
    // The file's history: the changes at its path, and through each rename
    // among them every change at the old path, and so on.
    std::vector<DevCounts> devs;  // few per file: a linear search
    int changes = 0;
    pending.assign(1, p->second);
    seen[p->second] = static_cast<std::uint32_t>(f);
    while (!pending.empty()) {
      std::uint32_t path = pending.back();
      pending.pop_back();
      for (std::uint32_t e = first[path]; e < first[path + 1]; ++e) {
        const IdCommit& c = *by_path[e].commit;
        const IdChange& ch = *by_path[e].change;
        DevCounts* d = nullptr;
        for (DevCounts& x : devs) {
          if (x.person == c.person) {
            d = &x;
            break;
          }
        }
        if (d == nullptr) d = &devs.emplace_back(DevCounts{c.person, {}});
        if (ch.status == 'A') {
          d->counts.fa = 1;
        } else {
          ++d->counts.dl;
          ++changes;
        }
        d->counts.last = std::max(d->counts.last, c.time);
        fk.last_change = std::max(fk.last_change, c.time);
        if (ch.status == 'R' && seen[ch.old_path] != f) {
          seen[ch.old_path] = static_cast<std::uint32_t>(f);
          pending.push_back(ch.old_path);
        }
      }
    }
    double best = 0;
    for (const DevCounts& x : devs) {
      const Counts& c = x.counts;
      Developer d;
      d.person = tables.persons[x.person];
      d.fa = c.fa;
      d.dl = c.dl;
      d.ac = changes - c.dl;
      d.doa = Doa(d.fa, d.dl, d.ac);
      d.last_change = c.last;
      best = std::max(best, d.doa);
      fk.developers.push_back(std::move(d));
    }
    for (Developer& d : fk.developers) {
      d.normalized = best > 0 ? d.doa / best : 0;
      d.author = best > 0 && d.normalized > kAuthorThreshold && (d.doa >= kDoaBase || d.fa == 1);
    }
    std::sort(fk.developers.begin(), fk.developers.end(),
              [](const Developer& a, const Developer& b) {
                return std::tie(b.doa, a.person) < std::tie(a.doa, b.person);
              });
    out.push_back(std::move(fk));
  }
  return out;
}

TruckFactor ComputeTruckFactor(std::span<const FileKnowledge* const> files) {
  TruckFactor tf;
  tf.files = files.size();
  std::map<std::string, std::vector<std::size_t>> files_of;
  std::vector<int> remaining(files.size(), 0);
  for (std::size_t i = 0; i < files.size(); ++i) {
    for (const Developer& d : files[i]->developers) {
      if (!d.author) continue;
      files_of[d.person].push_back(i);
      ++remaining[i];
    }
    if (remaining[i] > 0) ++tf.covered;
  }
  std::vector<std::pair<std::string, int>> order;
  for (const auto& [person, fs] : files_of) {
    order.emplace_back(person, static_cast<int>(fs.size()));
    tf.authored[person] = static_cast<int>(fs.size());
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::size_t covered = tf.covered;
  for (const auto& [person, count] : order) {
    if (covered * 2 < tf.files) break;  // fewer than 50% of the files still have an author
    tf.people.push_back(person);
    ++tf.value;
    for (std::size_t i : files_of[person]) {
      if (--remaining[i] == 0) --covered;
    }
  }
  return tf;
}

TruckFactor ComputeTruckFactor(std::span<const FileKnowledge> files) {
  std::vector<const FileKnowledge*> ptrs;
  ptrs.reserve(files.size());
  for (const FileKnowledge& f : files) ptrs.push_back(&f);
  return ComputeTruckFactor(std::span<const FileKnowledge* const>(ptrs));
}

std::vector<std::string> Orphaned(std::span<const FileKnowledge> files,
                                  const std::set<std::string>& leavers) {
  std::vector<std::string> out;
  for (const FileKnowledge& f : files) {
    std::vector<std::string> authors = f.Authors();
    if (authors.empty()) continue;
    if (std::all_of(authors.begin(), authors.end(),
                    [&](const std::string& a) { return leavers.count(a) > 0; })) {
      out.push_back(f.path);
    }
  }
  return out;
}

Identities MergeIdentities(std::span<const RawIdentity> raw_in) {
  // Sum commits of identical (name, email) pairs first.
  std::map<std::pair<std::string, std::string>, std::int64_t> unique;
  for (const RawIdentity& r : raw_in) unique[{r.name, r.email}] += r.commits;
  std::vector<RawIdentity> raw;
  for (const auto& [k, n] : unique) raw.push_back({k.first, k.second, n});

  std::vector<std::size_t> parent(raw.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::map<std::string, std::size_t> first_with;  // "E:EMAIL" / "N:NAME" -> identity
  for (std::size_t i = 0; i < raw.size(); ++i) {
    for (std::string k :
         {std::string("E:") + Upper(raw[i].email), std::string("N:") + Upper(raw[i].name)}) {
      if (k.size() == 2) continue;  // an empty name or e-mail joins nobody
      auto [it, inserted] = first_with.try_emplace(k, i);
      if (!inserted) parent[find(i)] = find(it->second);
    }
  }
  std::map<std::size_t, std::vector<RawIdentity>> groups;
  for (std::size_t i = 0; i < raw.size(); ++i) groups[find(i)].push_back(raw[i]);

  Identities ids;
  for (auto& [root, aliases] : groups) {
    std::sort(aliases.begin(), aliases.end());
    Person p;
    const RawIdentity* best = &aliases[0];
    for (const RawIdentity& a : aliases) {
      p.commits += a.commits;
      if (a.commits > best->commits) best = &a;
    }
    p.name = best->name;
    p.email = best->email;
    p.key = Lower(p.email.empty() ? p.name : p.email);
    p.aliases = aliases;
    ids.people.push_back(std::move(p));
  }
  std::sort(ids.people.begin(), ids.people.end(),
            [](const Person& a, const Person& b) { return a.key < b.key; });
  // Two groups can share a lower-cased key only if they differ in case, which
  // upper-casing already merged; keys are unique.
  for (const Person& p : ids.people) {
    for (const RawIdentity& a : p.aliases) ids.key_of[{a.name, a.email}] = p.key;
  }
  return ids;
}

}  // namespace ctodesk::knowledge
