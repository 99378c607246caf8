// The dashboard's JSON API and Prometheus metrics, from view.h's data.
// Documented in docs/api.md. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "dashboard/view.h"
#include "desks/keys/guard.h"

namespace ctodesk::dashboard {

// GET /api/brief: one page of the (filtered) briefing. `offset` counts
// findings; the answer carries next_cursor (null on the last page).
std::string BriefJson(const BriefView& view, const BriefFilter& filter, std::int64_t offset,
                      std::int64_t limit);
// GET /api/desks: freshness of every desk.
std::string DesksJson(const std::vector<DeskFreshness>& desks, TimePoint now);
// GET /api/desks/<desk>/findings
std::string DeskFindingsJson(const DeskView& view);
// GET /api/desks/<desk>/history: runs, one page of subjects with daily
// cells and recent checks, and for keys the keys and the audit trail.
std::string DeskHistoryJson(const DeskView& view);

struct MetricsInput {
  std::vector<std::string> desks;  // configured
  std::vector<Finding> open;
  std::vector<DeskRun> latest;
  std::vector<DeskRunTotals> totals;
  std::optional<keys::GuardStats> guard;
};
// GET /metrics, Prometheus text exposition format 0.0.4.
std::string RenderMetrics(const MetricsInput& in);

}  // namespace ctodesk::dashboard
