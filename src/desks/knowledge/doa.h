// The knowledge model, pure: who knows which file, and the truck factor.
// No git, no I/O — commits come in as lists of name-status changes (in any
// order: the answer does not depend on it), and numbers come out.
//
// Degree of authorship (Fritz et al.), with the exact rules of Avelino,
// Passos, Hora and Valente, "A Novel Approach for Estimating Truck Factors"
// (ICPC 2016) and their tool:
//   - changes are each commit's A, M and R entries as `git log --name-status
//     --find-renames` prints them; D, C and T are ignored, merges bring none;
//   - FA = 1 for a developer who added the file; DL = the developer's
//     modifications and renames of it; AC = everyone else's;
//   - DOA = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC);
//   - an author has DOA / (the file's best DOA) > 0.75 and either
//     DOA >= 3.293 or FA = 1;
//   - a rename carries the whole history of the old path to the new one:
//     a file's history is every change at its path and, through each rename
//     among them, every change ever made at the old path, and so on;
//   - truck factor: remove the developer who authors the most files (ties: the
//     smaller person key) until fewer than 50% of the files have an author.
// Identities: raw (name, email) pairs whose upper-cased e-mail or upper-cased
// name match are one person (transitively).
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ctodesk::knowledge {

constexpr double kAuthorThreshold = 0.75;
constexpr double kDoaBase = 3.293;

struct Change {
  char status = 'M';     // A, M or R count; anything else is ignored
  std::string old_path;  // R only
  std::string path;
};

struct Commit {
  std::string person;     // a person key from MergeIdentities
  std::int64_t time = 0;  // author time, Unix seconds
  std::vector<Change> changes;
};

double Doa(int fa, int dl, int ac);

struct Developer {
  std::string person;
  int fa = 0, dl = 0, ac = 0;
  double doa = 0;
  double normalized = 0;  // doa / the file's best doa
  bool author = false;
  std::int64_t last_change = 0;  // this developer's last change to the file
};

struct FileKnowledge {
  std::string path;
  std::vector<Developer> developers;  // everyone who added, changed or renamed it; best DOA first
  std::int64_t last_change = 0;
  std::vector<std::string> Authors() const;  // in DOA order
};

// Authorship of each of `files` (paths at the analysed commit) after the
// commits. A file no commit touched (say, one only a merge brought) has no
// developers. The result is in the order of `files`.
std::vector<FileKnowledge> ComputeAuthorship(std::span<const Commit> commits,
                                             std::span<const std::string> files);

// The same model over numbers, for computing many points of one history
// (the trend) without copying its changes each time: paths and persons are
// positions in tables built once. ComputeAuthorship above interns its
// commits and calls this; the results are the same.
struct ModelTables {
  std::vector<std::string> paths;
  std::vector<std::string> persons;
  std::unordered_map<std::string, std::uint32_t> path_ids, person_ids;
  std::uint32_t Path(const std::string& path);
  std::uint32_t Person(const std::string& person);
};

struct IdChange {
  char status = 'M';  // A, M or R (anything else is ignored)
  std::uint32_t old_path = 0;  // R only
  std::uint32_t path = 0;
};

// Appends the changes of one commit that count (added, modified, renamed)
// to `out` as numbers. Works on any change with status, path and old_path.
template <typename Changes>
void AppendCountedChanges(ModelTables& tables, const Changes& changes, std::vector<IdChange>& out) {
  for (const auto& ch : changes) {
    if (ch.status != 'A' && ch.status != 'M' && ch.status != 'R') continue;
    IdChange id;
    id.status = ch.status;
    if (ch.status == 'R') id.old_path = tables.Path(ch.old_path);
    id.path = tables.Path(ch.path);
    out.push_back(id);
  }
}

struct IdCommit {
  std::uint32_t person = 0;
  std::int64_t time = 0;
  std::span<const IdChange> changes;
};

std::vector<FileKnowledge> ComputeAuthorship(std::span<const IdCommit> commits,
                                             const ModelTables& tables,
                                             std::span<const std::string> files);

struct TruckFactor {
  int value = 0;
  std::vector<std::string> people;      // removed, in order; the first `value` are the truck factor
  std::size_t files = 0;                // files considered
  std::size_t covered = 0;              // files with at least one author, before removal
  std::map<std::string, int> authored;  // person -> files authored among these
};

// The greedy truck factor over `files` (a repository, a folder, a component).
TruckFactor ComputeTruckFactor(std::span<const FileKnowledge* const> files);
TruckFactor ComputeTruckFactor(std::span<const FileKnowledge> files);

// Paths of `files` that have authors, all of them among `leavers`.
std::vector<std::string> Orphaned(std::span<const FileKnowledge> files,
                                  const std::set<std::string>& leavers);

struct RawIdentity {
  std::string name;
  std::string email;
  std::int64_t commits = 0;
  bool operator<(const RawIdentity& o) const {
    return std::tie(name, email) < std::tie(o.name, o.email);
  }
};

struct Person {
  std::string key;   // lower-cased e-mail of the canonical alias (its name when it has none)
  std::string name;  // the alias with the most commits (ties: the smallest)
  std::string email;
  std::int64_t commits = 0;
  std::vector<RawIdentity> aliases;  // sorted; more than one when merged
};

struct Identities {
  std::vector<Person> people;                                         // sorted by key
  std::map<std::pair<std::string, std::string>, std::string> key_of;  // (name, email) -> key
};

Identities MergeIdentities(std::span<const RawIdentity> raw);

}  // namespace ctodesk::knowledge
