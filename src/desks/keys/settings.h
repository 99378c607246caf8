// The keys desk's [keys] section, shared by the desk, `ctodesk keys`, the
// guard (`ctodesk serve`) and `keys ingest`:
//
//   [keys]
//   prefix = "acme"                      # keys look like acme_<38 chars>
//   on_leak = "report"                   # or "revoke" / "suspend" (the leaks desk)
//   objects = ["/customers/{id}", "/orders/{id}"]
//   access_logs = ["logs/gateway.log"]   # ingested by the desk each run
//   access_log_format = "nginx-combined" # or "json"
//   json_key_field = "key_id"
//   expiry_warning = "14d"
//   unused_after = "90d"
//   audit_key_file = ".ctodesk/audit.key" # the audit anchor's secret (desks/keys/audit.h)
//   [[keys.plans]]
//   name = "standard"
//   rate_per_minute = 600
//   distinct_objects_per_hour = 500
//   sequential_walk = 50
//   volume_factor = 5
//   volume_min_requests = 1000
//   baseline_hours = 3
//
// A plan named "default" applies to keys whose plan is not configured.
// Thread-compatible value types.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "desks/keys/detector.h"

namespace ctodesk::keys {

struct Settings {
  std::string prefix = "ck";
  std::string on_leak = "report";
  std::vector<PlanRules> plans;
  std::vector<ObjectPattern> objects;
  std::vector<std::filesystem::path> access_logs;
  std::string access_log_format = "nginx-combined";
  std::string json_key_field = "key_id";
  Duration expiry_warning = std::chrono::days(14);
  Duration unused_after = std::chrono::days(90);
  // Relative paths resolve against the config's folder.
  std::filesystem::path audit_key_file = ".ctodesk/audit.key";

  // The rules of `plan`, else of "default", else no rules at all.
  const PlanRules& RulesFor(std::string_view plan) const;
};

// Reads [keys]; records config errors on the table.
Settings ReadSettings(ConfigTable& section);

}  // namespace ctodesk::keys
