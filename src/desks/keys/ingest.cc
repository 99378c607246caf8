#include "desks/keys/ingest.h"
#include "core/json_text.h"

#include <fstream>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/access_log.h"
#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"

namespace ctodesk::keys {

namespace {

constexpr size_t kChunk = 4 << 20;
constexpr size_t kBatch = 20000;
constexpr size_t kMaxProblems = 20;

}  // namespace

Result<IngestReport> IngestLog(Store& store, const Settings& settings,
                               const std::filesystem::path& path, const IngestOptions& options,
                               TimePoint now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::Io(fmt::format("{}: cannot open the access log", path.string())));
  in.seekg(options.start_offset);

  auto keys = store.ListKeys();
  if (!keys) return Fail(keys.error());
  std::unordered_map<std::string, const KeyRecord*> by_id;
  for (const KeyRecord& k : *keys) by_id.emplace(k.id, &k);
  std::unordered_map<std::string, std::string> plain_to_id;  // hash -> id, for logged plain keys

  IngestReport report;
  report.end_offset = options.start_offset;
  Detector detector(settings.objects);
  std::set<std::string> tripped;
  JsonLineParser json(options.json_key_field);
  const std::string source = path.filename().string();
  std::vector<UsageEvent> batch;
  batch.reserve(kBatch);
  auto flush = [&]() -> Result<void> {
    if (batch.empty()) return {};
    auto r = store.AppendUsage(batch);
    report.events += static_cast<std::int64_t>(batch.size());
    batch.clear();
    return r;
  };

  std::string buf;
  std::string carry;
  std::string error;
  std::int64_t line_no = 0;
  auto handle = [&](std::string_view line) -> Result<void> {
    ++line_no;
    ++report.lines;
    if (line.empty()) return {};
    error.clear();
    std::optional<LogRecord> rec = options.format == LogFormat::kJson
                                       ? json.Parse(line, &error)
                                       : ParseCombinedLine(line, &error);
    if (!rec) {
      ++report.malformed;
      if (report.problems.size() < kMaxProblems) report.problems.push_back({line_no, error});
      return {};
    }
    if (rec->key.empty()) {
      ++report.no_key;
      return {};
    }
    std::string id;
    if (LooksLikeOurKey(rec->key)) {
      ++report.plain_keys;
      std::string hash = HashKey(rec->key);
      auto it = plain_to_id.find(hash);
      if (it == plain_to_id.end()) {
        auto k = store.FindKeyByHash(hash);
        if (!k) return Fail(k.error());
        it = plain_to_id.emplace(hash, *k ? (*k)->id : "").first;
      }
      id = it->second;
    } else if (by_id.count(rec->key)) {
      id = rec->key;
    }
    if (id.empty()) {
      ++report.unknown_key;
      return {};
    }
    rec->event.key_id = id;
    rec->event.source = source;
    const KeyRecord& key = *by_id.at(id);
    if (!tripped.count(id)) {
      Decision d = detector.Observe(id, settings.RulesFor(key.plan), rec->event.path, rec->event.at_ms);
      if (d.verdict == Verdict::kTrip) {
        tripped.insert(id);
        report.trips.push_back({id, d, rec->event.at_ms});
      }
    }
    batch.push_back(std::move(rec->event));
    if (batch.size() >= kBatch) return flush();
    return {};
  };

  // Only whole lines are consumed: a last line without its newline may still
  // be being written, and the next run (which resumes at end_offset) reads it.
  buf.resize(kChunk);
  std::int64_t chunk_base = options.start_offset;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    std::string_view chunk(buf.data(), got);
    size_t start = 0;
    for (size_t nl; (nl = chunk.find('\n', start)) != std::string_view::npos; start = nl + 1) {
      std::string_view line = chunk.substr(start, nl - start);
      Result<void> r;
      if (!carry.empty()) {
        carry.append(line);
        r = handle(carry);
        carry.clear();
      } else {
        r = handle(line);
      }
      if (!r) return Fail(r.error());
      report.end_offset = chunk_base + static_cast<std::int64_t>(nl) + 1;
    }
    carry.append(chunk.substr(start));
    chunk_base += static_cast<std::int64_t>(got);
  }
  if (auto r = flush(); !r) return Fail(r.error());

  if (options.suspend_on_trip) {
    for (const Trip& t : report.trips) {
      nlohmann::ordered_json ev = nlohmann::ordered_json::object();
      for (const auto& [k, v] : t.decision.evidence) ev[k] = v;
      ev["rule"] = t.decision.rule;
      ev["source"] = path.string();
      ev["at"] = FormatTime(FromUnix(t.at_ms / 1000));
      auto r = SuspendKey(store, t.key_id, t.decision.reason,
                          JsonText(ev),
                          options.actor, now);
      if (!r) return Fail(r.error());
    }
  }
  return report;
}

}  // namespace ctodesk::keys
