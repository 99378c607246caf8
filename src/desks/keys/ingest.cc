#include "desks/keys/ingest.h"
#include "core/json_text.h"

#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "desks/keys/access_log.h"
#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"

namespace ctodesk::keys {

namespace {

constexpr size_t kChunk = 4 << 20;
constexpr size_t kBatch = 50000;
constexpr size_t kMaxQueued = 2;  // batches parsed but not yet written
constexpr size_t kMaxProblems = 20;

// The store's side of an ingest, on its own thread: parsing (and the
// detection rules, which need the lines in order) stays on the caller's
// thread while the previous batch is written. Batches are written in the
// order they were handed over; the first failure stops the writer and is
// reported by the next Push or by Finish.
class BatchWriter {
 public:
  explicit BatchWriter(Store& store) : store_(store), thread_([this] { Run(); }) {}
  ~BatchWriter() { (void)Finish(); }

  // Queues a batch (waits while kMaxQueued are pending). False once the
  // writer has failed.
  bool Push(std::vector<UsageEvent> batch) {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return queue_.size() < kMaxQueued || !error_.empty(); });
    if (!error_.empty()) return false;
    queue_.push_back(std::move(batch));
    ready_.notify_one();
    return true;
  }

  // A written batch to refill (its events keep their strings' memory), or
  // an empty vector.
  std::vector<UsageEvent> TakeSpare() {
    std::lock_guard lock(mu_);
    if (spare_.empty()) return {};
    std::vector<UsageEvent> v = std::move(spare_.back());
    spare_.pop_back();
    return v;
  }

  // Writes what is queued, stops the thread; the events written, or the
  // first error.
  Result<std::int64_t> Finish() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (!error_.empty()) return Fail(error_.front());
    return written_;
  }

 private:
  void Run() {
    for (;;) {
      std::vector<UsageEvent> batch;
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
      }
      auto r = store_.AppendUsage(batch);
      std::lock_guard lock(mu_);
      if (!r) {
        error_.push_back(r.error());
        queue_.clear();
        space_.notify_all();
        return;
      }
      written_ += static_cast<std::int64_t>(batch.size());
      // Handed back with its strings' memory, for the reader to refill.
      if (spare_.size() < kMaxQueued + 1) spare_.push_back(std::move(batch));
      space_.notify_all();
    }
  }

  Store& store_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::vector<UsageEvent>> queue_;
  std::vector<std::vector<UsageEvent>> spare_;
  std::vector<Error> error_;
  std::int64_t written_ = 0;
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest is initialised
};

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
  // Stored hash -> key, for lines that logged a plain key: resolved here so
  // the parsing thread never touches the store while the writer uses it.
  std::unordered_map<std::string, const KeyRecord*> by_hash;
  for (const KeyRecord& k : *keys) {
    by_id.emplace(k.id, &k);
    by_hash.emplace(k.hash, &k);
  }

  IngestReport report;
  report.end_offset = options.start_offset;
  Detector detector(settings.objects);
  JsonLineParser json(options.json_key_field);
  const std::string source = path.filename().string();
  if (auto b = store.BeginBulkUsage(); !b) return Fail(b.error());
  std::optional<BatchWriter> writer(std::in_place, store);
  auto finish = [&]() -> Result<void> {
    auto written = writer->Finish();
    writer.reset();
    auto end = store.EndBulkUsage();
    if (!written) return Fail(written.error());
    report.events = *written;
    if (!end) return Fail(end.error());
    return {};
  };
  // The batch being filled: events [0, filled) are this batch's; a recycled
  // vector's other elements are spare memory for the next lines.
  std::vector<UsageEvent> batch;
  size_t filled = 0;
  batch.reserve(kBatch);
  auto flush = [&]() -> Result<void> {
    if (filled == 0) return {};
    batch.resize(filled);
    bool queued = writer->Push(std::move(batch));
    batch = writer->TakeSpare();
    filled = 0;
    batch.reserve(kBatch);
    if (!queued) return finish();  // reports the writer's error
    return {};
  };
  // Per key id: its record and whether it has tripped (one lookup a line).
  struct KeyState {
    const KeyRecord* key = nullptr;
    const PlanRules* rules = nullptr;
    bool tripped = false;
  };
  std::unordered_map<std::string, KeyState> states;
  auto state_of = [&](const std::string& id) -> KeyState& {
    auto it = states.find(id);
    if (it != states.end()) return it->second;
    const KeyRecord* k = by_id.at(id);
    return states.emplace(id, KeyState{k, &settings.RulesFor(k->plan), false}).first->second;
  };
  LogRecord parsed;  // reused: its strings keep their memory from line to line

  std::string buf;
  std::string carry;
  std::string error;
  std::int64_t line_no = 0;
  auto handle = [&](std::string_view line) -> Result<void> {
    ++line_no;
    ++report.lines;
    if (line.empty()) return {};
    error.clear();
    std::optional<LogRecord> json_rec;
    LogRecord* rec = &parsed;
    if (options.format == LogFormat::kJson) {
      json_rec = json.Parse(line, &error);
      rec = json_rec ? &*json_rec : nullptr;
    } else if (!ParseCombinedLine(line, &parsed, &error)) {
      rec = nullptr;
    }
    if (!rec) {
      ++report.malformed;
      if (report.problems.size() < kMaxProblems) report.problems.push_back({line_no, error});
      return {};
    }
    if (rec->key.empty()) {
      ++report.no_key;
      return {};
    }
    const std::string* id = nullptr;
    if (LooksLikeOurKey(rec->key)) {
      ++report.plain_keys;
      std::string hash = HashKey(rec->key);
      auto it = by_hash.find(hash);
      if (it != by_hash.end() && HashesEqual(it->second->hash, hash)) id = &it->second->id;
    } else if (auto it = by_id.find(rec->key); it != by_id.end()) {
      id = &it->first;
    }
    if (!id) {
      ++report.unknown_key;
      return {};
    }
    KeyState& state = state_of(*id);
    if (!state.tripped) {
      Decision d = detector.Observe(*id, *state.rules, rec->event.path, rec->event.at_ms);
      if (d.verdict == Verdict::kTrip) {
        state.tripped = true;
        report.trips.push_back({*id, d, rec->event.at_ms});
      }
    }
    const UsageEvent& e = rec->event;
    PutUsageEvent(batch, filled, *id, e.at_ms, e.ip, e.method, e.path, e.status, e.user_agent, source);
    if (filled >= kBatch) return flush();
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
      if (!r) {
        if (writer) (void)finish();
        return Fail(r.error());
      }
      report.end_offset = chunk_base + static_cast<std::int64_t>(nl) + 1;
    }
    carry.append(chunk.substr(start));
    chunk_base += static_cast<std::int64_t>(got);
  }
  if (auto r = flush(); !r) {
    if (writer) (void)finish();
    return Fail(r.error());
  }
  if (auto r = finish(); !r) return Fail(r.error());

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
