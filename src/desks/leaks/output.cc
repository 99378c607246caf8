#include "desks/leaks/output.h"
#include "core/json_text.h"

#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ctodesk::leaks {

namespace {

using Json = nlohmann::ordered_json;

// Paths and authors come from git as bytes; JSON needs UTF-8, so invalid
// sequences become U+FFFD rather than an exception.
std::string Iso(std::int64_t unix_seconds) {
  if (unix_seconds == 0) return "";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Where(const Occurrence& o) {
  if (o.path.empty()) return fmt::format("unreachable object {}", o.blob.substr(0, 12));
  return fmt::format("{}:{}:{}", o.path, o.line, o.column);
}

Json OccurrenceJson(const Occurrence& o) {
  Json j = {{"path", o.path}, {"line", o.line}, {"column", o.column}};
  if (!o.commit.empty()) {
    j["commit"] = o.commit;
    j["author"] = o.author;
    j["date"] = Iso(o.time);
  }
  if (!o.blob.empty()) j["blob"] = o.blob;
  return j;
}

}  // namespace

std::string RenderTerminal(const std::vector<ScanReport>& reports, bool show_secrets) {
  std::string out;
  for (const ScanReport& r : reports) {
    out += fmt::format("{} ({}): {} secret{} in {} blob{} ({:.1f} MB) in {:.2f}s", r.target, r.kind,
                       r.secrets.size(), r.secrets.size() == 1 ? "" : "s", r.stats.blobs,
                       r.stats.blobs == 1 ? "" : "s", static_cast<double>(r.stats.bytes) / 1e6, r.stats.seconds);
    if (r.stats.commits > 0) out += fmt::format(", {} commits walked", r.stats.commits);
    out += "\n";
    if (r.stats.skipped_large + r.stats.skipped_binary + r.stats.unreadable > 0) {
      out += fmt::format("  skipped: {} over the size limit, {} binary, {} unreadable\n", r.stats.skipped_large,
                         r.stats.skipped_binary, r.stats.unreadable);
    }
    for (const Secret& s : r.secrets) {
      const Occurrence& first = s.introduced();
      out += fmt::format("\n  {} {} [{} confidence]{}\n", s.at_head ? "AT HEAD" : "HISTORY", s.description,
                         ConfidenceName(s.confidence), r.kind == "git" && !s.at_head ? " (rotate it)" : "");
      out += fmt::format("    secret:      {}\n", show_secrets ? s.value : s.redacted);
      out += fmt::format("    rule:        {}  fingerprint: {}\n", s.rule, s.fingerprint);
      out += fmt::format("    where:       {}\n", Where(first));
      if (!first.commit.empty()) {
        out += fmt::format("    introduced:  {} by {} on {}\n", first.commit.substr(0, 12), first.author,
                           Iso(first.time));
      }
      if (s.occurrences.size() > 1) {
        out += fmt::format("    also in:     {} more place{}\n", s.occurrences.size() - 1,
                           s.occurrences.size() == 2 ? "" : "s");
      }
    }
    for (const std::string& w : r.warnings) out += fmt::format("  warning: {}\n", w);
  }
  return out;
}

std::string RenderJson(const std::vector<ScanReport>& reports, bool show_secrets) {
  Json doc = {{"version", 1}, {"reports", Json::array()}};
  for (const ScanReport& r : reports) {
    Json jr = {{"target", r.target},
               {"kind", r.kind},
               {"stats",
                {{"objects", r.stats.objects},
                 {"blobs_scanned", r.stats.blobs},
                 {"bytes_scanned", r.stats.bytes},
                 {"skipped_large", r.stats.skipped_large},
                 {"skipped_binary", r.stats.skipped_binary},
                 {"unreadable", r.stats.unreadable},
                 {"commits", r.stats.commits},
                 {"seconds", r.stats.seconds}}},
               {"warnings", r.warnings},
               {"secrets", Json::array()}};
    for (const Secret& s : r.secrets) {
      Json js = {{"fingerprint", s.fingerprint},
                 {"rule", s.rule},
                 {"description", s.description},
                 {"confidence", ConfidenceName(s.confidence)},
                 {"secret", show_secrets ? s.value : s.redacted},
                 {"redacted", !show_secrets},
                 {"at_head", s.at_head},
                 {"introduced", OccurrenceJson(s.introduced())},
                 {"occurrences", Json::array()}};
      for (const Occurrence& o : s.occurrences) js["occurrences"].push_back(OccurrenceJson(o));
      jr["secrets"].push_back(std::move(js));
    }
    doc["reports"].push_back(std::move(jr));
  }
  return JsonText(doc, 2) + "\n";
}

std::string RenderSarif(const std::vector<ScanReport>& reports, const std::vector<Detector>& detectors,
                        bool show_secrets) {
  Json rules = Json::array();
  std::map<std::string, int> rule_index;
  auto rule_of = [&](const Secret& s) {
    auto [it, fresh] = rule_index.try_emplace(s.rule, static_cast<int>(rules.size()));
    if (fresh) {
      std::string text = s.description;
      for (const Detector& d : detectors) {
        if (d.id == s.rule) text = d.description;
      }
      rules.push_back({{"id", s.rule},
                       {"name", s.rule},
                       {"shortDescription", {{"text", text}}},
                       {"defaultConfiguration", {{"level", "error"}}}});
    }
    return it->second;
  };
  Json results = Json::array();
  for (const ScanReport& r : reports) {
    for (const Secret& s : r.secrets) {
      Json locations = Json::array();
      for (const Occurrence& o : s.occurrences) {
        if (o.path.empty()) continue;
        Json loc = {{"physicalLocation",
                     {{"artifactLocation", {{"uri", o.path}}},
                      {"region", {{"startLine", std::max(1, o.line)}, {"startColumn", std::max(1, o.column)}}}}}};
        if (!o.commit.empty()) {
          loc["properties"] = {{"commit", o.commit}, {"author", o.author}, {"date", Iso(o.time)}};
        }
        locations.push_back(std::move(loc));
        if (locations.size() >= 20) break;  // SARIF viewers show a few; the JSON output has them all
      }
      int index = rule_of(s);
      Json result = {
          {"ruleId", s.rule},
          {"ruleIndex", index},
          {"level", s.confidence == Confidence::kLow ? "warning" : "error"},
          {"message",
           {{"text", fmt::format("{} {} ({} confidence){}", s.description, show_secrets ? s.value : s.redacted,
                                 ConfidenceName(s.confidence),
                                 s.at_head ? "" : "; only in history: rotate it")}}},
          {"partialFingerprints", {{"ctodeskSecret/v1", s.fingerprint}}},
          {"properties",
           {{"confidence", ConfidenceName(s.confidence)}, {"atHead", s.at_head}, {"target", r.target}}}};
      if (!locations.empty()) result["locations"] = std::move(locations);
      results.push_back(std::move(result));
    }
  }
  Json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs",
               {{{"tool",
                  {{"driver",
                    {{"name", "ctodesk-leaks"},
                     {"informationUri", "https://github.com/ctodesk/ctodesk"},
                     {"version", "0.1.0"},
                     {"rules", rules}}}}},
                 {"results", results}}}}};
  return JsonText(doc, 2) + "\n";
}

Result<std::set<std::string>> ReadBaseline(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Io(fmt::format("{}: cannot read the baseline", path.string())));
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("fingerprints") || !j["fingerprints"].is_array()) {
    return Fail(Error::Invalid(fmt::format(
        "{}: not a ctodesk baseline (expected {{\"version\": 1, \"fingerprints\": [...]}})", path.string())));
  }
  std::set<std::string> out;
  for (const auto& f : j["fingerprints"]) {
    if (f.is_string()) {
      out.insert(f.get<std::string>());
    } else if (f.is_object() && f.contains("fingerprint") && f["fingerprint"].is_string()) {
      out.insert(f["fingerprint"].get<std::string>());
    }
  }
  return out;
}

Result<void> WriteBaseline(const std::filesystem::path& path, const std::vector<ScanReport>& reports) {
  Json list = Json::array();
  for (const ScanReport& r : reports) {
    for (const Secret& s : r.secrets) {
      list.push_back({{"fingerprint", s.fingerprint}, {"rule", s.rule}, {"secret", s.redacted},
                      {"where", Where(s.introduced())}});
    }
  }
  Json doc = {{"version", 1}, {"fingerprints", list}};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << JsonText(doc, 2) << "\n";
  if (!out) return Fail(Error::Io(fmt::format("{}: cannot write the baseline", path.string())));
  return {};
}

}  // namespace ctodesk::leaks
