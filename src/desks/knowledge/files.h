// Which files count for the knowledge desk. Vendored, third-party and
// generated files say nothing about who knows the product, so they are left
// out: folders vendor/, third_party/, third-party/, node_modules/,
// bower_components/; minified .min.js/.min.css; lockfiles; files marked
// linguist-vendored or linguist-generated in the root .gitattributes (which
// can also give a default-skipped path back with -linguist-vendored). The
// config adds exclude globs and can turn the defaults off.
//
// Globs: `*` and `?` stay within one path segment, `**` crosses segments
// ("docs/**", "**/*.pb.go"). Pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctodesk::knowledge {

bool GlobMatch(std::string_view pattern, std::string_view path);

// One line of .gitattributes that says something about linguist.
struct AttributeRule {
  std::string pattern;
  std::optional<bool> vendored;
  std::optional<bool> generated;
  int line = 0;
};
std::vector<AttributeRule> ParseGitAttributes(std::string_view text);

struct FileRules {
  bool skip_vendored = true;         // the built-in folders, minified files and lockfiles
  std::vector<std::string> exclude;  // extra globs
  std::vector<AttributeRule> attributes;
};

// Why `path` does not count ("vendored", "generated", "lockfile",
// "minified", "excluded by <glob>"), or nullopt when it counts.
std::optional<std::string> SkipReason(const FileRules& rules, std::string_view path);

}  // namespace ctodesk::knowledge
