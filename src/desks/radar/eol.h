// End-of-life dates of runtimes, databases, operating system images and
// frameworks: a table shipped with ctodesk (eol.csv, compiled in; nothing is
// fetched at run time) that the config may extend or override with
// [[radar.eol]] rows. Also: which EOL product a dependency is ("postgres:13"
// image -> postgresql 13, engines.node -> nodejs).
//
// Pure functions; BuiltinEol() parses the table once (thread-safe).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "desks/radar/manifest.h"

namespace ctodesk::radar {

struct EolEntry {
  std::string product;  // "nodejs", "postgresql", "django"
  std::string cycle;    // "18", "3.11", "13"
  std::chrono::sys_days eol{};
};

// Parses "product,cycle,eol" CSV text (lines starting with '#' and the header
// skipped). Errors name `source` and the line.
Result<std::vector<EolEntry>> ParseEolTable(std::string_view text, std::string_view source);
// The table shipped with ctodesk.
const std::vector<EolEntry>& BuiltinEol();
// `overrides` replace rows of the same (product, cycle) and add new ones.
std::vector<EolEntry> MergeEol(std::vector<EolEntry> base, const std::vector<EolEntry>& overrides);

// The longest cycle of `product` that `version` belongs to ("3.11.4" is in
// "3.11", never in "3.1"); nullopt when the table has none.
std::optional<EolEntry> FindEol(const std::vector<EolEntry>& table, std::string_view product,
                                std::string_view version);

// The EOL product a dependency is, or empty: runtimes ("node" -> "nodejs"),
// images ("postgres", "bitnami/postgresql" -> "postgresql", "golang" ->
// "go", "eclipse-temurin" -> "java"), and a few frameworks (pypi django, gem
// rails, npm angular -> "angularjs").
std::string EolProduct(const Dependency& d);
// How people write the product: "Node.js", "PostgreSQL"; the product itself
// when unknown.
std::string ProductDisplayName(std::string_view product);

}  // namespace ctodesk::radar
