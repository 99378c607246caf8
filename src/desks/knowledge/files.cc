#include "desks/knowledge/files.h"

#include <algorithm>
#include <array>
#include <sstream>

namespace ctodesk::knowledge {

namespace {

constexpr std::array<std::string_view, 5> kVendorDirs = {"vendor", "third_party", "third-party",
                                                         "node_modules", "bower_components"};
constexpr std::array<std::string_view, 13> kLockfiles = {
    "package-lock.json",  "yarn.lock",   "pnpm-lock.yaml", "Cargo.lock",
    "Gemfile.lock",       "poetry.lock", "composer.lock",  "go.sum",
    "Pipfile.lock",       "bun.lockb",   "mix.lock",       "flake.lock",
    "npm-shrinkwrap.json"};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view Basename(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// gitattributes: a pattern without a slash matches the name at any depth; one
// with a slash is anchored at the root.
bool AttributeMatch(std::string_view pattern, std::string_view path) {
  if (!pattern.empty() && pattern.front() == '/') return GlobMatch(pattern.substr(1), path);
  if (pattern.find('/') == std::string_view::npos) return GlobMatch(pattern, Basename(path));
  return GlobMatch(pattern, path);
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      // "**/" also matches zero folders.
      if (!rest.empty() && rest.front() == '/' && GlobMatch(rest.substr(1), s)) return true;
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (GlobMatch(rest, s.substr(i))) return true;
      }
      return false;
    }
    if (p.front() == '*') {
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (GlobMatch(p.substr(1), s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (p.front() == '?' ? s.front() == '/' : p.front() != s.front()) return false;
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

std::vector<AttributeRule> ParseGitAttributes(std::string_view text) {
  std::vector<AttributeRule> rules;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream words(line);
    AttributeRule r;
    r.line = n;
    if (!(words >> r.pattern) || r.pattern[0] == '#') continue;
    std::string attr;
    while (words >> attr) {
      bool value = true;
      std::string name = attr;
      if (!name.empty() && (name[0] == '-' || name[0] == '!')) {
        value = false;
        name = name.substr(1);
      }
      if (auto eq = name.find('='); eq != std::string::npos) {
        std::string v = name.substr(eq + 1);
        name = name.substr(0, eq);
        value = v == "true" || v == "1";
      }
      if (name == "linguist-vendored") r.vendored = value;
      if (name == "linguist-generated") r.generated = value;
    }
    if (r.vendored || r.generated) rules.push_back(std::move(r));
  }
  return rules;
}

std::optional<std::string> SkipReason(const FileRules& rules, std::string_view path) {
  std::optional<bool> vendored, generated;
  for (const AttributeRule& r : rules.attributes) {  // the last matching line wins
    if (!AttributeMatch(r.pattern, path)) continue;
    if (r.vendored) vendored = r.vendored;
    if (r.generated) generated = r.generated;
  }
  if (generated.value_or(false)) return "generated (.gitattributes)";
  if (vendored.value_or(false)) return "vendored (.gitattributes)";
  for (const std::string& g : rules.exclude) {
    if (GlobMatch(g, path)) return "excluded by \"" + g + "\"";
  }
  if (!rules.skip_vendored || vendored.has_value()) return std::nullopt;
  std::string_view rest = path;
  while (true) {
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) break;
    std::string_view dir = rest.substr(0, slash);
    if (std::find(kVendorDirs.begin(), kVendorDirs.end(), dir) != kVendorDirs.end()) {
      return "vendored (" + std::string(dir) + "/)";
    }
    rest.remove_prefix(slash + 1);
  }
  std::string_view base = Basename(path);
  if (std::find(kLockfiles.begin(), kLockfiles.end(), base) != kLockfiles.end()) return "lockfile";
  if (EndsWith(base, ".min.js") || EndsWith(base, ".min.css") || EndsWith(base, "-min.js")) {
    return "minified";
  }
  return std::nullopt;
}

}  // namespace ctodesk::knowledge
