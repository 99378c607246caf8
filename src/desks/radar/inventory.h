// The technology inventory: every manifest in the configured repositories
// (working trees on disk), parsed, and gathered by technology — its
// versions, and which repositories use it where. Folders that hold other
// people's code (node_modules, vendor, .git, target, build, dist, virtual
// environments) are not walked. A manifest that cannot be read becomes an
// issue naming file and line; it never stops the inventory.
//
// BuildInventory is pure; ReadInventory does the I/O. Thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "desks/radar/manifest.h"

namespace ctodesk::radar {

struct RepoSource {
  std::string name;  // shown in findings: "shop-web"
  std::filesystem::path path;
};

// One place a technology is used.
struct Usage {
  std::string repo;
  std::string file;  // relative to the repository
  int line = 0;
  std::string ecosystem;
  std::string name;     // as the manifest spells it
  std::string version;  // as written
  bool direct = true;
  std::string source;   // "git", "path", "url" or empty
};

struct Technology {
  std::string key;        // "postgresql" (an EOL product) or "npm:react"
  std::string name;       // "PostgreSQL", "react"
  std::string ecosystem;  // of its first use: "docker", "npm", ...
  std::string product;    // EOL product, or empty
  std::vector<Usage> usages;

  std::set<std::string> Repos() const;
  // Distinct non-empty versions as written, sorted.
  std::vector<std::string> Versions() const;
  bool Direct() const;  // used directly somewhere, not only through a lockfile
};

struct RepoScan {
  std::string name;
  std::filesystem::path path;
  int manifests = 0;
  std::optional<TimePoint> last_change;  // newest commit (git) or newest manifest mtime
  bool git = false;
  std::string error;  // when the folder could not be read
};

struct Inventory {
  std::vector<Technology> technologies;  // sorted by name
  std::vector<ManifestIssue> issues;     // file names are "<repo>/<path>"
  std::vector<RepoScan> repos;
  int manifests = 0;

  const Technology* Find(std::string_view key) const;
};

// Gathers parsed manifests, each with its repository's name, by technology.
Inventory BuildInventory(const std::vector<std::pair<std::string, ParsedManifest>>& manifests);

// Walks each repository (at most `max_depth` folders deep; files over
// `max_file_bytes` are skipped with an issue) and builds the inventory.
Inventory ReadInventory(const std::vector<RepoSource>& repos, int max_depth = 8,
                        std::uintmax_t max_file_bytes = 32u << 20);

}  // namespace ctodesk::radar
