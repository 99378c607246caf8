// The health desk: is everything ticking over? Runs the configured probes
// (see probe.h), keeps every result in the store, and reports:
//   down now                          act-now
//   slower than its limit             today
//   flapping (up/down 4+ times in 24h) today
//   certificate expiring in 14 days   this-week (3 days or expired: act-now)
// A probe that comes back up resolves its "down" finding, which the briefing
// lists as fixed since yesterday. Uptime over 24 h, 7 d and 30 d comes from the
// stored history.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "desks/desk.h"
#include "desks/health/probe.h"

namespace ctodesk::health {

struct Settings {
  int concurrency = 64;
  std::vector<Probe> probes;
};

// Reads [health]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

struct Uptime {
  std::optional<double> day, week, month;  // fraction up, nullopt without data
};

struct ProbeStatus {
  const Probe* probe;
  ProbeResult result;
};

class HealthDesk final : public Desk {
 public:
  explicit HealthDesk(Settings settings) : settings_(std::move(settings)) {}

  Result<DeskReport> Run(DeskContext& ctx) override;

  // Probes everything once and records the results (what `health check` does).
  Result<std::vector<ProbeStatus>> Check(DeskContext& ctx);
  // Findings for results already recorded (the second half of Run).
  Result<std::vector<Finding>> Assess(DeskContext& ctx, const std::vector<ProbeStatus>& statuses);

  Result<Uptime> UptimeOf(DeskContext& ctx, const std::string& name);
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::health
