#include "desks/radar/radar_file.h"
#include "core/json_text.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/csv.h"

namespace ctodesk::radar {

namespace {

constexpr std::string_view kDesk = "radar";
constexpr std::string_view kRingPrefix = "ring:";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::optional<bool> ParseBool(std::string_view v) {
  std::string l = Lower(Trimmed(v));
  if (l == "true" || l == "yes" || l == "1" || l == "y") return true;
  if (l == "false" || l == "no" || l == "0" || l == "n" || l.empty()) return false;
  return std::nullopt;
}

// BYOR's status column: "New" counts as new; the moves do not.
std::optional<bool> StatusIsNew(std::string_view v) {
  std::string l = NormalizeName(v);
  if (l == "new") return true;
  if (l == "movedin" || l == "movedout" || l == "nochange" || l.empty()) return false;
  return std::nullopt;
}

// Checks a whole radar: unique names, at most four quadrants.
Result<void> CheckRadar(const std::vector<Blip>& blips, const std::vector<std::string>& where) {
  std::map<std::string, size_t> seen;
  std::vector<std::string> quadrants;
  for (size_t i = 0; i < blips.size(); ++i) {
    auto [it, fresh] = seen.emplace(NormalizeName(blips[i].name), i);
    if (!fresh) {
      return Fail(Error::Invalid(fmt::format("{}: name: \"{}\" is already on the radar ({})", where[i],
                                             blips[i].name, where[it->second])));
    }
    if (std::find(quadrants.begin(), quadrants.end(), blips[i].quadrant) == quadrants.end()) {
      quadrants.push_back(blips[i].quadrant);
      if (quadrants.size() > 4) {
        return Fail(Error::Invalid(fmt::format(
            "{}: quadrant: a radar has at most four quadrants; \"{}\" would be the fifth after {}", where[i],
            blips[i].quadrant, fmt::join(std::vector<std::string>(quadrants.begin(), quadrants.end() - 1), ", "))));
      }
    }
  }
  return {};
}

Result<Blip> MakeBlip(const std::string& where, const std::string& name, const std::string& ring,
                      const std::string& quadrant, std::optional<bool> is_new, const std::string& is_new_text,
                      const std::string& description) {
  Blip b;
  b.name = Trimmed(name);
  if (b.name.empty()) return Fail(Error::Invalid(fmt::format("{}: name: expected a technology name", where)));
  auto r = ParseRing(ring);
  if (!r) {
    return Fail(Error::Invalid(fmt::format("{}: ring: expected adopt, trial, assess or hold, got \"{}\"", where,
                                           Trimmed(ring))));
  }
  b.ring = *r;
  b.quadrant = Trimmed(quadrant);
  if (b.quadrant.empty()) return Fail(Error::Invalid(fmt::format("{}: quadrant: expected a quadrant name", where)));
  if (!is_new) {
    return Fail(Error::Invalid(fmt::format(
        "{}: isNew: expected TRUE or FALSE (or status New, Moved In, Moved Out, No Change), got \"{}\"", where,
        is_new_text)));
  }
  b.is_new = *is_new;
  b.description = description;
  return b;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

nlohmann::ordered_json BlipJson(const Blip& b) {
  return {{"name", b.name}, {"ring", RingName(b.ring)}, {"quadrant", b.quadrant}, {"isNew", b.is_new},
          {"description", b.description}};
}

std::optional<Blip> BlipFromJson(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    Blip b;
    b.name = j.at("name").get<std::string>();
    auto r = ParseRing(j.at("ring").get<std::string>());
    if (!r) return std::nullopt;
    b.ring = *r;
    b.quadrant = j.at("quadrant").get<std::string>();
    b.is_new = j.value("isNew", false);
    b.description = j.value("description", "");
    return b;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::string_view RingName(Ring r) {
  switch (r) {
    case Ring::kAdopt: return "adopt";
    case Ring::kTrial: return "trial";
    case Ring::kAssess: return "assess";
    case Ring::kHold: return "hold";
  }
  return "assess";
}

std::optional<Ring> ParseRing(std::string_view name) {
  std::string l = Lower(Trimmed(name));
  if (l == "adopt") return Ring::kAdopt;
  if (l == "trial") return Ring::kTrial;
  if (l == "assess") return Ring::kAssess;
  if (l == "hold") return Ring::kHold;
  return std::nullopt;
}

std::string NormalizeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c == '+' || c == '#') {
      out += c;  // C, C++ and C# are three languages; F and F# two
    }
  }
  return out;
}

Result<std::vector<Blip>> ParseRadar(std::string_view text, std::string_view source) {
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string_view::npos && text[first] == '[') return ParseRadarJson(text, source);
  return ParseRadarCsv(text, source);
}

Result<std::vector<Blip>> ParseRadarCsv(std::string_view text, std::string_view source) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in, CsvDialect{','}, std::string(source));
  std::vector<std::string> fields;
  if (!reader.Next(fields)) {
    if (reader.error()) return Fail(*reader.error());
    return Fail(Error::Invalid(fmt::format("{}: empty; expected the header name,ring,quadrant,isNew,description", source)));
  }
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < fields.size(); ++i) col[NormalizeName(fields[i])] = i;
  for (const char* need : {"name", "ring", "quadrant"}) {
    if (!col.count(need)) {
      return Fail(Error::Invalid(fmt::format("{}:1: header: missing column \"{}\"; expected name,ring,quadrant,isNew,description",
                                             source, need)));
    }
  }
  if (!col.count("isnew") && !col.count("status")) {
    return Fail(Error::Invalid(fmt::format("{}:1: header: missing column \"isNew\" (or \"status\")", source)));
  }
  auto get = [&](const char* key) -> std::string {
    auto it = col.find(key);
    return it == col.end() || it->second >= fields.size() ? "" : fields[it->second];
  };
  std::vector<Blip> out;
  std::vector<std::string> where;
  while (reader.Next(fields)) {
    if (fields.size() == 1 && Trimmed(fields[0]).empty()) continue;  // blank line
    std::string at = fmt::format("{}:{}", source, reader.line());
    std::optional<bool> is_new;
    std::string is_new_text;
    if (col.count("isnew")) {
      is_new_text = get("isnew");
      is_new = ParseBool(is_new_text);
    } else {
      is_new_text = get("status");
      is_new = StatusIsNew(is_new_text);
    }
    auto b = MakeBlip(at, get("name"), get("ring"), get("quadrant"), is_new, is_new_text, get("description"));
    if (!b) return Fail(b.error());
    out.push_back(std::move(*b));
    where.push_back(at);
  }
  if (reader.error()) return Fail(*reader.error());
  if (auto r = CheckRadar(out, where); !r) return Fail(r.error());
  return out;
}

Result<std::vector<Blip>> ParseRadarJson(std::string_view text, std::string_view source) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(e.byte, text.size())), '\n'));
    return Fail(Error::Invalid(fmt::format("{}:{}: not valid JSON", source, line)));
  } catch (const nlohmann::json::exception& e) {
    return Fail(Error::Invalid(fmt::format("{}: not valid JSON: a number is out of range", source)));
  }
  if (!j.is_array()) return Fail(Error::Invalid(fmt::format("{}: expected a JSON array of entries", source)));
  std::vector<Blip> out;
  std::vector<std::string> where;
  for (size_t i = 0; i < j.size(); ++i) {
    std::string at = fmt::format("{}: entry {}", source, i + 1);
    const auto& e = j[i];
    if (!e.is_object()) return Fail(Error::Invalid(fmt::format("{}: expected an object", at)));
    auto str = [&](const char* key) -> std::optional<std::string> {
      auto it = e.find(key);
      if (it == e.end() || it->is_null()) return std::string();
      if (it->is_string()) return it->get<std::string>();
      return std::nullopt;
    };
    for (const char* key : {"name", "ring", "quadrant", "description", "status"}) {
      if (!str(key)) return Fail(Error::Invalid(fmt::format("{}: {}: expected a string", at, key)));
    }
    std::optional<bool> is_new;
    std::string is_new_text;
    if (auto it = e.find("isNew"); it != e.end()) {
      if (it->is_boolean()) {
        is_new = it->get<bool>();
      } else if (it->is_string()) {
        is_new_text = it->get<std::string>();
        is_new = ParseBool(is_new_text);
      } else {
        is_new_text = it->dump();
      }
    } else {
      is_new_text = *str("status");
      is_new = StatusIsNew(is_new_text);
    }
    auto b = MakeBlip(at, *str("name"), *str("ring"), *str("quadrant"), is_new, is_new_text, *str("description"));
    if (!b) return Fail(b.error());
    out.push_back(std::move(*b));
    where.push_back(at);
  }
  if (auto r = CheckRadar(out, where); !r) return Fail(r.error());
  return out;
}

std::string RadarToCsv(const std::vector<Blip>& blips) {
  std::string out = "name,ring,quadrant,isNew,description\n";
  for (const Blip& b : blips) {
    out += fmt::format("{},{},{},{},{}\n", CsvField(b.name), RingName(b.ring), CsvField(b.quadrant),
                       b.is_new ? "TRUE" : "FALSE", CsvField(b.description));
  }
  return out;
}

std::string RadarToJson(const std::vector<Blip>& blips) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const Blip& b : blips) out.push_back(BlipJson(b));
  return JsonText(out, 2) + "\n";
}

Result<RadarChange> RecordRadar(Store& store, const std::vector<Blip>& blips, TimePoint now, bool replace) {
  auto current = CurrentRadar(store);
  if (!current) return Fail(current.error());
  std::map<std::string, Blip> before;
  for (Blip& b : *current) before.emplace(NormalizeName(b.name), std::move(b));
  RadarChange change;
  std::vector<CheckRecord> records;
  std::set<std::string> seen;
  for (const Blip& b : blips) {
    std::string key = NormalizeName(b.name);
    seen.insert(key);
    auto it = before.find(key);
    if (it != before.end() && it->second == b) {
      ++change.unchanged;
      continue;
    }
    if (it == before.end()) ++change.added;
    else if (it->second.ring != b.ring) ++change.moved;
    else ++change.changed;
    records.push_back({std::string(kDesk), std::string(kRingPrefix) + key, now, true,
                       static_cast<double>(static_cast<int>(b.ring)), JsonText(BlipJson(b))});
  }
  if (replace) {
    for (const auto& [key, b] : before) {
      if (seen.count(key)) continue;
      ++change.removed;
      records.push_back({std::string(kDesk), std::string(kRingPrefix) + key, now, false, -1, JsonText(BlipJson(b))});
    }
  }
  if (!records.empty()) {
    if (auto r = store.AppendChecks(records); !r) return Fail(r.error());
  }
  return change;
}

Result<std::vector<Blip>> CurrentRadar(Store& store) {
  auto subjects = store.CheckSubjects(kDesk);
  if (!subjects) return Fail(subjects.error());
  std::vector<Blip> out;
  for (const std::string& subject : *subjects) {
    if (subject.rfind(kRingPrefix, 0) != 0) continue;
    auto last = store.Checks(kDesk, subject, TimePoint{}, 1);
    if (!last) return Fail(last.error());
    if (last->empty() || !last->back().ok) continue;
    if (auto b = BlipFromJson(last->back().detail)) out.push_back(std::move(*b));
  }
  std::sort(out.begin(), out.end(), [](const Blip& a, const Blip& b) {
    return std::tie(a.quadrant, a.ring, a.name) < std::tie(b.quadrant, b.ring, b.name);
  });
  return out;
}

Result<std::vector<RingMove>> RingHistory(Store& store, std::string_view name) {
  auto records = store.Checks(kDesk, std::string(kRingPrefix) + NormalizeName(name), TimePoint{});
  if (!records) return Fail(records.error());
  std::vector<RingMove> out;
  for (const CheckRecord& r : *records) {
    auto b = BlipFromJson(r.detail);
    if (!b) continue;
    RingMove m{r.at, r.ok ? std::optional<Ring>(b->ring) : std::nullopt, *b};
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ctodesk::radar
