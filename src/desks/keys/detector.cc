// Why these structures: the guard answers every API request, so each rule is
// O(1) amortised per request (the rate window is a fixed 60-slot ring, not a
// list of timestamps), and memory per key is bounded (the object count is
// capped just past its limit, and a sketch of 16 KiB for very high limits). Clock hours (not sliding hours) for objects and volume
// keep the state small and the evidence easy to state: "512 customers between
// 09:00 and 09:14".
#include "desks/keys/detector.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace ctodesk::keys {

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<std::int64_t> Numeric(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::string HourLabel(std::int64_t hour) {
  std::int64_t h = hour % 24;
  return fmt::format("{:02}:00-{:02}:59 UTC", h, h);
}

}  // namespace

std::optional<ObjectPattern> ParseObjectPattern(std::string_view text) {
  if (text.empty() || text[0] != '/') return std::nullopt;
  ObjectPattern p;
  p.text = std::string(text);
  int captures = 0;
  for (std::string_view s : Segments(text)) {
    if (s == "{id}") ++captures;
    else if (s.find_first_of("{}") != std::string_view::npos) return std::nullopt;
    p.segments.emplace_back(s);
  }
  if (captures != 1) return std::nullopt;
  return p;
}

std::optional<ObjectRef> MatchObject(const std::vector<ObjectPattern>& patterns,
                                     std::string_view path) {
  if (patterns.empty()) return std::nullopt;
  path = path.substr(0, path.find('?'));
  // The path's segments without a heap allocation (this runs on every
  // request the guard answers): patterns longer than kMax never match a
  // longer path anyway, so counting past it is enough.
  constexpr size_t kMax = 16;
  std::array<std::string_view, kMax> segs;
  size_t count = 0;
  for (size_t i = 0; i < path.size();) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (count < kMax) segs[count] = path.substr(i, j - i);
    ++count;
    i = j;
  }
  for (size_t i = 0; i < patterns.size(); ++i) {
    const ObjectPattern& p = patterns[i];
    if (p.segments.size() != count) continue;
    if (count > kMax) {
      // A pattern this long is rare: the general path.
      std::vector<std::string_view> all = Segments(path);
      std::string_view id;
      bool ok = true;
      for (size_t j = 0; j < all.size() && ok; ++j) {
        if (p.segments[j] == "{id}") id = all[j];
        else ok = p.segments[j] == all[j];
      }
      if (ok && !id.empty()) return ObjectRef{i, id};
      continue;
    }
    std::string_view id;
    bool ok = true;
    for (size_t j = 0; j < count && ok; ++j) {
      if (p.segments[j] == "{id}") id = segs[j];
      else ok = p.segments[j] == segs[j];
    }
    if (ok && !id.empty()) return ObjectRef{i, id};
  }
  return std::nullopt;
}

Decision Detector::Observe(const std::string& key_id, const PlanRules& rules,
                           std::string_view path, std::int64_t at_ms) {
  KeyState& s = keys_[key_id];
  const std::int64_t second = at_ms / 1000;
  const std::int64_t hour = second / 3600;
  Decision d;

  // Rate: 60 one-second buckets.
  if (rules.rate_per_minute > 0) {
    std::int64_t in_window = 0, oldest = second;
    for (size_t i = 0; i < 60; ++i) {
      if (s.bucket_second[i] > second - 60 && s.bucket_count[i] > 0) {
        in_window += s.bucket_count[i];
        oldest = std::min(oldest, s.bucket_second[i]);
      }
    }
    if (in_window >= rules.rate_per_minute) {
      d.verdict = Verdict::kThrottle;
      d.rule = "rate";
      d.retry_after_s = static_cast<int>(std::max<std::int64_t>(1, oldest + 60 - second));
      d.reason = fmt::format("over {} requests per minute", rules.rate_per_minute);
      d.evidence = {{"requests in the last minute", std::to_string(in_window)},
                    {"limit per minute", std::to_string(rules.rate_per_minute)}};
      return d;
    }
  }
  size_t slot = static_cast<size_t>(second % 60);
  if (s.bucket_second[slot] != second) {
    s.bucket_second[slot] = second;
    s.bucket_count[slot] = 0;
  }
  ++s.bucket_count[slot];

  // Volume against the key's own EWMA baseline of hourly volumes.
  if (s.volume_hour != hour) {
    if (s.volume_hour >= 0) {
      // Close the finished hour and any empty hours since (at most two days).
      std::int64_t gap = std::min<std::int64_t>(hour - s.volume_hour, 48);
      for (std::int64_t i = 0; i < gap; ++i) {
        double v = i == 0 ? static_cast<double>(s.volume_count) : 0.0;
        s.baseline = s.hours_seen == 0 ? v : rules.ewma_alpha * v + (1 - rules.ewma_alpha) * s.baseline;
        ++s.hours_seen;
      }
    }
    s.volume_hour = hour;
    s.volume_count = 0;
  }
  ++s.volume_count;

  auto trip = [&](std::string rule, std::string reason, Evidence ev) {
    d.verdict = Verdict::kTrip;
    d.rule = std::move(rule);
    d.reason = std::move(reason);
    d.evidence = std::move(ev);
    return d;
  };

  if (rules.volume_factor > 0 && s.hours_seen >= rules.baseline_hours &&
      s.volume_count >= rules.volume_min_requests &&
      static_cast<double>(s.volume_count) > rules.volume_factor * std::max(1.0, s.baseline)) {
    return trip("volume",
                fmt::format("{} requests this hour, over {}x its usual {:.0f} per hour",
                            s.volume_count, rules.volume_factor, s.baseline),
                {{"requests this hour", std::to_string(s.volume_count)},
                 {"baseline per hour (EWMA)", fmt::format("{:.1f}", s.baseline)},
                 {"hour", HourLabel(hour)}});
  }

  auto object = MatchObject(patterns_, path);
  if (!object) return d;
  const std::string& pattern = patterns_[object->pattern].text;

  if (rules.distinct_objects_per_hour > 0) {
    if (s.objects_hour != hour) {
      s.objects_hour = hour;
      s.objects.Clear();
    }
    if (s.objects.count() <= rules.distinct_objects_per_hour) {
      s.objects.Insert(DistinctCounter::Fingerprint(object->pattern, object->id));
    }
    if (s.objects.count() > rules.distinct_objects_per_hour) {
      return trip("distinct-objects",
                  fmt::format("more than {} distinct objects ({}) in one hour",
                              rules.distinct_objects_per_hour, pattern),
                  {{"distinct objects this hour", fmt::format(">{}", rules.distinct_objects_per_hour)},
                   {"pattern", pattern},
                   {"hour", HourLabel(hour)},
                   {"last object", std::string(object->id)}});
    }
  }

  if (rules.sequential_walk > 0) {
    if (auto n = Numeric(object->id)) {
      if (s.walks.size() < patterns_.size()) s.walks.resize(patterns_.size());
      Walk& w = s.walks[object->pattern];
      if (*n == w.last + 1) ++w.run;
      else if (*n != w.last) w.run = 1;
      std::int64_t start = *n - w.run + 1;
      w.last = *n;
      if (w.run >= rules.sequential_walk) {
        return trip("sequential-walk",
                    fmt::format("walked {} consecutive ids on {} ({}..{})", w.run, pattern, start, *n),
                    {{"consecutive ids", std::to_string(w.run)},
                     {"pattern", pattern},
                     {"from id", std::to_string(start)},
                     {"to id", std::to_string(*n)}});
      }
    }
  }
  return d;
}

}  // namespace ctodesk::keys
