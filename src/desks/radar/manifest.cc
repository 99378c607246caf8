#include "desks/radar/manifest.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace ctodesk::radar {

namespace {

using json = nlohmann::json;

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

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      if (start < text.size()) out.push_back(text.substr(start));
      break;
    }
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = nl + 1;
  }
  return out;
}

int LineAt(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// Locates keys of JSON objects by their text, for line numbers (nlohmann
// keeps no positions): one pass records where every `"key":` starts, so a
// lockfile of thousands of packages is indexed once, not searched per key.
class JsonLines {
 public:
  explicit JsonLines(std::string_view text) : text_(text) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines_.push_back(i);
    }
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '"') continue;
      size_t start = i++;
      std::string key;
      bool plain = true;
      for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') {
          plain = false;
          ++i;
          continue;
        }
        key += text[i];
      }
      size_t after = i + 1;
      while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
      if (plain && after < text.size() && text[after] == ':') keys_[key].push_back(start);
    }
  }
  // The line of `key` after the first `section` key (anywhere when there is
  // no such section or no such key after it); 0 when not found.
  int Of(std::string_view section, std::string_view key) const {
    size_t from = 0;
    if (!section.empty()) {
      if (auto s = keys_.find(section); s != keys_.end()) from = s->second.front();
    }
    auto k = keys_.find(key);
    if (k == keys_.end()) return 0;
    auto it = std::lower_bound(k->second.begin(), k->second.end(), from);
    return Line(it != k->second.end() ? *it : k->second.front());
  }
  // The line of the string value `value` after the first `section` key.
  int OfValue(std::string_view section, std::string_view value) const {
    size_t from = 0;
    if (auto s = keys_.find(section); s != keys_.end()) from = s->second.front();
    size_t at = text_.find(fmt::format("\"{}\"", value), from);
    return at == std::string_view::npos ? 0 : Line(at);
  }

 private:
  int Line(size_t offset) const {
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin());
  }
  std::string_view text_;
  std::vector<size_t> newlines_;
  std::map<std::string, std::vector<size_t>, std::less<>> keys_;
};

std::optional<json> ParseJson(std::string_view text, const std::string& file, ParsedManifest& out) {
  try {
    json j = json::parse(text.begin(), text.end(), nullptr, true, /*ignore_comments=*/true);
    if (!j.is_object()) {
      out.issues.push_back({file, 1, "expected a JSON object at the top"});
      return std::nullopt;
    }
    return j;
  } catch (const json::out_of_range& e) {  // "1e9999": a number JSON cannot hold
    out.issues.push_back({file, 0, "not valid JSON: a number is out of range"});
    return std::nullopt;
  } catch (const json::parse_error& e) {
    int line = e.byte > 0 ? LineAt(text, e.byte - 1) : 1;
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..."
    size_t colon = what.find(": ", what.find("parse error"));
    out.issues.push_back({file, line, fmt::format("not valid JSON: {}",
                                                  colon == std::string::npos ? what : what.substr(colon + 2))});
    return std::nullopt;
  }
}

// npm version specs that are not from the registry.
std::string NpmSource(std::string_view spec) {
  if (StartsWith(spec, "git+") || StartsWith(spec, "git:") || StartsWith(spec, "github:") ||
      StartsWith(spec, "gitlab:") || StartsWith(spec, "bitbucket:")) {
    return "git";
  }
  if (StartsWith(spec, "file:") || StartsWith(spec, "link:") || StartsWith(spec, "./") ||
      StartsWith(spec, "../")) {
    return "path";
  }
  if (StartsWith(spec, "http://") || StartsWith(spec, "https://")) return "url";
  // "user/repo" or "user/repo#tag": a GitHub shorthand.
  if (spec.find('/') != std::string_view::npos && spec.find(' ') == std::string_view::npos &&
      !StartsWith(spec, "@") && !StartsWith(spec, "npm:")) {
    return "git";
  }
  return "";
}

void ParsePackageJson(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto j = ParseJson(text, file, out);
  if (!j) return;
  JsonLines lines(text);
  if (auto n = j->find("name"); n != j->end() && n->is_string()) out.package = n->get<std::string>();
  for (const char* section : {"dependencies", "devDependencies", "peerDependencies", "optionalDependencies"}) {
    auto it = j->find(section);
    if (it == j->end()) continue;
    if (!it->is_object()) {
      out.issues.push_back({file, lines.Of("", section), fmt::format("\"{}\": expected an object of name: version", section)});
      continue;
    }
    for (const auto& [name, value] : it->items()) {
      if (!value.is_string()) {
        out.issues.push_back({file, lines.Of(section, name),
                              fmt::format("\"{}\".\"{}\": expected a version string", section, name)});
        continue;
      }
      std::string spec = value.get<std::string>();
      if (StartsWith(spec, "workspace:")) continue;  // a package of this repository
      Dependency d{"npm", name, spec, file, lines.Of(section, name)};
      d.source = NpmSource(spec);
      if (StartsWith(spec, "npm:")) {  // alias: "npm:real-name@^1.0"
        std::string_view rest = std::string_view(spec).substr(4);
        size_t at = rest.find('@', 1);
        d.name = std::string(rest.substr(0, at));
        d.version = at == std::string_view::npos ? "" : std::string(rest.substr(at + 1));
      }
      if (!d.source.empty()) d.version.clear();
      out.deps.push_back(std::move(d));
    }
  }
  if (auto e = j->find("engines"); e != j->end() && e->is_object()) {
    if (auto n = e->find("node"); n != e->end() && n->is_string()) {
      out.deps.push_back({"runtime", "node", n->get<std::string>(), file, lines.Of("engines", "node")});
    }
  }
  if (auto w = j->find("workspaces"); w != j->end()) {
    const json* list = &*w;
    if (w->is_object()) {
      auto p = w->find("packages");
      list = p == w->end() ? nullptr : &*p;
    }
    if (list && list->is_array()) {
      for (const auto& g : *list) {
        if (g.is_string()) out.workspaces.push_back(g.get<std::string>());
      }
    } else {
      out.issues.push_back({file, lines.Of("", "workspaces"),
                            "\"workspaces\": expected an array of folders or {\"packages\": [...]}"});
    }
  }
}

void ParsePackageLock(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto j = ParseJson(text, file, out);
  if (!j) return;
  JsonLines lines(text);
  if (auto p = j->find("packages"); p != j->end() && p->is_object()) {  // lockfileVersion 2 and 3
    for (const auto& [key, value] : p->items()) {
      size_t nm = key.rfind("node_modules/");
      if (nm == std::string::npos || !value.is_object()) continue;  // the root or a workspace folder
      if (value.value("link", false)) continue;
      std::string name = key.substr(nm + 13);
      std::string version = value.value("version", std::string());
      out.deps.push_back({"npm", name, version, file, lines.Of("packages", key), false});
    }
    return;
  }
  // lockfileVersion 1: nested "dependencies".
  std::function<void(const json&)> walk = [&](const json& deps) {
    for (const auto& [name, value] : deps.items()) {
      if (!value.is_object()) continue;
      out.deps.push_back({"npm", name, value.value("version", std::string()), file,
                          lines.Of("dependencies", name), false});
      if (auto d = value.find("dependencies"); d != value.end() && d->is_object()) walk(*d);
    }
  };
  if (auto d = j->find("dependencies"); d != j->end() && d->is_object()) walk(*d);
}

// A PEP 508 requirement: "name[extra] (>=1.0) ; marker" or "name @ url".
// Returns false when it is not one.
bool ParsePep508(std::string_view req, Dependency& d) {
  static const std::regex kReq(R"(^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$)");
  std::string s(req);
  if (size_t semi = s.find(';'); semi != std::string::npos) s.resize(semi);
  std::smatch m;
  if (!std::regex_match(s, m, kReq)) return false;
  d.name = Lower(m[1].str());
  std::string rest(Trim(m[3].str()));
  if (StartsWith(rest, "@")) {
    std::string url(Trim(std::string_view(rest).substr(1)));
    d.source = StartsWith(url, "git+") ? "git" : StartsWith(url, "file:") ? "path" : "url";
    d.version.clear();
    return !url.empty();
  }
  if (!rest.empty() && rest.front() == '(' && rest.back() == ')') rest = rest.substr(1, rest.size() - 2);
  if (!rest.empty() && rest.find_first_of("<>=!~") != 0) return false;
  d.version = std::string(Trim(rest));
  return true;
}

void ParseRequirements(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string line(lines[i]);
    // Continuation lines.
    while (!line.empty() && line.back() == '\\' && i + 1 < lines.size()) {
      line.pop_back();
      line += lines[++i];
    }
    if (size_t hash = line.find(" #"); hash != std::string::npos) line.resize(hash);
    std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    if (StartsWith(t, "-e ") || StartsWith(t, "--editable")) {
      std::string_view target = Trim(t.substr(t.find_first_of(" =") + 1));
      size_t egg = target.find("#egg=");
      Dependency d{"pypi", "", "", file, number};
      d.source = StartsWith(target, "git+") ? "git" : "path";
      d.name = egg == std::string_view::npos ? std::string(target) : Lower(target.substr(egg + 5));
      out.deps.push_back(std::move(d));
      continue;
    }
    if (t.front() == '-') continue;  // -r other.txt, -c, --index-url, --hash ...
    if (StartsWith(t, "git+") || StartsWith(t, "http://") || StartsWith(t, "https://")) {
      size_t egg = t.find("#egg=");
      if (egg == std::string_view::npos) {
        out.issues.push_back({file, number, "a URL requirement needs \"#egg=name\" to name the package"});
        continue;
      }
      out.deps.push_back({"pypi", Lower(t.substr(egg + 5)), "", file, number, true,
                          StartsWith(t, "git+") ? "git" : "url"});
      continue;
    }
    if (size_t hashopt = t.find(" --hash"); hashopt != std::string_view::npos) t = Trim(t.substr(0, hashopt));
    Dependency d{"pypi", "", "", file, number};
    if (!ParsePep508(t, d)) {
      out.issues.push_back({file, number, fmt::format("expected a requirement such as \"requests>=2.31\", got \"{}\"", t)});
      continue;
    }
    out.deps.push_back(std::move(d));
  }
}

int TomlLine(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

std::optional<toml::table> ParseToml(std::string_view text, const std::string& file, ParsedManifest& out) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    out.issues.push_back({file, static_cast<int>(e.source().begin.line),
                          fmt::format("not valid TOML: {}", e.description())});
    return std::nullopt;
  }
}

void PoetryDeps(const toml::table& deps, const std::string& file, ParsedManifest& out) {
  for (const auto& [key, node] : deps) {
    std::string name = Lower(key.str());
    if (name == "python") {
      if (auto s = node.value<std::string>()) out.deps.push_back({"runtime", "python", *s, file, TomlLine(node)});
      continue;
    }
    Dependency d{"pypi", name, "", file, TomlLine(node)};
    if (auto s = node.value<std::string>()) {
      d.version = *s;
    } else if (const toml::table* t = node.as_table()) {
      d.version = t->get("version") ? t->get("version")->value_or(std::string()) : "";
      if (t->contains("git")) d.source = "git";
      else if (t->contains("path")) d.source = "path";
      else if (t->contains("url")) d.source = "url";
    } else if (const toml::array* a = node.as_array()) {  // multiple-constraints
      for (const auto& alt : *a) {
        if (const toml::table* option = alt.as_table(); option && option->get("version")) {
          d.version = option->get("version")->value_or(std::string());
          break;
        }
      }
    } else {
      out.issues.push_back({file, TomlLine(node), fmt::format("{}: expected a version string or table", key.str())});
      continue;
    }
    out.deps.push_back(std::move(d));
  }
}

void Pep621List(const toml::array& list, const std::string& file, ParsedManifest& out) {
  for (const auto& item : list) {
    auto s = item.value<std::string>();
    Dependency d{"pypi", "", "", file, TomlLine(item)};
    if (!s || !ParsePep508(*s, d)) {
      out.issues.push_back({file, TomlLine(item), "expected a requirement string such as \"requests>=2.31\""});
      continue;
    }
    out.deps.push_back(std::move(d));
  }
}

void ParsePyproject(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto root = ParseToml(text, file, out);
  if (!root) return;
  if (auto name = (*root)["project"]["name"].value<std::string>()) out.package = Lower(*name);
  if (auto name = (*root)["tool"]["poetry"]["name"].value<std::string>()) out.package = Lower(*name);
  if (const toml::table* project = (*root)["project"].as_table()) {
    if (const toml::node* rp = project->get("requires-python")) {
      if (auto s = rp->value<std::string>()) out.deps.push_back({"runtime", "python", *s, file, TomlLine(*rp)});
    }
    if (const toml::node* deps = project->get("dependencies")) {
      if (const toml::array* a = deps->as_array()) Pep621List(*a, file, out);
      else out.issues.push_back({file, TomlLine(*deps), "project.dependencies: expected an array of requirement strings"});
    }
    if (const toml::table* opt = (*project)["optional-dependencies"].as_table()) {
      for (const auto& [group, list] : *opt) {
        if (const toml::array* a = list.as_array()) Pep621List(*a, file, out);
      }
    }
  }
  if (const toml::table* poetry = (*root)["tool"]["poetry"].as_table()) {
    if (const toml::table* deps = (*poetry)["dependencies"].as_table()) PoetryDeps(*deps, file, out);
    if (const toml::table* dev = (*poetry)["dev-dependencies"].as_table()) PoetryDeps(*dev, file, out);
    if (const toml::table* groups = (*poetry)["group"].as_table()) {
      for (const auto& [name, group] : *groups) {
        if (const toml::table* g = group.as_table()) {
          if (const toml::table* deps = (*g)["dependencies"].as_table()) PoetryDeps(*deps, file, out);
        }
      }
    }
  }
}

// [[package]] name/version lists: poetry.lock and Cargo.lock.
void ParseTomlLock(std::string_view text, const std::string& file, const char* ecosystem,
                   ParsedManifest& out) {
  auto root = ParseToml(text, file, out);
  if (!root) return;
  const toml::array* packages = (*root)["package"].as_array();
  if (!packages) return;
  for (const auto& p : *packages) {
    const toml::table* t = p.as_table();
    if (!t) continue;
    auto name = (*t)["name"].value<std::string>();
    auto version = (*t)["version"].value<std::string>();
    if (!name) {
      out.issues.push_back({file, TomlLine(p), "[[package]] without a name"});
      continue;
    }
    Dependency d{ecosystem, std::string(ecosystem) == "pypi" ? Lower(*name) : *name, version.value_or(""),
                 file, TomlLine(p), false};
    if (auto source = (*t)["source"].value<std::string>(); source && StartsWith(*source, "git+")) d.source = "git";
    if (const toml::table* s = (*t)["source"].as_table()) {  // poetry: [package.source] type = "git"
      d.source = (*s)["type"].value_or(std::string());
    }
    out.deps.push_back(std::move(d));
  }
}

void ParseGoMod(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  bool in_require = false, in_other_block = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string_view raw = lines[i];
    bool indirect = raw.find("// indirect") != std::string_view::npos;
    if (size_t c = raw.find("//"); c != std::string_view::npos) raw = raw.substr(0, c);
    std::string_view t = Trim(raw);
    if (t.empty()) continue;
    if (in_require || in_other_block) {
      if (t == ")") {
        in_require = in_other_block = false;
        continue;
      }
      if (in_other_block) continue;
    } else {
      if (t == "require (") {
        in_require = true;
        continue;
      }
      if (EndsWith(t, "(") ) {  // replace ( / exclude ( / retract (
        in_other_block = true;
        continue;
      }
      if (StartsWith(t, "go ")) {
        out.deps.push_back({"runtime", "go", std::string(Trim(t.substr(3))), file, number});
        continue;
      }
      if (StartsWith(t, "module ") || StartsWith(t, "toolchain ") || StartsWith(t, "replace ") ||
          StartsWith(t, "exclude ") || StartsWith(t, "retract ") || StartsWith(t, "godebug")) {
        continue;
      }
      if (!StartsWith(t, "require ")) {
        out.issues.push_back({file, number, fmt::format("unexpected line \"{}\"", t)});
        continue;
      }
      t = Trim(t.substr(8));
    }
    size_t space = t.find_first_of(" \t");
    if (space == std::string_view::npos) {
      out.issues.push_back({file, number, fmt::format("expected \"module/path v1.2.3\", got \"{}\"", t)});
      continue;
    }
    Dependency d{"go", std::string(t.substr(0, space)), std::string(Trim(t.substr(space))), file, number};
    d.direct = !indirect;
    out.deps.push_back(std::move(d));
  }
  if (in_require) out.issues.push_back({file, static_cast<int>(lines.size()), "require ( block not closed"});
}

void CargoDeps(const toml::table& deps, const std::string& file, ParsedManifest& out) {
  for (const auto& [key, node] : deps) {
    Dependency d{"cargo", std::string(key.str()), "", file, TomlLine(node)};
    if (auto s = node.value<std::string>()) {
      d.version = *s;
    } else if (const toml::table* t = node.as_table()) {
      d.version = (*t)["version"].value_or(std::string());
      if (auto pkg = (*t)["package"].value<std::string>()) d.name = *pkg;  // renamed dependency
      if (t->contains("git")) d.source = "git";
      else if (t->contains("path")) d.source = "path";
      if ((*t)["workspace"].value_or(false)) continue;  // declared in [workspace.dependencies]
    } else {
      out.issues.push_back({file, TomlLine(node), fmt::format("{}: expected a version string or table", key.str())});
      continue;
    }
    out.deps.push_back(std::move(d));
  }
}

void ParseCargoToml(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto root = ParseToml(text, file, out);
  if (!root) return;
  for (const char* section : {"dependencies", "dev-dependencies", "build-dependencies"}) {
    if (const toml::table* t = (*root)[section].as_table()) CargoDeps(*t, file, out);
  }
  if (const toml::table* targets = (*root)["target"].as_table()) {
    for (const auto& [cfg, node] : *targets) {
      if (const toml::table* t = node.as_table()) {
        for (const char* section : {"dependencies", "dev-dependencies", "build-dependencies"}) {
          if (const toml::table* d = (*t)[section].as_table()) CargoDeps(*d, file, out);
        }
      }
    }
  }
  if (const toml::table* ws = (*root)["workspace"].as_table()) {
    if (const toml::table* d = (*ws)["dependencies"].as_table()) CargoDeps(*d, file, out);
    if (const toml::array* members = (*ws)["members"].as_array()) {
      for (const auto& m : *members) {
        if (auto s = m.value<std::string>()) out.workspaces.push_back(*s);
      }
    }
  }
  if (auto name = (*root)["package"]["name"].value<std::string>()) out.package = *name;
  if (auto rv = (*root)["package"]["rust-version"].value<std::string>()) {
    out.deps.push_back({"runtime", "rust", *rv, file, TomlLine(*(*root)["package"]["rust-version"].node())});
  }
}

// Blanks XML comments, keeping newlines so offsets keep their lines.
std::string StripXmlComments(std::string_view text, const std::string& file, ParsedManifest& out) {
  std::string s(text);
  size_t at = 0;
  while ((at = s.find("<!--", at)) != std::string::npos) {
    size_t end = s.find("-->", at + 4);
    if (end == std::string::npos) {
      out.issues.push_back({file, LineAt(text, at), "comment <!-- not closed"});
      s.resize(at);
      break;
    }
    for (size_t i = at; i < end + 3; ++i) {
      if (s[i] != '\n') s[i] = ' ';
    }
    at = end + 3;
  }
  return s;
}

std::optional<std::string> XmlChild(std::string_view block, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
  size_t a = block.find(open);
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = block.find(close, a);
  if (b == std::string_view::npos) return std::nullopt;
  return std::string(Trim(block.substr(a + open.size(), b - a - open.size())));
}

void ParsePom(std::string_view text, const std::string& file, ParsedManifest& out) {
  std::string s = StripXmlComments(text, file, out);
  if (s.find("<project") == std::string::npos) {
    out.issues.push_back({file, 1, "expected a Maven <project> element"});
    return;
  }
  // <properties>: ${name} substitution.
  std::map<std::string, std::string> props;
  if (size_t p = s.find("<properties>"); p != std::string::npos) {
    size_t end = s.find("</properties>", p);
    if (end != std::string::npos) {
      static const std::regex kProp(R"(<([A-Za-z0-9_.\-]+)>\s*([^<]*?)\s*</\1>)");
      std::string block = s.substr(p + 12, end - p - 12);
      for (std::sregex_iterator it(block.begin(), block.end(), kProp), e; it != e; ++it) {
        props[(*it)[1].str()] = (*it)[2].str();
      }
    }
  }
  auto resolve = [&](std::string v) {
    static const std::regex kRef(R"(\$\{([^}]+)\})");
    std::smatch m;
    if (std::regex_search(v, m, kRef)) {
      auto it = props.find(m[1].str());
      if (it != props.end()) v = m.prefix().str() + it->second + m.suffix().str();
    }
    return v;
  };
  for (const char* key : {"java.version", "maven.compiler.release", "maven.compiler.source"}) {
    if (auto it = props.find(key); it != props.end()) {
      size_t at = s.find(fmt::format("<{}>", key));
      out.deps.push_back({"runtime", "java", it->second, file, LineAt(s, at)});
      break;
    }
  }
  auto blocks = [&](std::string_view tag, bool plugin) {
    std::string open = fmt::format("<{}>", tag), close = fmt::format("</{}>", tag);
    for (size_t at = s.find(open); at != std::string::npos; at = s.find(open, at + 1)) {
      size_t end = s.find(close, at);
      int line = LineAt(s, at);
      if (end == std::string::npos) {
        out.issues.push_back({file, line, fmt::format("<{}> not closed", tag)});
        return;
      }
      std::string_view block = std::string_view(s).substr(at, end - at);
      auto group = XmlChild(block, "groupId");
      auto artifact = XmlChild(block, "artifactId");
      if (!artifact) {
        out.issues.push_back({file, line, fmt::format("<{}> without <artifactId>", tag)});
        continue;
      }
      std::string name = plugin && !group ? "org.apache.maven.plugins:" + *artifact
                                          : resolve(group.value_or("")) + ":" + *artifact;
      out.deps.push_back({"maven", name, resolve(XmlChild(block, "version").value_or("")), file, line});
    }
  };
  blocks("dependency", false);
  blocks("parent", false);
}

// Blanks // and /* */ comments outside quotes, keeping newlines.
std::string StripCComments(std::string_view text) {
  std::string s(text);
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (quote) {
      if (s[i] == '\\') ++i;
      else if (s[i] == quote) quote = 0;
      continue;
    }
    if (s[i] == '"' || s[i] == '\'') {
      quote = s[i];
    } else if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '/') {
      while (i < s.size() && s[i] != '\n') s[i++] = ' ';
    } else if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      end = end == std::string::npos ? s.size() : end + 2;
      for (; i < end; ++i) {
        if (s[i] != '\n') s[i] = ' ';
      }
      --i;
    }
  }
  return s;
}

void ParseGradle(std::string_view text, const std::string& file, ParsedManifest& out) {
  std::string s = StripCComments(text);
  static const std::regex kDep(
      R"((implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|annotationProcessor|kapt|classpath|compile|testCompile)\s*\(?\s*(platform\s*\(\s*)?["']([^"':\s]+):([^"':\s]+)(:([^"'\s]+))?["'])");
  static const std::regex kPlugin(R"(id\s*\(?\s*["']([^"']+)["']\s*\)?\s*version\s*\(?\s*["']([^"']+)["'])");
  static const std::regex kMapDep(
      R"((implementation|api|compileOnly|runtimeOnly|testImplementation)\s*\(?\s*group\s*[:=]\s*["']([^"']+)["']\s*,\s*name\s*[:=]\s*["']([^"']+)["'](\s*,\s*version\s*[:=]\s*["']([^"']+)["'])?)");
  for (std::sregex_iterator it(s.begin(), s.end(), kDep), e; it != e; ++it) {
    const auto& m = *it;
    out.deps.push_back({"maven", m[3].str() + ":" + m[4].str(), m[6].str(), file,
                        LineAt(s, static_cast<size_t>(m.position(0)))});
  }
  for (std::sregex_iterator it(s.begin(), s.end(), kMapDep), e; it != e; ++it) {
    const auto& m = *it;
    out.deps.push_back({"maven", m[2].str() + ":" + m[3].str(), m[5].str(), file,
                        LineAt(s, static_cast<size_t>(m.position(0)))});
  }
  for (std::sregex_iterator it(s.begin(), s.end(), kPlugin), e; it != e; ++it) {
    const auto& m = *it;
    out.deps.push_back({"gradle-plugin", m[1].str(), m[2].str(), file, LineAt(s, static_cast<size_t>(m.position(0)))});
  }
  // Unbalanced braces are the usual sign of a broken build script.
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth < 0) {
      out.issues.push_back({file, LineAt(s, i), "unmatched '}'"});
      return;
    }
  }
  if (depth > 0) out.issues.push_back({file, LineAt(s, s.size()), fmt::format("{} unclosed '{{'", depth)});
}

void ParseGemfileLock(std::string_view text, const std::string& file, ParsedManifest& out) {
  static const std::regex kSpec(R"(^    ([A-Za-z0-9_.\-]+) \(([^)]+)\)$)");
  static const std::regex kDep(R"(^  ([A-Za-z0-9_.\-]+)(!)?( \(([^)]+)\))?$)");
  auto lines = Lines(text);
  std::string section, source;
  std::map<std::string, std::string> resolved_source;
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string line(lines[i]);
    if (line.empty()) continue;
    if (!std::isspace(static_cast<unsigned char>(line[0]))) {
      section = line;
      source = section == "GIT" ? "git" : section == "PATH" ? "path" : "";
      continue;
    }
    std::smatch m;
    if (section == "GEM" || section == "GIT" || section == "PATH") {
      if (std::regex_match(line, m, kSpec)) {
        std::string version = m[2].str();
        if (size_t dash = version.find('-'); dash != std::string::npos) version.resize(dash);  // platform
        out.deps.push_back({"gem", m[1].str(), version, file, number, false, source});
      } else if (line.size() > 4 && line.substr(0, 4) == "    " && line[4] != ' ') {
        out.issues.push_back({file, number, fmt::format("expected \"    name (version)\", got \"{}\"", Trim(line))});
      }
    } else if (section == "DEPENDENCIES") {
      if (std::regex_match(line, m, kDep)) {
        Dependency d{"gem", m[1].str(), m[4].str(), file, number};
        if (m[2].matched) d.source = "git";
        out.deps.push_back(std::move(d));
      } else {
        out.issues.push_back({file, number, fmt::format("expected \"  name (constraint)\", got \"{}\"", Trim(line))});
      }
    } else if (section == "RUBY VERSION") {
      std::string_view t = Trim(line);
      if (StartsWith(t, "ruby ")) out.deps.push_back({"runtime", "ruby", std::string(t.substr(5)), file, number});
    }
  }
}

void ParseComposer(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto j = ParseJson(text, file, out);
  if (!j) return;
  JsonLines lines(text);
  for (const char* section : {"require", "require-dev"}) {
    auto it = j->find(section);
    if (it == j->end()) continue;
    if (!it->is_object()) {
      out.issues.push_back({file, lines.Of("", section), fmt::format("\"{}\": expected an object", section)});
      continue;
    }
    for (const auto& [name, value] : it->items()) {
      std::string spec = value.is_string() ? value.get<std::string>() : "";
      int line = lines.Of(section, name);
      if (name == "php") {
        out.deps.push_back({"runtime", "php", spec, file, line});
      } else if (StartsWith(name, "ext-") || StartsWith(name, "lib-")) {
        continue;
      } else {
        Dependency d{"composer", name, spec, file, line};
        if (StartsWith(spec, "dev-")) d.source = "git";
        out.deps.push_back(std::move(d));
      }
    }
  }
}

void ParseVcpkg(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto j = ParseJson(text, file, out);
  if (!j) return;
  JsonLines lines(text);
  std::map<std::string, std::string> overrides;
  if (auto o = j->find("overrides"); o != j->end() && o->is_array()) {
    for (const auto& e : *o) {
      if (e.is_object() && e.contains("name")) overrides[e.value("name", "")] = e.value("version", "");
    }
  }
  auto d = j->find("dependencies");
  if (d == j->end()) return;
  if (!d->is_array()) {
    out.issues.push_back({file, lines.Of("", "dependencies"), "\"dependencies\": expected an array"});
    return;
  }
  for (const auto& e : *d) {
    std::string name, version;
    if (e.is_string()) {
      name = e.get<std::string>();
    } else if (e.is_object() && e.contains("name") && e["name"].is_string()) {
      name = e["name"].get<std::string>();
      version = e.value("version>=", "");
    } else {
      out.issues.push_back({file, lines.Of("", "dependencies"), "\"dependencies\": expected names or {\"name\": ...}"});
      continue;
    }
    if (auto it = overrides.find(name); it != overrides.end()) version = it->second;
    out.deps.push_back({"vcpkg", name, version, file, lines.OfValue("dependencies", name)});
  }
}

void ParseConan(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  std::string section;
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string_view t = Trim(lines[i]);
    if (size_t hash = t.find('#'); hash != std::string_view::npos) t = Trim(t.substr(0, hash));
    if (t.empty()) continue;
    if (t.front() == '[') {
      if (t.back() != ']') out.issues.push_back({file, number, fmt::format("section \"{}\" not closed with ']'", t)});
      section = std::string(t);
      continue;
    }
    if (section != "[requires]" && section != "[tool_requires]" && section != "[build_requires]" &&
        section != "[test_requires]") {
      continue;
    }
    size_t slash = t.find('/');
    if (slash == std::string_view::npos || slash == 0) {
      out.issues.push_back({file, number, fmt::format("expected \"name/version\", got \"{}\"", t)});
      continue;
    }
    std::string_view version = t.substr(slash + 1);
    if (size_t at = version.find('@'); at != std::string_view::npos) version = version.substr(0, at);
    if (size_t hash = version.find('#'); hash != std::string_view::npos) version = version.substr(0, hash);
    out.deps.push_back({"conan", std::string(t.substr(0, slash)), std::string(version), file, number});
  }
}

void ParseCMake(std::string_view text, const std::string& file, ParsedManifest& out) {
  // Drop line comments (# to end of line; CMake's bracket comments are rare).
  std::string s(text);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string::npos) break;
      i = end;
    } else if (s[i] == '#') {
      while (i < s.size() && s[i] != '\n') s[i++] = ' ';
    }
  }
  // find_package(Name [version] ...), any case; scanned by hand (no regex
  // backtracking over a long unclosed call).
  const std::string lower = Lower(s);
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = lower.find("find_package"); at != std::string::npos; at = lower.find("find_package", at + 1)) {
    if (at > 0 && word_char(lower[at - 1])) continue;
    size_t i = at + 12;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size() || s[i] != '(') continue;
    size_t close = s.find(')', i);
    if (close == std::string::npos) break;  // reported below as an unclosed '('
    std::istringstream args(s.substr(i + 1, close - i - 1));
    std::string name, version;
    args >> name >> version;
    if (name.empty()) continue;
    if (version.empty() || !std::isdigit(static_cast<unsigned char>(version[0]))) version.clear();
    out.deps.push_back({"cmake", name, version, file, LineAt(s, at)});
  }
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') {
      size_t end = s.find('"', i + 1);
      if (end == std::string::npos) break;
      i = end;
      continue;
    }
    if (s[i] == '(') ++depth;
    if (s[i] == ')' && --depth < 0) {
      out.issues.push_back({file, LineAt(s, i), "unmatched ')'"});
      return;
    }
  }
  if (depth > 0) out.issues.push_back({file, LineAt(s, s.size()), "unclosed '(' at the end of the file"});
}

// "docker.io/library/postgres:13-alpine@sha256:..." -> name "postgres", version "13-alpine".
Dependency ImageDependency(std::string_view image, const std::string& file, int line) {
  std::string_view ref = image;
  if (size_t at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  std::string version;
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    version = std::string(ref.substr(colon + 1));
    ref = ref.substr(0, colon);
  }
  std::string name(ref);
  size_t first = name.find('/');
  if (first != std::string::npos) {
    std::string_view host = std::string_view(name).substr(0, first);
    if (host.find('.') != std::string_view::npos || host.find(':') != std::string_view::npos || host == "localhost") {
      name = name.substr(first + 1);
    }
  }
  if (StartsWith(name, "library/")) name = name.substr(8);
  return {"docker", Lower(name), version, file, line};
}

void ParseDockerfile(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  std::map<std::string, std::string> args;
  std::vector<std::string> stages;
  static const std::regex kVar(R"(\$\{?([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}?)");
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string_view t = Trim(lines[i]);
    if (t.empty() || t.front() == '#') continue;
    std::string upper;
    for (char c : t.substr(0, t.find_first_of(" \t"))) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string rest(Trim(t.substr(std::min(t.size(), upper.size()))));
    if (upper == "ARG") {
      size_t eq = rest.find('=');
      if (eq != std::string::npos) args[rest.substr(0, eq)] = std::string(Trim(std::string_view(rest).substr(eq + 1)));
      continue;
    }
    if (upper != "FROM") continue;
    std::istringstream words(rest);
    std::string word, image, as, stage;
    while (words >> word) {
      if (StartsWith(word, "--")) continue;
      if (image.empty()) image = word;
      else if (as.empty()) as = word;
      else stage = word;
    }
    if (image.empty()) {
      out.issues.push_back({file, number, "FROM without an image"});
      continue;
    }
    std::string expanded;
    std::smatch m;
    std::string todo = image;
    while (std::regex_search(todo, m, kVar)) {
      expanded += m.prefix().str();
      auto it = args.find(m[1].str());
      expanded += it != args.end() ? it->second : m[3].str();
      todo = m.suffix().str();
    }
    expanded += todo;
    const bool earlier_stage = std::find(stages.begin(), stages.end(), Lower(expanded)) != stages.end();
    if (!stage.empty()) stages.push_back(Lower(stage));
    if (Lower(expanded) == "scratch" || earlier_stage) continue;
    out.deps.push_back(ImageDependency(expanded, file, number));
  }
}

std::string Unquote(std::string_view v) {
  v = Trim(v);
  if (size_t hash = v.find(" #"); hash != std::string_view::npos) v = Trim(v.substr(0, hash));
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return std::string(v);
}

void ParseCompose(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string_view t = Trim(lines[i]);
    if (t.empty() || t.front() == '#') continue;
    if (lines[i].find('\t') != std::string_view::npos &&
        lines[i].find_first_not_of(" \t") > lines[i].find('\t')) {
      out.issues.push_back({file, number, "tab in indentation (YAML allows only spaces)"});
      continue;
    }
    if (!StartsWith(t, "image:")) continue;
    std::string image = Unquote(t.substr(6));
    if (image.empty()) {
      out.issues.push_back({file, number, "image: without a value"});
      continue;
    }
    if (image.find("${") != std::string::npos) {
      // "${REGISTRY:-docker.io}/postgres:${PG:-13}": take the defaults.
      static const std::regex kVar(R"(\$\{[A-Za-z_][A-Za-z0-9_]*(:?-([^}]*))?\})");
      image = std::regex_replace(image, kVar, "$2");
    }
    out.deps.push_back(ImageDependency(image, file, number));
  }
}

std::string ToolName(std::string_view tool) {
  std::string t = Lower(tool);
  if (t == "nodejs") return "node";
  if (t == "golang") return "go";
  return t;
}

void ParseToolVersions(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string_view t = lines[i];
    if (size_t hash = t.find('#'); hash != std::string_view::npos) t = t.substr(0, hash);
    t = Trim(t);
    if (t.empty()) continue;
    std::istringstream words{std::string(t)};
    std::string tool, version;
    words >> tool >> version;  // further versions are fallbacks
    if (version.empty()) {
      out.issues.push_back({file, number, fmt::format("expected \"tool version\", got \"{}\"", t)});
      continue;
    }
    out.deps.push_back({"runtime", ToolName(tool), version, file, number});
  }
}

void ParseVersionFile(std::string_view text, const std::string& file, const char* runtime, ParsedManifest& out) {
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view t = lines[i];
    if (size_t hash = t.find('#'); hash != std::string_view::npos) t = t.substr(0, hash);
    t = Trim(t);
    if (t.empty()) continue;
    if (StartsWith(t, "ruby-")) t = t.substr(5);
    if (VersionNumber(t).empty() && t != "node" && t != "lts/*" && t != "stable") {
      out.issues.push_back({file, static_cast<int>(i) + 1, fmt::format("expected a version such as \"18.17.0\", got \"{}\"", t)});
      return;
    }
    out.deps.push_back({"runtime", runtime, std::string(t), file, static_cast<int>(i) + 1});
    return;
  }
  out.issues.push_back({file, 0, "empty version file"});
}

void ParseWorkflow(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    int number = static_cast<int>(i) + 1;
    std::string_view t = Trim(lines[i]);
    if (StartsWith(t, "- ")) t = Trim(t.substr(2));
    if (t.empty() || t.front() == '#') continue;
    if (lines[i].find('\t') != std::string_view::npos &&
        lines[i].find_first_not_of(" \t") > lines[i].find('\t')) {
      out.issues.push_back({file, number, "tab in indentation (YAML allows only spaces)"});
      continue;
    }
    if (StartsWith(t, "image:") || StartsWith(t, "container:")) {
      std::string image = Unquote(t.substr(t.find(':') + 1));
      if (!image.empty() && image.find("${{") == std::string::npos) out.deps.push_back(ImageDependency(image, file, number));
      continue;
    }
    if (!StartsWith(t, "uses:")) continue;
    std::string uses = Unquote(t.substr(5));
    if (StartsWith(uses, "./")) continue;  // an action of this repository
    if (StartsWith(uses, "docker://")) {
      out.deps.push_back(ImageDependency(uses.substr(9), file, number));
      continue;
    }
    size_t at = uses.find('@');
    if (at == std::string::npos || at == 0) {
      out.issues.push_back({file, number, fmt::format("uses: expected \"owner/action@ref\", got \"{}\"", uses)});
      continue;
    }
    out.deps.push_back({"github-action", uses.substr(0, at), uses.substr(at + 1), file, number});
  }
}

// "@scope/name@npm:^1.0.0" -> "@scope/name".
std::string NpmNameOfSpec(std::string_view spec) {
  size_t at = spec.find('@', 1);
  return std::string(spec.substr(0, at));
}

// yarn.lock: `"a@^1.0.0", a@^1.1.0:` headers, then an indented `version "1.2.3"`
// (v1) or `version: 1.2.3` (Berry).
void ParseYarnLock(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  std::string name;
  int header_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty() || line.front() == '#') continue;
    if (line.front() != ' ') {
      if (line.back() != ':') {
        out.issues.push_back({file, static_cast<int>(i) + 1, fmt::format("expected \"name@range:\", got \"{}\"", line)});
        name.clear();
        continue;
      }
      std::string_view first = line.substr(0, line.find(','));
      first = Trim(first);
      if (!first.empty() && first.back() == ':') first.remove_suffix(1);
      if (!first.empty() && first.front() == '"') first.remove_prefix(1);
      if (!first.empty() && first.back() == '"') first.remove_suffix(1);
      name = first == "__metadata" ? "" : NpmNameOfSpec(first);
      header_line = static_cast<int>(i) + 1;
      continue;
    }
    std::string_view t = Trim(line);
    if (name.empty() || !StartsWith(t, "version")) continue;
    std::string_view rest = Trim(t.substr(7));
    if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
    std::string version = Unquote(rest);
    out.deps.push_back({"npm", name, version, file, header_line, false});
    name.clear();
  }
}

// pnpm-lock.yaml: the keys under `packages:` ("/a@1.2.3:", "a@1.2.3:",
// "'@s/b@2.0.0(react@18.2.0)':").
void ParsePnpmLock(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto lines = Lines(text);
  bool in_packages = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty() || Trim(line).empty() || Trim(line).front() == '#') continue;
    if (line.front() != ' ') {
      in_packages = line == "packages:";
      continue;
    }
    if (!in_packages || line.size() < 3 || line.substr(0, 2) != "  " || line[2] == ' ') continue;
    std::string key = Unquote(Trim(line));
    if (!key.empty() && key.back() == ':') key.pop_back();
    key = Unquote(key);
    if (!key.empty() && key.front() == '/') key.erase(0, 1);
    if (size_t paren = key.find('('); paren != std::string::npos) key.resize(paren);  // peer suffix
    size_t at = key.find('@', 1);
    if (at == std::string::npos) {
      // pnpm 5: "/name/1.2.3"
      size_t slash = key.rfind('/');
      if (slash == std::string::npos || slash == 0) {
        out.issues.push_back({file, static_cast<int>(i) + 1, fmt::format("expected \"name@version:\", got \"{}\"", Trim(line))});
        continue;
      }
      out.deps.push_back({"npm", key.substr(0, slash), key.substr(slash + 1), file, static_cast<int>(i) + 1, false});
      continue;
    }
    out.deps.push_back({"npm", key.substr(0, at), key.substr(at + 1), file, static_cast<int>(i) + 1, false});
  }
}

// gradle/libs.versions.toml: [libraries] as "g:a:v", { module = "g:a",
// version.ref = "x" } or { group, name, version }; [plugins] with id.
void ParseGradleCatalog(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto root = ParseToml(text, file, out);
  if (!root) return;
  std::map<std::string, std::string> versions;
  if (const toml::table* v = (*root)["versions"].as_table()) {
    for (const auto& [key, node] : *v) {
      if (auto s = node.value<std::string>()) versions[std::string(key.str())] = *s;
      else if (const toml::table* t = node.as_table()) versions[std::string(key.str())] = (*t)["strictly"].value_or((*t)["require"].value_or(std::string()));
    }
  }
  auto version_of = [&](const toml::table& t) -> std::string {
    if (const toml::node* v = t.get("version")) {
      if (auto s = v->value<std::string>()) return *s;
      if (const toml::table* vt = v->as_table()) {
        if (auto ref = (*vt)["ref"].value<std::string>()) return versions.count(*ref) ? versions[*ref] : "";
        return (*vt)["strictly"].value_or((*vt)["require"].value_or(std::string()));
      }
    }
    if (auto ref = t["version.ref"].value<std::string>()) return versions.count(*ref) ? versions[*ref] : "";
    return "";
  };
  if (const toml::table* libs = (*root)["libraries"].as_table()) {
    for (const auto& [key, node] : *libs) {
      Dependency d{"maven", "", "", file, TomlLine(node)};
      if (auto s = node.value<std::string>()) {  // "group:artifact:version"
        size_t first = s->find(':'), second = first == std::string::npos ? first : s->find(':', first + 1);
        d.name = s->substr(0, second);
        d.version = second == std::string::npos ? "" : s->substr(second + 1);
      } else if (const toml::table* t = node.as_table()) {
        if (auto module = (*t)["module"].value<std::string>()) d.name = *module;
        else if (auto g = (*t)["group"].value<std::string>()) d.name = *g + ":" + (*t)["name"].value_or(std::string());
        d.version = version_of(*t);
      }
      if (d.name.find(':') == std::string::npos) {
        out.issues.push_back({file, TomlLine(node), fmt::format("libraries.{}: expected \"group:artifact:version\" or "
                                                                "{{ module = \"group:artifact\", ... }}", key.str())});
        continue;
      }
      out.deps.push_back(std::move(d));
    }
  }
  if (const toml::table* plugins = (*root)["plugins"].as_table()) {
    for (const auto& [key, node] : *plugins) {
      if (const toml::table* t = node.as_table(); t && (*t)["id"].value<std::string>()) {
        out.deps.push_back({"gradle-plugin", *(*t)["id"].value<std::string>(), version_of(*t), file, TomlLine(node)});
      }
    }
  }
}

// Pipfile: [packages] and [dev-packages] as name = "*" / "==1.0" / { version,
// git, path }; [requires] python_version.
void ParsePipfile(std::string_view text, const std::string& file, ParsedManifest& out) {
  auto root = ParseToml(text, file, out);
  if (!root) return;
  for (const char* section : {"packages", "dev-packages"}) {
    const toml::table* t = (*root)[section].as_table();
    if (!t) continue;
    for (const auto& [key, node] : *t) {
      Dependency d{"pypi", Lower(key.str()), "", file, TomlLine(node)};
      if (auto s = node.value<std::string>()) {
        d.version = *s == "*" ? "" : *s;
      } else if (const toml::table* spec = node.as_table()) {
        d.version = (*spec)["version"].value_or(std::string());
        if (d.version == "*") d.version.clear();
        if (spec->contains("git")) d.source = "git";
        else if (spec->contains("path")) d.source = "path";
        else if (spec->contains("file")) d.source = "url";
      } else {
        out.issues.push_back({file, TomlLine(node), fmt::format("{}.{}: expected a version string or table", section, key.str())});
        continue;
      }
      out.deps.push_back(std::move(d));
    }
  }
  if (const toml::node* py = (*root)["requires"]["python_version"].node()) {
    if (auto s = py->value<std::string>()) out.deps.push_back({"runtime", "python", *s, file, TomlLine(*py)});
  }
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

void ParseInto(ManifestKind kind, std::string_view text, const std::string& file, ParsedManifest& out);

}  // namespace

std::string ManifestIssue::ToString() const {
  return line > 0 ? fmt::format("{}:{}: {}", file, line, message) : fmt::format("{}: {}", file, message);
}

std::optional<ManifestKind> ManifestKindOf(std::string_view path) {
  std::string base = BaseName(path);
  std::string lower = Lower(base);
  if (base == "package.json") return ManifestKind::kPackageJson;
  if (base == "package-lock.json" || base == "npm-shrinkwrap.json") return ManifestKind::kPackageLock;
  if (base == "yarn.lock") return ManifestKind::kYarnLock;
  if (base == "Pipfile") return ManifestKind::kPipfile;
  if (EndsWith(lower, ".versions.toml")) return ManifestKind::kGradleCatalog;
  if (base == "pnpm-lock.yaml") return ManifestKind::kPnpmLock;
  if (StartsWith(lower, "requirements") && EndsWith(lower, ".txt")) return ManifestKind::kRequirements;
  if (EndsWith(lower, ".txt") && (StartsWith(path, "requirements/") || path.find("/requirements/") != std::string_view::npos)) {
    return ManifestKind::kRequirements;  // requirements/base.txt, requirements/prod.txt
  }
  if (base == "pyproject.toml") return ManifestKind::kPyproject;
  if (base == "poetry.lock") return ManifestKind::kPoetryLock;
  if (base == "go.mod") return ManifestKind::kGoMod;
  if (base == "Cargo.toml") return ManifestKind::kCargoToml;
  if (base == "Cargo.lock") return ManifestKind::kCargoLock;
  if (base == "pom.xml") return ManifestKind::kPom;
  if (base == "build.gradle" || base == "build.gradle.kts") return ManifestKind::kGradle;
  if (base == "Gemfile.lock") return ManifestKind::kGemfileLock;
  if (base == "composer.json") return ManifestKind::kComposer;
  if (base == "vcpkg.json") return ManifestKind::kVcpkg;
  if (base == "conanfile.txt") return ManifestKind::kConan;
  if (base == "CMakeLists.txt" || EndsWith(lower, ".cmake")) return ManifestKind::kCMake;
  if (base == "Dockerfile" || StartsWith(base, "Dockerfile.") || EndsWith(lower, ".dockerfile") ||
      lower == "containerfile") {
    return ManifestKind::kDockerfile;
  }
  if ((StartsWith(lower, "docker-compose") || StartsWith(lower, "compose")) &&
      (EndsWith(lower, ".yml") || EndsWith(lower, ".yaml"))) {
    return ManifestKind::kCompose;
  }
  if (base == ".tool-versions") return ManifestKind::kToolVersions;
  if (base == ".nvmrc" || base == ".node-version") return ManifestKind::kNvmrc;
  if (base == ".python-version") return ManifestKind::kPythonVersion;
  if (base == ".ruby-version") return ManifestKind::kRubyVersion;
  std::string_view p = path;
  size_t wf = p.find(".github/workflows/");
  if ((wf == 0 || (wf != std::string_view::npos && p[wf - 1] == '/')) &&
      (EndsWith(lower, ".yml") || EndsWith(lower, ".yaml"))) {
    return ManifestKind::kWorkflow;
  }
  return std::nullopt;
}

ParsedManifest ParseManifest(ManifestKind kind, std::string_view text, const std::string& file) {
  ParsedManifest out;
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark
  try {
    ParseInto(kind, text, file, out);
  } catch (const std::exception& e) {  // a value of an unexpected type deep inside
    out.issues.push_back({file, 0, fmt::format("unexpected structure: {}", e.what())});
  }
  return out;
}

namespace {

void ParseInto(ManifestKind kind, std::string_view text, const std::string& file, ParsedManifest& out) {
  switch (kind) {
    case ManifestKind::kPackageJson: ParsePackageJson(text, file, out); break;
    case ManifestKind::kPackageLock: ParsePackageLock(text, file, out); break;
    case ManifestKind::kRequirements: ParseRequirements(text, file, out); break;
    case ManifestKind::kPyproject: ParsePyproject(text, file, out); break;
    case ManifestKind::kPoetryLock: ParseTomlLock(text, file, "pypi", out); break;
    case ManifestKind::kGoMod: ParseGoMod(text, file, out); break;
    case ManifestKind::kCargoToml: ParseCargoToml(text, file, out); break;
    case ManifestKind::kCargoLock: ParseTomlLock(text, file, "cargo", out); break;
    case ManifestKind::kPom: ParsePom(text, file, out); break;
    case ManifestKind::kGradle: ParseGradle(text, file, out); break;
    case ManifestKind::kGemfileLock: ParseGemfileLock(text, file, out); break;
    case ManifestKind::kComposer: ParseComposer(text, file, out); break;
    case ManifestKind::kVcpkg: ParseVcpkg(text, file, out); break;
    case ManifestKind::kConan: ParseConan(text, file, out); break;
    case ManifestKind::kCMake: ParseCMake(text, file, out); break;
    case ManifestKind::kDockerfile: ParseDockerfile(text, file, out); break;
    case ManifestKind::kCompose: ParseCompose(text, file, out); break;
    case ManifestKind::kToolVersions: ParseToolVersions(text, file, out); break;
    case ManifestKind::kNvmrc: ParseVersionFile(text, file, "node", out); break;
    case ManifestKind::kPythonVersion: ParseVersionFile(text, file, "python", out); break;
    case ManifestKind::kRubyVersion: ParseVersionFile(text, file, "ruby", out); break;
    case ManifestKind::kWorkflow: ParseWorkflow(text, file, out); break;
    case ManifestKind::kYarnLock: ParseYarnLock(text, file, out); break;
    case ManifestKind::kPnpmLock: ParsePnpmLock(text, file, out); break;
    case ManifestKind::kGradleCatalog: ParseGradleCatalog(text, file, out); break;
    case ManifestKind::kPipfile: ParsePipfile(text, file, out); break;
  }
}

}  // namespace

std::string VersionNumber(std::string_view spec) {
  static const std::map<std::string, std::string, std::less<>> kCodenames = {
      // Debian and Ubuntu image tags.
      {"stretch", "9"}, {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"},
      {"xenial", "16.04"}, {"bionic", "18.04"}, {"focal", "20.04"}, {"jammy", "22.04"}, {"noble", "24.04"},
      // nvm's LTS aliases.
      {"lts/argon", "4"}, {"lts/boron", "6"}, {"lts/carbon", "8"}, {"lts/dubnium", "10"},
      {"lts/erbium", "12"}, {"lts/fermium", "14"}, {"lts/gallium", "16"}, {"lts/hydrogen", "18"},
      {"lts/iron", "20"}, {"lts/jod", "22"},
  };
  std::string lower = Lower(Trim(spec));
  if (auto it = kCodenames.find(lower); it != kCodenames.end()) return it->second;
  for (const auto& [name, version] : kCodenames) {
    if (StartsWith(lower, name + "-") || StartsWith(lower, name + "_")) return version;  // "bullseye-slim"
  }
  size_t i = 0;
  while (i < lower.size() && !std::isdigit(static_cast<unsigned char>(lower[i]))) ++i;  // "^", "v", "go", ">="
  if (i == lower.size()) return "";
  size_t j = i;
  while (j < lower.size() && (std::isdigit(static_cast<unsigned char>(lower[j])) ||
                              (lower[j] == '.' && j + 1 < lower.size() &&
                               std::isdigit(static_cast<unsigned char>(lower[j + 1]))))) {
    ++j;
  }
  return lower.substr(i, j - i);
}

std::string MajorVersion(std::string_view spec) {
  std::string v = VersionNumber(spec);
  if (v.empty()) return "";
  size_t dot = v.find('.');
  std::string major = v.substr(0, dot);
  if (major == "0" && dot != std::string::npos) {
    size_t next = v.find('.', dot + 1);
    return v.substr(0, next);
  }
  return major;
}

}  // namespace ctodesk::radar
