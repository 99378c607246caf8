// The briefing flow, shared by `ctodesk brief`, `ctodesk demo` and the server:
// load the config, open the store, run the desks, keep findings' history,
// rank. Each step is a function so callers can compose them.
//
// Not thread-safe: one briefing at a time per store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alerts/alerts.h"
#include "core/briefing.h"
#include "core/clock.h"
#include "core/error.h"
#include "desks/desk.h"
#include "store/store.h"

namespace ctodesk {

struct ConfiguredDesk {
  std::string name;
  std::unique_ptr<Desk> desk;
};

// Everything ctodesk.toml says, checked.
struct Setup {
  std::filesystem::path config_path;
  std::filesystem::path base_dir;    // the config file's folder
  std::string company = "Our company";
  std::string time_zone = "UTC";     // [company] time_zone: reports show times in it too
  std::filesystem::path store_path;  // default: <base_dir>/.ctodesk/desk.db
  std::vector<AlertTarget> alerts;
  std::string serve_listen = "127.0.0.1:8750";  // [serve] listen: `ctodesk serve`
  std::vector<ConfiguredDesk> desks;  // only the desks that have a section
};

// Reads and checks the whole config. On any problem returns one Error whose
// message lists every problem, one per line, each naming file:line:column and
// the key.
Result<Setup> LoadSetup(const std::filesystem::path& config_path);
// The same, from text (for tests); `display_name` appears in messages.
Result<Setup> LoadSetupFromString(std::string_view text, const std::string& display_name,
                                  const std::filesystem::path& base_dir);

struct BriefOptions {
  std::vector<std::string> only;  // desk names; empty means all configured
};

// Runs the desks and merges their findings with the store's history: a
// finding seen before keeps its first_seen; an open finding of a desk that ran
// and no longer reports it is resolved. A desk that fails becomes one act-now
// finding about itself, and its earlier findings stay open (unknown is not
// fixed). Fails only when the store does.
Result<Briefing> RunBriefing(Setup& setup, Store& store, const Clock& clock,
                             const BriefOptions& options = {});

}  // namespace ctodesk
