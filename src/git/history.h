// Commit history as `git log --name-status --find-renames` sees it: every
// commit reachable from a tip, parents before children, each non-merge
// commit with its author and the names of the files it added, modified,
// deleted, renamed, copied or retyped (never line diffs). A merge commit is
// listed, with its parents, but contributes no changes (as `git log` without
// `-m`). Also: the file list of a commit's tree, a file's text at a commit,
// .mailmap resolution, and RepoWriter, which builds small repositories for
// demos and tests.
//
// A History is not thread-safe; open one per thread. Walk itself may use
// worker threads, each with its own repository handle. Errors name the
// repository and, where there is one, the revision or object.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "git/git.h"

struct git_repository;
struct git_mailmap;

namespace ctodesk::git {

// The letter `git log --name-status` prints: A, M, D, R, C or T.
struct NameStatus {
  char status = 'M';
  std::string old_path;  // R and C only
  std::string path;
  bool operator==(const NameStatus&) const = default;
};

struct HistoryCommit {
  ObjectId id;
  std::vector<ObjectId> parents;
  std::string author_name;
  std::string author_email;
  std::int64_t author_time = 0;     // Unix seconds
  std::int64_t commit_time = 0;     // Unix seconds
  std::vector<NameStatus> changes;  // empty for merges
};

struct HistoryWalkOptions {
  std::vector<ObjectId> hide;  // commits (and their ancestors) not to list
  int rename_limit = 1000;     // git's diff.renameLimit default
  // Threads comparing trees (each with its own repository handle). 0: one
  // per CPU this process may run on (its affinity; at most 4) for walks of
  // 1000 commits or more, else 1. The
  // result is the same for any number.
  int threads = 0;
  // Renames paired by libgit2's git_diff_find_similar itself rather than by
  // the walk's own copy of its rules (tests compare the two; same result).
  bool libgit2_renames = false;
};

struct HistoryWalkStats {
  std::int64_t commits = 0;
  std::vector<std::string> warnings;  // unreadable objects; rename detection skipped
};

struct Identity {
  std::string name;
  std::string email;
};

class History {
 public:
  // Opens the repository at `path` (working tree or bare); never searches
  // parent folders. Fails, naming the path, when it is not a repository.
  static Result<std::unique_ptr<History>> Open(const std::filesystem::path& path);
  ~History();
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // True when HEAD points to a branch with no commits yet.
  bool Empty() const;
  // True for a shallow clone (history cut off at a grafted commit).
  bool Shallow() const;
  // "HEAD", "main~3", an id: the commit. Fails naming the revision.
  Result<ObjectId> Resolve(std::string_view rev) const;
  // The commit time (Unix seconds) of a commit; fails naming it.
  Result<std::int64_t> CommitTime(const ObjectId& commit) const;
  // True when `ancestor` is `descendant` or one of its ancestors.
  bool IsAncestor(const ObjectId& ancestor, const ObjectId& descendant) const;

  // Calls `on_commit` for every commit reachable from `tip` and not from
  // options.hide, parents before children and otherwise oldest commit date
  // first (as `git log --reverse` lists them), after the whole walk: the
  // calling thread reads the commits while options.threads workers compare
  // their trees, then hands them over in that order; the callback runs on
  // the calling thread. Unreadable trees or blobs give a
  // warning naming the object (a blob that cannot be read counts as "no
  // rename"); fails only when the walk cannot start.
  Result<HistoryWalkStats> Walk(const ObjectId& tip, const HistoryWalkOptions& options,
                                const std::function<void(HistoryCommit&&)>& on_commit) const;

  // Paths of every blob (files and symlinks) in the commit's tree, sorted.
  Result<std::vector<std::string>> Files(const ObjectId& commit) const;
  // The text of `path` in the commit's tree; nullopt when it has no such file.
  Result<std::optional<std::string>> ReadFile(const ObjectId& commit,
                                              const std::string& path) const;

  // The identity .mailmap maps (name, email) to; the input when it maps
  // nothing or the repository has no .mailmap.
  Identity MapIdentity(const Identity& raw) const;

 private:
  History(git_repository* repo, std::filesystem::path path);
  git_repository* repo_;
  git_mailmap* mailmap_ = nullptr;
  std::filesystem::path path_;
};

// Writes small repositories commit by commit, for `ctodesk demo` and tests:
// each commit sets or deletes whole files; the tree is built in memory.
class RepoWriter {
 public:
  struct Edit {
    std::string path;
    std::optional<std::string> content;  // nullopt: delete the file
  };
  // Initialises a repository (branch "main") in `dir`, which must not hold one.
  static Result<std::unique_ptr<RepoWriter>> Create(const std::filesystem::path& dir);
  ~RepoWriter();
  RepoWriter(const RepoWriter&) = delete;
  RepoWriter& operator=(const RepoWriter&) = delete;

  // Commits the edits on top of the previous commit, authored and committed
  // by `who` at `time` (Unix seconds). Returns the new commit's id.
  Result<ObjectId> Commit(const Identity& who, std::int64_t time, const std::vector<Edit>& edits,
                          const std::string& message);
  // Writes the last commit's files into the working tree.
  Result<void> Checkout();

 private:
  RepoWriter() = default;
  git_repository* repo_ = nullptr;
  std::filesystem::path dir_;
  std::vector<std::pair<std::string, std::string>> files_;  // path, content; sorted
  std::optional<ObjectId> head_;
};

}  // namespace ctodesk::git
