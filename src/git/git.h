// A small RAII wrapper over libgit2 for what the desks need from git: the
// object database read blob by blob, and history walks that compare trees by
// object id only (no blob content), to say which commit brought a blob in.
//
// A Repository is not thread-safe; open one per thread (they share nothing
// but the files on disk). Errors come back as values naming the repository
// and, where there is one, the object id.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

struct git_repository;
struct git_odb_object;

namespace ctodesk::git {

struct ObjectId {
  std::array<unsigned char, 20> bytes{};
  std::string Hex() const;
  static std::optional<ObjectId> FromHex(std::string_view hex);
  bool operator==(const ObjectId&) const = default;
  auto operator<=>(const ObjectId&) const = default;
};
struct ObjectIdHash {
  std::size_t operator()(const ObjectId& id) const;
};

// One blob's bytes, kept alive by libgit2's object handle.
class BlobData {
 public:
  BlobData() = default;
  explicit BlobData(git_odb_object* obj);
  ~BlobData();
  BlobData(BlobData&& other) noexcept;
  BlobData& operator=(BlobData&& other) noexcept;
  std::string_view view() const;

 private:
  git_odb_object* obj_ = nullptr;
};

enum class BlobStatus { kOk, kNotBlob, kTooLarge, kUnreadable };
struct BlobRead {
  BlobStatus status = BlobStatus::kUnreadable;
  std::uint64_t size = 0;  // from the object header; 0 when unreadable
  BlobData data;           // filled only when kOk
  std::string error;       // filled only when kUnreadable
};

// Where a blob entered history: the commit that added or changed `path` to it
// (for a merge: relative to every parent).
struct Introduction {
  ObjectId blob;
  ObjectId commit;
  std::string path;    // bytes as stored in git; not necessarily UTF-8
  std::string author;  // "Name <email>"
  std::int64_t time = 0;  // author time, Unix seconds
};

struct WalkOptions {
  std::vector<ObjectId> hide;  // commits (and their ancestors) not to walk
};

struct WalkResult {
  std::int64_t commits = 0;
  std::vector<std::string> warnings;  // unreadable commits or trees, missing parents
};

struct PathBlob {
  std::string path;
  ObjectId blob;
};

// While one is alive, packs are mapped in libgit2's large default windows
// instead of the small capped ones history walks use (to keep their memory
// flat). Reading every object in id order, as the leaks scan does, jumps all
// over a pack: with small windows almost every read unmapped one window and
// mapped another (on git.git: 1.43x -> 1.73x the time of `git cat-file`).
// Process-wide; nested or concurrent holders are counted.
class WholePackReads {
 public:
  WholePackReads();
  ~WholePackReads();
  WholePackReads(const WholePackReads&) = delete;
  WholePackReads& operator=(const WholePackReads&) = delete;
};

class Repository {
 public:
  // Opens the repository at `path` (a working tree with .git, or a bare
  // repository); never searches parent folders. Fails when it is not one.
  static Result<std::unique_ptr<Repository>> Open(const std::filesystem::path& path);
  // True when `path` holds a repository Open would accept.
  static bool IsRepository(const std::filesystem::path& path);
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Every object id in the object database (loose and packed), once each,
  // sorted. Only ids: nothing is inflated.
  Result<std::vector<ObjectId>> AllObjectIds();
  // Reads one object's header, and inflates it only when it is a blob of at
  // most `max_size` bytes. Never fails: problems are reported in the status.
  BlobRead ReadBlob(const ObjectId& id, std::uint64_t max_size);

  // Walks every commit reachable from any ref or HEAD, minus those reachable
  // from options.hide, parents before children. For each blob a commit adds or
  // changes (compared by id with its parents' trees, recursing only into
  // subtrees whose ids differ) and for which `want(blob)` is true, calls
  // `on_intro`. Fails only when the walk cannot start.
  Result<WalkResult> WalkIntroductions(const WalkOptions& options,
                                       const std::function<bool(const ObjectId&)>& want,
                                       const std::function<void(const Introduction&)>& on_intro);

  // Every blob in HEAD's tree with its path; empty when HEAD is unborn.
  Result<std::vector<PathBlob>> HeadBlobs();
  // Blobs staged in the index that differ from HEAD (what a commit would add).
  Result<std::vector<PathBlob>> StagedBlobs();
  // The commit ids every ref points to (peeled), sorted and unique.
  Result<std::vector<ObjectId>> RefTips();
  // Resolves a revision ("main", "HEAD~3", an id) to a commit id.
  Result<ObjectId> ResolveCommit(std::string_view rev);
  // Every commit reachable from a ref or HEAD and not from `hide`, found by
  // following parent ids and skipping missing ones (shallow clones).
  Result<std::vector<ObjectId>> ReachableCommits(const std::vector<ObjectId>& hide);

 private:
  Repository(git_repository* repo, std::filesystem::path path) : repo_(repo), path_(std::move(path)) {}
  git_repository* repo_;
  std::filesystem::path path_;
};

}  // namespace ctodesk::git
