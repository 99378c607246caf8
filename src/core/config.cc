#include "core/config.h"
#include "core/size.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace ctodesk {

namespace {

std::string_view TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "nothing";
  }
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::optional<std::string> DidYouMean(std::string_view word,
                                      const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (!best || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  // A typo changes a few characters; anything further is a different word.
  size_t limit = std::max<size_t>(2, word.size() / 3);
  if (best && best_distance <= limit && best_distance < word.size()) return best;
  return std::nullopt;
}

std::string ConfigIssue::ToString() const {
  std::string where = line > 0 ? fmt::format("{}:{}:{}", file, line, column) : file;
  if (field.empty()) return fmt::format("{}: {}", where, message);
  return fmt::format("{}: {}: {}", where, field, message);
}

struct ConfigReader::State {
  toml::table root;
  struct Seen {
    const toml::table* table;
    std::string path;
    std::set<std::string, std::less<>> read;
  };
  std::vector<Seen> tables;
};

ConfigReader::~ConfigReader() = default;

Result<std::unique_ptr<ConfigReader>> ConfigReader::Open(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Fail(Error::Io(fmt::format("{}: cannot read config file (does it exist? try `ctodesk init`)",
                                      path.string())));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto base = path.parent_path();
  return FromString(buf.str(), path.string(), base.empty() ? "." : base);
}

Result<std::unique_ptr<ConfigReader>> ConfigReader::FromString(std::string_view text,
                                                               std::string display_name,
                                                               std::filesystem::path base_dir) {
  std::unique_ptr<ConfigReader> reader(new ConfigReader());
  reader->state_ = std::make_unique<State>();
  reader->file_ = std::move(display_name);
  reader->base_dir_ = std::move(base_dir);
  try {
    reader->state_->root = toml::parse(text, reader->file_);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Fail(Error::Invalid(fmt::format("{}:{}:{}: not valid TOML: {}", reader->file_, b.line,
                                           b.column, e.description())));
  }
  return reader;
}

ConfigTable ConfigReader::Root() { return MakeTable(&state_->root, ""); }

ConfigTable ConfigReader::MakeTable(const toml::table* t, std::string path) {
  for (size_t i = 0; i < state_->tables.size(); ++i) {
    if (state_->tables[i].table == t) return ConfigTable(this, t, std::move(path), i);
  }
  state_->tables.push_back({t, path, {}});
  return ConfigTable(this, t, std::move(path), state_->tables.size() - 1);
}

void ConfigReader::AddIssue(const toml::node* where, const toml::table* fallback, std::string field,
                            std::string message) {
  ConfigIssue issue{file_, 0, 0, std::move(field), std::move(message)};
  const toml::source_region* src = nullptr;
  if (where) src = &where->source();
  else if (fallback) src = &fallback->source();
  if (src && src->begin.line > 0) {
    issue.line = static_cast<int>(src->begin.line);
    issue.column = static_cast<int>(src->begin.column);
  } else if (!where) {
    issue.line = 1;  // the root table has no region of its own
    issue.column = 1;
  }
  issues_.push_back(std::move(issue));
}

void ConfigReader::Finish() {
  for (const State::Seen& seen : state_->tables) {
    std::vector<std::string> known(seen.read.begin(), seen.read.end());
    for (auto&& [key, node] : *seen.table) {
      if (seen.read.count(key.str())) continue;
      std::string field = seen.path.empty() ? std::string(key.str())
                                            : fmt::format("{}.{}", seen.path, key.str());
      std::string message = "unknown key";
      if (auto guess = DidYouMean(key.str(), known)) {
        message += fmt::format("; did you mean \"{}\"?", *guess);
      } else if (!known.empty()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        message += fmt::format(" (known here: {})", list);
      }
      ConfigIssue issue{file_, static_cast<int>(key.source().begin.line),
                        static_cast<int>(key.source().begin.column), field, message};
      if (issue.line == 0) {
        issue.line = static_cast<int>(node.source().begin.line);
        issue.column = static_cast<int>(node.source().begin.column);
      }
      issues_.push_back(std::move(issue));
    }
  }
  std::stable_sort(issues_.begin(), issues_.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
}

std::string ConfigReader::IssuesText() const {
  std::string out;
  for (const auto& i : issues_) out += i.ToString() + "\n";
  if (!out.empty()) out.pop_back();
  return out;
}

// ---- ConfigTable ----

const toml::node* ConfigTable::Get(std::string_view key) const { return table_->get(key); }

bool ConfigTable::Has(std::string_view key) const { return Get(key) != nullptr; }

std::string ConfigTable::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

void ConfigTable::Accept(std::string_view key) {
  reader_->state_->tables[state_].read.emplace(key);
}

void ConfigTable::Error(std::string_view key, std::string message) {
  reader_->AddIssue(Get(key), table_, PathOf(key), std::move(message));
}

void ConfigTable::TypeError(std::string_view key, const toml::node& node,
                            std::string_view expected) {
  std::string got(TypeName(node));
  if (auto s = node.as_string()) got += fmt::format(" \"{}\"", s->get());
  reader_->AddIssue(&node, table_, PathOf(key), fmt::format("expected {}, got {}", expected, got));
}

void ConfigTable::Missing(std::string_view key) {
  reader_->AddIssue(nullptr, table_, path_.empty() ? std::string(key) : path_,
                    fmt::format("missing required key \"{}\"", key));
}

std::optional<std::string> ConfigTable::String(std::string_view key, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  if (auto s = n->as_string()) return s->get();
  TypeError(key, *n, "a string");
  return std::nullopt;
}

std::optional<std::int64_t> ConfigTable::Int(std::string_view key, std::int64_t min,
                                             std::int64_t max, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  auto i = n->as_integer();
  if (!i) {
    TypeError(key, *n, "an integer");
    return std::nullopt;
  }
  if (i->get() < min || i->get() > max) {
    Error(key, fmt::format("expected an integer from {} to {}, got {}", min, max, i->get()));
    return std::nullopt;
  }
  return i->get();
}

std::optional<double> ConfigTable::Number(std::string_view key, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  if (auto f = n->as_floating_point()) return f->get();
  if (auto i = n->as_integer()) return static_cast<double>(i->get());
  TypeError(key, *n, "a number");
  return std::nullopt;
}

std::optional<bool> ConfigTable::Bool(std::string_view key) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) return std::nullopt;
  if (auto b = n->as_boolean()) return b->get();
  TypeError(key, *n, "true or false");
  return std::nullopt;
}

std::optional<Duration> ConfigTable::DurationValue(std::string_view key, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  static constexpr std::string_view kExpected = "a duration such as \"250ms\", \"5s\", \"15m\" or \"24h\"";
  auto s = n->as_string();
  if (!s) {
    TypeError(key, *n, kExpected);
    return std::nullopt;
  }
  auto d = ParseDuration(s->get());
  if (!d) {
    TypeError(key, *n, kExpected);
    return std::nullopt;
  }
  return d;
}

std::optional<std::int64_t> ConfigTable::Size(std::string_view key, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  static constexpr std::string_view kExpected = "a size such as \"10MB\", \"1.5GiB\" or a number of bytes";
  if (auto i = n->as_integer(); i && i->get() >= 0) return i->get();
  if (auto s = n->as_string()) {
    if (auto bytes = ParseSize(s->get())) return bytes;
  }
  TypeError(key, *n, kExpected);
  return std::nullopt;
}

std::optional<TimePoint> ConfigTable::Time(std::string_view key, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  static constexpr std::string_view kExpected = "a date or time such as 2026-11-27 or 2026-11-27T08:00:00Z";
  if (auto s = n->as_string()) {
    if (auto t = ParseTime(s->get())) return t;
  } else if (auto d = n->as_date()) {
    auto ymd = std::chrono::year{d->get().year} / std::chrono::month{d->get().month} /
               std::chrono::day{d->get().day};
    if (ymd.ok()) return TimePoint(std::chrono::sys_days(ymd));
  } else if (auto dt = n->as_date_time()) {
    std::ostringstream text;
    text << dt->get();
    if (auto t = ParseTime(text.str())) return t;
  }
  TypeError(key, *n, kExpected);
  return std::nullopt;
}

std::optional<std::filesystem::path> ConfigTable::Path(std::string_view key, bool required) {
  auto s = String(key, required);
  if (!s) return std::nullopt;
  if (s->empty()) {
    Error(key, "expected a path, got an empty string");
    return std::nullopt;
  }
  std::filesystem::path p(*s);
  if (p.is_relative()) p = reader_->base_dir() / p;
  return p.lexically_normal();
}

std::vector<std::string> ConfigTable::StringList(std::string_view key) {
  Accept(key);
  std::vector<std::string> out;
  const toml::node* n = Get(key);
  if (!n) return out;
  if (auto s = n->as_string()) return {s->get()};
  auto arr = n->as_array();
  if (!arr) {
    TypeError(key, *n, "a string or an array of strings");
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    if (auto s = item.as_string()) {
      out.push_back(s->get());
    } else {
      reader_->AddIssue(&item, table_, fmt::format("{}[{}]", PathOf(key), i),
                        fmt::format("expected a string, got {}", TypeName(item)));
    }
  }
  return out;
}

std::vector<std::int64_t> ConfigTable::IntList(std::string_view key, std::int64_t min,
                                               std::int64_t max) {
  Accept(key);
  std::vector<std::int64_t> out;
  const toml::node* n = Get(key);
  if (!n) return out;
  auto check = [&](const toml::node& item, std::string field) {
    auto i = item.as_integer();
    if (!i) {
      reader_->AddIssue(&item, table_, field,
                        fmt::format("expected an integer, got {}", TypeName(item)));
    } else if (i->get() < min || i->get() > max) {
      reader_->AddIssue(&item, table_, field,
                        fmt::format("expected an integer from {} to {}, got {}", min, max, i->get()));
    } else {
      out.push_back(i->get());
    }
  };
  if (auto arr = n->as_array()) {
    for (size_t i = 0; i < arr->size(); ++i) check(*arr->get(i), fmt::format("{}[{}]", PathOf(key), i));
  } else {
    check(*n, PathOf(key));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ConfigTable::StringMap(std::string_view key) {
  Accept(key);
  std::vector<std::pair<std::string, std::string>> out;
  const toml::node* n = Get(key);
  if (!n) return out;
  auto t = n->as_table();
  if (!t) {
    TypeError(key, *n, "a table of strings such as { Accept = \"application/json\" }");
    return out;
  }
  for (auto&& [k, v] : *t) {
    if (auto s = v.as_string()) {
      out.emplace_back(std::string(k.str()), s->get());
    } else {
      reader_->AddIssue(&v, table_, fmt::format("{}.{}", PathOf(key), k.str()),
                        fmt::format("expected a string, got {}", TypeName(v)));
    }
  }
  return out;
}

std::optional<std::string> ConfigTable::Choice(std::string_view key,
                                               const std::vector<std::string>& allowed,
                                               bool required) {
  auto s = String(key, required);
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return s;
  std::string list;
  for (const auto& a : allowed) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", a);
  std::string message = fmt::format("expected one of {}, got \"{}\"", list, *s);
  if (auto guess = DidYouMean(*s, allowed)) message += fmt::format("; did you mean \"{}\"?", *guess);
  Error(key, message);
  return std::nullopt;
}

std::optional<ConfigTable> ConfigTable::Table(std::string_view key, bool required) {
  Accept(key);
  const toml::node* n = Get(key);
  if (!n) {
    if (required) Missing(key);
    return std::nullopt;
  }
  auto t = n->as_table();
  if (!t) {
    TypeError(key, *n, fmt::format("a table ([{}])", PathOf(key)));
    return std::nullopt;
  }
  return reader_->MakeTable(t, PathOf(key));
}

std::vector<ConfigTable> ConfigTable::TableArray(std::string_view key) {
  Accept(key);
  std::vector<ConfigTable> out;
  const toml::node* n = Get(key);
  if (!n) return out;
  auto arr = n->as_array();
  if (!arr) {
    TypeError(key, *n, fmt::format("an array of tables ([[{}]])", PathOf(key)));
    return out;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& item = *arr->get(i);
    std::string path = fmt::format("{}[{}]", PathOf(key), i);
    if (auto t = item.as_table()) {
      out.push_back(reader_->MakeTable(t, path));
    } else {
      reader_->AddIssue(&item, table_, path, fmt::format("expected a table, got {}", TypeName(item)));
    }
  }
  return out;
}

}  // namespace ctodesk
