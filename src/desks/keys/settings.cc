#include "desks/keys/settings.h"

#include <set>

#include <fmt/format.h>

#include "desks/keys/key_format.h"

namespace ctodesk::keys {

const PlanRules& Settings::RulesFor(std::string_view plan) const {
  static const PlanRules kNone;
  const PlanRules* fallback = &kNone;
  for (const PlanRules& p : plans) {
    if (p.name == plan) return p;
    if (p.name == "default") fallback = &p;
  }
  return *fallback;
}

Settings ReadSettings(ConfigTable& section) {
  Settings s;
  if (auto p = section.String("prefix")) {
    if (ValidPrefix(*p)) s.prefix = *p;
    else section.Error("prefix", fmt::format("expected 2 to 16 characters of a-z and 0-9, got \"{}\"", *p));
  }
  if (auto o = section.Choice("on_leak", {"report", "revoke", "suspend"})) s.on_leak = *o;
  for (const std::string& text : section.StringList("objects")) {
    if (auto p = ParseObjectPattern(text)) s.objects.push_back(std::move(*p));
    else section.Error("objects", fmt::format("expected a path with one {{id}} such as "
                                              "\"/customers/{{id}}\", got \"{}\"", text));
  }
  if (section.Has("access_logs")) {
    // Paths resolve against the config's folder like every other path.
    for (const std::string& text : section.StringList("access_logs")) {
      std::filesystem::path p(text);
      s.access_logs.push_back(p);
    }
  }
  if (auto f = section.Choice("access_log_format", {"nginx-combined", "json"})) s.access_log_format = *f;
  if (auto k = section.String("json_key_field")) s.json_key_field = *k;
  if (auto d = section.DurationValue("expiry_warning")) s.expiry_warning = *d;
  if (auto d = section.DurationValue("unused_after")) s.unused_after = *d;
  if (auto f = section.String("audit_key_file")) {
    if (f->empty()) section.Error("audit_key_file", "expected a file path for the audit key");
    else s.audit_key_file = *f;
  }
  std::set<std::string> names;
  for (ConfigTable& t : section.TableArray("plans")) {
    auto name = t.String("name", true);
    if (!name) continue;
    if (!names.insert(*name).second) {
      t.Error("name", fmt::format("another plan is already named \"{}\"", *name));
      continue;
    }
    PlanRules r;
    r.name = *name;
    if (auto v = t.Int("rate_per_minute", 0, 100'000'000)) r.rate_per_minute = *v;
    if (auto v = t.Int("distinct_objects_per_hour", 0, 100'000'000)) r.distinct_objects_per_hour = *v;
    if (auto v = t.Int("sequential_walk", 0, 100'000'000)) r.sequential_walk = *v;
    if (auto v = t.Number("volume_factor")) {
      if (*v < 0) t.Error("volume_factor", "expected a factor >= 0 (0 turns the rule off)");
      else r.volume_factor = *v;
    }
    if (auto v = t.Int("volume_min_requests", 0, 100'000'000)) r.volume_min_requests = *v;
    if (auto v = t.Int("baseline_hours", 1, 24 * 365)) r.baseline_hours = *v;
    if (auto v = t.Number("ewma_alpha")) {
      if (*v <= 0 || *v > 1) t.Error("ewma_alpha", "expected a number in (0, 1]");
      else r.ewma_alpha = *v;
    }
    s.plans.push_back(std::move(r));
  }
  return s;
}

}  // namespace ctodesk::keys
