// The automatic stops: per-key counters and the rules that judge them. The
// guard feeds every request through one Detector; `keys ingest` and the keys
// desk feed logged traffic through one in time order, so both catch the
// same patterns.
//
// Per key, in memory:
//   rate            requests in the last 60 s (60 one-second buckets); over
//                   `rate_per_minute` the request is throttled (429), not counted
//   distinct objects object ids seen this clock hour, taken from the path by
//                   patterns such as /customers/{id}; counted exactly (and
//                   no further than just past the limit) for limits below
//                   65,536, by HyperLogLog (±0.8%) above: distinct_counter.h
//   sequential walk  consecutive numeric ids (n, n+1, n+2...) on one pattern
//   volume           requests this hour against an EWMA of the key's own past
//                   hourly volumes, judged once `baseline_hours` are known
// A rule set to 0 is off. A tripped rule is a Decision with the evidence; the
// caller suspends the key.
//
// Not thread-safe: the guard holds a lock around Observe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/finding.h"
#include "desks/keys/distinct_counter.h"

namespace ctodesk::keys {

struct PlanRules {
  std::string name = "default";
  std::int64_t rate_per_minute = 0;
  std::int64_t distinct_objects_per_hour = 0;
  std::int64_t sequential_walk = 0;    // this many consecutive ids in a row trips
  double volume_factor = 0;            // this hour > factor x baseline trips
  std::int64_t volume_min_requests = 1000;  // an hour below this is never judged
  std::int64_t baseline_hours = 3;
  double ewma_alpha = 0.3;
};

// "/customers/{id}": literal segments must match, {id} captures one segment.
struct ObjectPattern {
  std::string text;
  std::vector<std::string> segments;  // "{id}" marks the capture
};
// Parses a pattern; nullopt unless it starts with '/' and has exactly one {id}.
std::optional<ObjectPattern> ParseObjectPattern(std::string_view text);

struct ObjectRef {
  size_t pattern = 0;   // index into the detector's patterns
  std::string_view id;  // points into the path given to MatchObject
};
// The first pattern matching `path` (query string ignored).
std::optional<ObjectRef> MatchObject(const std::vector<ObjectPattern>& patterns,
                                     std::string_view path);

enum class Verdict { kAllow, kThrottle, kTrip };

struct Decision {
  Verdict verdict = Verdict::kAllow;
  std::string rule;     // "rate", "distinct-objects", "sequential-walk", "volume"
  std::string reason;   // one line for the X-Guard-Reason header and the audit
  Evidence evidence;
  int retry_after_s = 0;  // with kThrottle
};

class Detector {
 public:
  explicit Detector(std::vector<ObjectPattern> patterns) : patterns_(std::move(patterns)) {}

  // Counts one request of `key_id` at `at_ms` (unix ms, non-decreasing per
  // key for exact results) and judges it by `rules`.
  Decision Observe(const std::string& key_id, const PlanRules& rules, std::string_view path,
                   std::int64_t at_ms);
  void Forget(const std::string& key_id) { keys_.erase(key_id); }
  size_t tracked_keys() const { return keys_.size(); }

 private:
  struct Walk {
    std::int64_t last = -2;
    std::int64_t run = 0;
  };
  struct KeyState {
    std::array<std::int64_t, 60> bucket_second{};
    std::array<std::int64_t, 60> bucket_count{};
    std::int64_t objects_hour = -1;
    DistinctCounter objects;
    std::vector<Walk> walks;
    std::int64_t volume_hour = -1;
    std::int64_t volume_count = 0;
    double baseline = 0;
    std::int64_t hours_seen = 0;
  };
  std::vector<ObjectPattern> patterns_;
  std::unordered_map<std::string, KeyState> keys_;
};

}  // namespace ctodesk::keys
