// The knowledge desk: where do we depend on one or two people? For each
// [[knowledge.repos]] entry it reads the history (name-status changes only,
// see git/history.h), keeps every commit's changes in the store so the next
// run reads only new commits, and computes with doa.h who knows each file and
// the truck factor of the repository, of each top-level folder and of each
// configured component, plus the truck factor at the last 12 month-ends.
// Findings:
//   a component whose only author has not committed for 90 days  act-now
//   a component with truck factor 1 changed in the last 30 days   this-week
//   a repository with truck factor at most 2                      this-week
//   a truck factor higher than 12 months ago                      fyi
// Without configured components, top-level folders stand in for them.
//
// Not thread-safe (it uses one Store).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "desks/desk.h"
#include "desks/knowledge/doa.h"
#include "desks/knowledge/files.h"

namespace ctodesk::knowledge {

struct Component {
  std::string name;
  std::vector<std::string> paths;  // globs, as in files.h
};

struct RepoSettings {
  std::string name;
  std::filesystem::path path;
  std::vector<Component> components;
  bool skip_vendored = true;
  std::vector<std::string> exclude;
  std::optional<std::filesystem::path> files_from;
};

struct Settings {
  std::vector<RepoSettings> repos;
  int inactive_days = 90;
  int recent_days = 30;
  int warn_truck_factor = 2;
  int trend_months = 12;
};

// Reads [knowledge]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

struct AnalyseOptions {
  std::string at = "HEAD";                             // --at REV
  std::optional<std::vector<std::string>> files_from;  // --files-from: overrides the repo's
  bool trend = true;
};

// Reads a --files-from list: one path per line; blank lines and # comments
// skipped. Fails naming the file.
Result<std::vector<std::string>> ReadFileList(const std::filesystem::path& path);

struct PersonInfo {
  std::string key, name, email;
  std::int64_t commits = 0;
  std::int64_t last_commit = 0;  // author time, Unix seconds
  std::vector<RawIdentity> aliases;
};

struct Pairing {
  std::string expert;  // the top author; empty when nobody is an author
  bool expert_active = false;
  std::string learner;  // the active non-author with the highest DOA; empty when none
  double learner_doa = 0;
};

// A repository, a top-level folder or a component.
struct Group {
  std::string kind;  // "repository", "folder", "component"
  std::string name;
  std::vector<std::size_t> files;  // indexes into RepoKnowledge::files
  TruckFactor tf;
  std::set<std::string> authors;  // everyone who authors at least one of its files
  std::int64_t last_change = 0;
  std::size_t single_author_files = 0;
  std::optional<Pairing> pairing;  // when the truck factor is at most 1
};

struct TrendPoint {
  std::int64_t month_end = 0;  // Unix seconds, 23:59:59 UTC of the last day
  std::optional<int> value;    // nullopt: no commit yet at that date
  std::string commit;
};

struct RepoKnowledge {
  std::string name;
  std::filesystem::path path;
  std::string commit;  // the analysed commit
  std::int64_t commit_time = 0;
  std::vector<FileKnowledge> files;  // the files that count, sorted
  std::size_t skipped = 0;           // files at the commit left out
  Group repo;
  std::vector<Group> folders;
  std::vector<Group> components;
  std::map<std::string, PersonInfo> people;  // by key
  std::vector<TrendPoint> trend;             // oldest first
  std::int64_t commits = 0;                  // reachable from the analysed commit
  std::int64_t commits_read = 0;             // walked this run (not from the store)
  std::vector<std::string> warnings;
  const PersonInfo* Person(const std::string& key) const;
};

struct WhatIf {
  std::set<std::string> leavers;  // person keys
  std::vector<std::string> orphaned_files;
  struct GroupLoss {
    std::string kind, name;
    std::size_t files = 0, orphaned = 0;
    bool lost = false;  // fewer than half its files keep an author
  };
  std::vector<GroupLoss> groups;
};

// The people `emails` name (matched case-insensitively against every alias's
// e-mail); fails naming an e-mail nobody in the repository has.
Result<std::set<std::string>> FindPeople(const RepoKnowledge& k,
                                         const std::vector<std::string>& emails);
WhatIf ComputeWhatIf(const RepoKnowledge& k, const std::set<std::string>& leavers);

class KnowledgeDesk final : public Desk {
 public:
  explicit KnowledgeDesk(Settings settings) : settings_(std::move(settings)) {}

  Result<DeskReport> Run(DeskContext& ctx) override;

  // Analyses one repository: reads new commits into the store, then computes.
  // Fails with a message naming the repository when it is not one, has no
  // commits, or is a shallow clone.
  Result<RepoKnowledge> Analyse(DeskContext& ctx, const RepoSettings& repo,
                                const AnalyseOptions& options) const;
  // The findings for one analysed repository as of `now`.
  std::vector<Finding> Assess(const RepoKnowledge& k, TimePoint now) const;

  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::knowledge
