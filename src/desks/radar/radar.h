// The radar desk: are we building on the right technology? On each run it
// reads the inventory of the configured repositories (inventory.h), the
// company's radar (radar_file.h; from [radar] radar_file when set, which is
// re-read and its ring moves recorded, else as last imported with `ctodesk
// radar import`), the end-of-life table (eol.h, with [[radar.eol]]
// overrides), and takes each growth measure (growth.h), recording it. It
// reports:
//   hold-ring technology used by a repository changed in the last 90 days  this-week
//   end of life passed                                                      today
//   end of life within 90 days                                              this-week
//   a measure projected to cross its threshold within 6 months (or past it) this-week
//   technology in use that the radar does not know (assess it)              fyi
//   the same dependency at three or more major versions across repos        fyi
//   a manifest that cannot be read (file and line)                          fyi
//   a repository folder or a measure that cannot be read                    today
// and draws the radar as an SVG figure for the HTML briefing.
//
// Not thread-safe: one run at a time per store.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "desks/desk.h"
#include "desks/radar/eol.h"
#include "desks/radar/growth.h"
#include "desks/radar/inventory.h"
#include "desks/radar/radar_file.h"

namespace ctodesk::radar {

struct Settings {
  std::vector<RepoSource> repos;
  // A folder whose immediate subfolders are each a repository (named after
  // the subfolder), listed at every run: a checkout folder of many repos
  // ([radar] repos_from; at most one).
  std::vector<std::filesystem::path> repos_from;
  std::optional<std::filesystem::path> radar_file;
  std::vector<EolEntry> eol_overrides;
  std::vector<Measure> measures;
  int active_days = 90;      // a repository changed within this is "active"
  int eol_warn_days = 90;    // end of life this close is this-week
  int horizon_days = 183;    // a measure crossing within this is this-week
  int history_days = 365;    // samples older than this are not fitted
  int max_depth = 8;         // folders deep to look for manifests
};

// Reads [radar]; records config errors on the table. Exposed for tests.
Settings ReadSettings(ConfigTable& section);

// One measure's state after a run.
struct MeasureStatus {
  const Measure* measure = nullptr;
  std::optional<double> latest;
  std::string error;  // when taking it failed this time
  std::vector<Sample> samples;
  std::optional<GrowthFit> fit;
  std::optional<TimePoint> crossing;
};

// Findings from an inventory and a radar, at `now`. Pure; exposed for tests.
std::vector<Finding> AssessInventory(const Inventory& inv, const std::vector<Blip>& radar,
                                     const std::vector<EolEntry>& eol, const Settings& settings, TimePoint now);
std::vector<Finding> AssessMeasures(const std::vector<MeasureStatus>& measures, const Settings& settings,
                                    TimePoint now);
// The radar blip a technology is, if any (matched by normalized name,
// product, or the last part of a Maven/npm-scope/image name).
const Blip* MatchBlip(const Technology& t, const std::vector<Blip>& radar);

class RadarDesk final : public Desk {
 public:
  explicit RadarDesk(Settings settings) : settings_(std::move(settings)) {}

  Result<DeskReport> Run(DeskContext& ctx) override;

  // Reads radar_file (when set) and records its changes; returns the radar.
  Result<std::vector<Blip>> LoadRadar(DeskContext& ctx);
  // Takes every measure, records it, fits the history.
  Result<std::vector<MeasureStatus>> Measure(DeskContext& ctx);
  // The configured repositories plus the subfolders of repos_from, then
  // their inventory.
  std::vector<RepoSource> Repositories() const;
  Inventory ReadRepos() const;
  std::vector<EolEntry> EolTable() const { return MergeEol(BuiltinEol(), settings_.eol_overrides); }

  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::radar
