// Scanning for secrets: a git repository's whole object database, a folder,
// standard input, or what is staged for the next commit.
//
// A git scan reads every blob once, whatever the number of commits and
// branches that share it: the object ids come from the object database
// (loose and packed), worker threads — one per core, each with its own
// libgit2 handle and matcher scratch — inflate and scan blobs in parallel,
// and only the blobs that had a hit are then attributed to the commits that
// introduced them, by a history walk that compares tree ids and never reads a
// blob. Blobs over the size limit and binary blobs (a NUL byte in the first
// 8000 bytes, git's own test) are skipped and counted; unreadable objects are
// reported as warnings with their id, and the scan carries on.
//
// The same secret in many blobs, files or commits is one Secret with all its
// occurrences. A Scanner is immutable once created; Scan* may run from
// several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "desks/leaks/detectors.h"

namespace ctodesk::leaks {

struct Occurrence {
  std::string path;     // file path (bytes as stored); "-" for standard input
  std::string commit;   // the introducing commit; empty outside git history
  std::string author;   // "Name <email>", with commit
  std::int64_t time = 0;  // author time, Unix seconds, with commit
  std::string blob;     // object id; empty outside git
  int line = 0;         // 1-based
  int column = 0;       // 1-based, in bytes
};

struct Secret {
  std::string fingerprint;  // stable across runs and machines; see Fingerprint()
  std::string rule;         // detector id
  std::string description;
  Confidence confidence = Confidence::kHigh;
  std::string redacted;     // "ghp_… (40 chars)"
  std::string value;        // the secret itself: print only with --show-secrets
  bool at_head = false;     // present in HEAD's tree (always true outside git history)
  std::vector<Occurrence> occurrences;  // oldest first
  std::vector<std::string> blobs;       // distinct blob ids holding it

  // The oldest occurrence with a commit, or the first one.
  const Occurrence& introduced() const;
};

struct ScanStats {
  std::int64_t objects = 0;         // object ids enumerated (git)
  std::int64_t blobs = 0;           // blobs or files scanned
  std::int64_t bytes = 0;           // bytes scanned
  std::int64_t skipped_large = 0;   // over max_blob_size
  std::int64_t skipped_binary = 0;
  std::int64_t unreadable = 0;
  std::int64_t commits = 0;         // commits walked for attribution
  double seconds = 0;
};

struct ScanReport {
  std::string target;  // as given: a path or "-"
  std::string kind;    // "git", "folder", "file", "stdin", "staged"
  std::vector<Secret> secrets;
  ScanStats stats;
  std::vector<std::string> warnings;
  std::vector<std::string> ref_tips;  // git: the commits every ref pointed at when scanned
};

struct ScanOptions {
  std::uint64_t max_blob_size = 5 * 1024 * 1024;
  int threads = 0;                     // 0: one per core
  std::optional<std::string> since;    // git: only commits not reachable from this revision
  std::vector<std::string> hide;       // git: commit ids already scanned (their history too)
  std::vector<std::string> allow_paths;         // globs; a matching path never reports
  std::set<std::string> allow_fingerprints;
  // Low-confidence guesses (generic password/token assignments) in test,
  // spec and fixture paths are dropped unless this is set.
  bool include_test_guesses = false;
  bool progress = false;               // a progress bar on stderr (when it is a terminal)
};

class Scanner {
 public:
  // Compiles the built-in detectors plus one per own-key prefix.
  static Result<std::unique_ptr<Scanner>> Create(const std::vector<std::string>& own_key_prefixes = {});

  // Dispatches on the target: "-" is standard input, a git repository is its
  // whole history, a folder its files, a file itself.
  Result<ScanReport> Scan(const std::string& target, const ScanOptions& options) const;
  Result<ScanReport> ScanGit(const std::filesystem::path& repo, const ScanOptions& options) const;
  Result<ScanReport> ScanFolder(const std::filesystem::path& dir, const ScanOptions& options) const;
  Result<ScanReport> ScanText(std::string_view text, const std::string& name, const ScanOptions& options) const;
  // The index entries that differ from HEAD, as a pre-commit hook sees them.
  Result<ScanReport> ScanStaged(const std::filesystem::path& repo, const ScanOptions& options) const;

  const DetectorSet& detectors() const { return *set_; }

 private:
  explicit Scanner(std::unique_ptr<DetectorSet> set) : set_(std::move(set)) {}
  std::unique_ptr<DetectorSet> set_;
};

// 16 hex characters of SHA-256 over a fixed label and the secret. Stable.
std::string Fingerprint(std::string_view secret);
// The first 4 characters (fewer for short secrets) and the length: "ghp_… (40 chars)".
std::string Redact(std::string_view secret);
// fnmatch-style glob where "**" crosses folders; a pattern without "/" matches
// the file name anywhere.
bool PathMatches(std::string_view glob, std::string_view path);

}  // namespace ctodesk::leaks
