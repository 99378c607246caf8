#include "desks/radar/eol.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/clock.h"

namespace ctodesk::radar {

extern const char kEolCsv[];

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<EolEntry>> ParseEolTable(std::string_view text, std::string_view source) {
  std::vector<EolEntry> out;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#' || t == "product,cycle,eol") continue;
    std::vector<std::string> fields;
    std::stringstream parts{std::string(t)};
    for (std::string f; std::getline(parts, f, ',');) fields.emplace_back(Trim(f));
    if (fields.size() != 3 || fields[0].empty() || fields[1].empty()) {
      return Fail(Error::Invalid(fmt::format("{}:{}: expected \"product,cycle,YYYY-MM-DD\", got \"{}\"",
                                             source, number, t)));
    }
    auto when = ParseTime(fields[2]);
    if (!when || fields[2].size() != 10) {
      return Fail(Error::Invalid(fmt::format("{}:{}: expected a date such as 2026-04-30, got \"{}\"", source,
                                             number, fields[2])));
    }
    out.push_back({Lower(fields[0]), fields[1], std::chrono::floor<std::chrono::days>(*when)});
  }
  return out;
}

const std::vector<EolEntry>& BuiltinEol() {
  static const std::vector<EolEntry> table = [] {
    auto parsed = ParseEolTable(kEolCsv, "eol.csv");
    return parsed ? *parsed : std::vector<EolEntry>{};  // eol_test checks it parses
  }();
  return table;
}

std::vector<EolEntry> MergeEol(std::vector<EolEntry> base, const std::vector<EolEntry>& overrides) {
  for (const EolEntry& o : overrides) {
    auto it = std::find_if(base.begin(), base.end(),
                           [&](const EolEntry& e) { return e.product == o.product && e.cycle == o.cycle; });
    if (it != base.end()) *it = o;
    else base.push_back(o);
  }
  return base;
}

std::optional<EolEntry> FindEol(const std::vector<EolEntry>& table, std::string_view product,
                                std::string_view version) {
  std::string v = VersionNumber(version);
  if (v.empty()) return std::nullopt;
  const EolEntry* best = nullptr;
  for (const EolEntry& e : table) {
    if (e.product != product) continue;
    bool match = v == e.cycle || (v.size() > e.cycle.size() && v.compare(0, e.cycle.size(), e.cycle) == 0 &&
                                  v[e.cycle.size()] == '.');
    if (match && (!best || e.cycle.size() > best->cycle.size())) best = &e;
  }
  if (!best) return std::nullopt;
  return *best;
}

std::string EolProduct(const Dependency& d) {
  static const std::map<std::string, std::string, std::less<>> kRuntimes = {
      {"node", "nodejs"}, {"nodejs", "nodejs"}, {"python", "python"}, {"go", "go"}, {"golang", "go"},
      {"ruby", "ruby"},   {"java", "java"},     {"php", "php"},       {"rust", "rust"},
  };
  static const std::map<std::string, std::string, std::less<>> kImages = {
      {"node", "nodejs"},         {"python", "python"},     {"postgres", "postgresql"},
      {"postgresql", "postgresql"}, {"mysql", "mysql"},     {"redis", "redis"},
      {"ruby", "ruby"},           {"golang", "go"},         {"openjdk", "java"},
      {"eclipse-temurin", "java"}, {"amazoncorretto", "java"}, {"ubuntu", "ubuntu"},
      {"debian", "debian"},       {"elasticsearch", "elasticsearch"}, {"php", "php"},
      {"mongo", "mongodb"},       {"mongodb", "mongodb"},
  };
  if (d.ecosystem == "runtime") {
    auto it = kRuntimes.find(Lower(d.name));
    return it == kRuntimes.end() ? Lower(d.name) : it->second;
  }
  if (d.ecosystem == "docker") {
    std::string_view name = d.name;
    if (size_t slash = name.rfind('/'); slash != std::string_view::npos) name = name.substr(slash + 1);
    auto it = kImages.find(name);
    return it == kImages.end() ? "" : it->second;
  }
  if (d.ecosystem == "pypi" && Lower(d.name) == "django") return "django";
  if (d.ecosystem == "gem" && (d.name == "rails" || d.name == "railties")) return "rails";
  if (d.ecosystem == "npm" && d.name == "angular") return "angularjs";
  return "";
}

std::string ProductDisplayName(std::string_view product) {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"nodejs", "Node.js"},   {"python", "Python"},     {"postgresql", "PostgreSQL"}, {"mysql", "MySQL"},
      {"redis", "Redis"},      {"ruby", "Ruby"},         {"go", "Go"},                 {"java", "Java"},
      {"php", "PHP"},          {"django", "Django"},     {"rails", "Rails"},           {"angularjs", "AngularJS"},
      {"ubuntu", "Ubuntu"},    {"debian", "Debian"},     {"elasticsearch", "Elasticsearch"},
      {"mongodb", "MongoDB"},  {"rust", "Rust"},
  };
  auto it = kNames.find(product);
  return it == kNames.end() ? std::string(product) : it->second;
}

}  // namespace ctodesk::radar
