#include "desks/radar/inventory.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "desks/radar/eol.h"
#include "git/history.h"

namespace ctodesk::radar {

namespace {

bool SkippedFolder(const std::string& name) {
  static const std::set<std::string, std::less<>> kSkip = {
      ".git", "node_modules", "vendor", "target", "dist", "build", ".venv", "venv", "__pycache__",
      ".tox", ".gradle", ".idea", "bower_components", ".terraform", ".next", "out", ".cache"};
  return kSkip.count(name) > 0;
}

std::optional<TimePoint> GitLastChange(const std::filesystem::path& path) {
  auto history = git::History::Open(path);
  if (!history || (*history)->Empty()) return std::nullopt;
  auto head = (*history)->Resolve("HEAD");
  if (!head) return std::nullopt;
  auto time = (*history)->CommitTime(*head);
  if (!time) return std::nullopt;
  return FromUnix(*time);
}

}  // namespace

std::set<std::string> Technology::Repos() const {
  std::set<std::string> out;
  for (const Usage& u : usages) out.insert(u.repo);
  return out;
}

std::vector<std::string> Technology::Versions() const {
  std::set<std::string> out;
  for (const Usage& u : usages) {
    if (!u.version.empty()) out.insert(u.version);
  }
  return {out.begin(), out.end()};
}

bool Technology::Direct() const {
  return std::any_of(usages.begin(), usages.end(), [](const Usage& u) { return u.direct; });
}

const Technology* Inventory::Find(std::string_view key) const {
  for (const Technology& t : technologies) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

Inventory BuildInventory(const std::vector<std::pair<std::string, ParsedManifest>>& manifests) {
  Inventory inv;
  std::map<std::string, Technology> by_key;
  // Packages a repository builds itself (workspace members): not technology it uses.
  std::set<std::pair<std::string, std::string>> own;
  for (const auto& [repo, parsed] : manifests) {
    if (!parsed.package.empty()) own.emplace(repo, parsed.package);
  }
  for (const auto& [repo, parsed] : manifests) {
    ++inv.manifests;
    for (const ManifestIssue& issue : parsed.issues) inv.issues.push_back(issue);
    for (const Dependency& d : parsed.deps) {
      if (d.ecosystem != "runtime" && d.ecosystem != "docker" && own.count({repo, d.name})) continue;
      std::string product = EolProduct(d);
      std::string key = !product.empty() ? product : d.ecosystem + ":" + d.name;
      Technology& t = by_key[key];
      if (t.key.empty()) {
        t.key = key;
        t.product = product;
        t.name = !product.empty() ? ProductDisplayName(product) : d.name;
        t.ecosystem = d.ecosystem;
      }
      t.usages.push_back({repo, d.file, d.line, d.ecosystem, d.name, d.version, d.direct, d.source});
    }
  }
  for (auto& [key, t] : by_key) inv.technologies.push_back(std::move(t));
  std::sort(inv.technologies.begin(), inv.technologies.end(), [](const Technology& a, const Technology& b) {
    return std::tie(a.name, a.key) < std::tie(b.name, b.key);
  });
  return inv;
}

Inventory ReadInventory(const std::vector<RepoSource>& repos, int max_depth, std::uintmax_t max_file_bytes) {
  std::vector<std::pair<std::string, ParsedManifest>> manifests;
  std::vector<RepoScan> scans;
  std::vector<ManifestIssue> extra;
  for (const RepoSource& repo : repos) {
    RepoScan scan{repo.name, repo.path};
    std::error_code ec;
    if (!std::filesystem::is_directory(repo.path, ec)) {
      scan.error = fmt::format("{}: not a folder", repo.path.string());
      scans.push_back(std::move(scan));
      continue;
    }
    std::optional<TimePoint> newest_mtime;
    auto it = std::filesystem::recursive_directory_iterator(
        repo.path, std::filesystem::directory_options::skip_permission_denied, ec);
    std::vector<std::filesystem::path> files;
    for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::error_code fe;
      const std::string name = it->path().filename().string();
      if (it->is_directory(fe)) {
        bool workflows = name == ".github";
        if ((SkippedFolder(name) || (name.size() > 1 && name[0] == '.' && !workflows)) || it.depth() >= max_depth) {
          it.disable_recursion_pending();
        }
        continue;
      }
      if (!it->is_regular_file(fe)) continue;
      std::string rel = std::filesystem::relative(it->path(), repo.path, fe).generic_string();
      if (!ManifestKindOf(rel)) continue;
      files.push_back(it->path());
    }
    if (ec) scan.error = fmt::format("{}: {}", repo.path.string(), ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      std::error_code fe;
      std::string rel = std::filesystem::relative(path, repo.path, fe).generic_string();
      std::string shown = repo.name + "/" + rel;
      auto kind = ManifestKindOf(rel);
      auto size = std::filesystem::file_size(path, fe);
      if (fe || size > max_file_bytes) {
        extra.push_back({shown, 0, fe ? fe.message() : fmt::format("larger than {} bytes; not read", max_file_bytes)});
        continue;
      }
      std::ifstream in(path, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in && !in.eof()) {
        extra.push_back({shown, 0, "cannot read"});
        continue;
      }
      auto mtime = std::filesystem::last_write_time(path, fe);
      if (!fe) {
        TimePoint t = std::chrono::floor<std::chrono::seconds>(std::chrono::file_clock::to_sys(mtime));
        if (!newest_mtime || t > *newest_mtime) newest_mtime = t;
      }
      ParsedManifest parsed = ParseManifest(*kind, text.str(), rel);
      for (Dependency& d : parsed.deps) d.file = rel;
      for (ManifestIssue& issue : parsed.issues) issue.file = shown;
      manifests.emplace_back(repo.name, std::move(parsed));
      ++scan.manifests;
    }
    scan.git = git::Repository::IsRepository(repo.path);
    scan.last_change = scan.git ? GitLastChange(repo.path) : std::nullopt;
    if (!scan.last_change) scan.last_change = newest_mtime;
    scans.push_back(std::move(scan));
  }
  Inventory inv = BuildInventory(manifests);
  inv.repos = std::move(scans);
  inv.issues.insert(inv.issues.end(), extra.begin(), extra.end());
  return inv;
}

}  // namespace ctodesk::radar
