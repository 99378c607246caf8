// The desk interface. A desk reads its own [section] of ctodesk.toml (at
// configure time, through its registry entry), then on each run looks at its
// sources, records what it measured in the store, and returns findings.
//
// A desk may fail by returning an Error or by throwing: the briefing turns
// either into one act-now finding about the desk and carries on. Adding a desk
// is one folder under desks/ and one line in desks/registry.cc.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/briefing.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/finding.h"
#include "store/store.h"

namespace ctodesk {

struct DeskContext {
  Store& store;
  const Clock& clock;
  std::filesystem::path base_dir;  // the config file's folder
};

struct DeskReport {
  std::vector<Finding> findings;
  std::int64_t checked = 0;  // how many things were looked at
  std::vector<Figure> figures;  // pictures for the HTML briefing (optional)
};

class Desk {
 public:
  virtual ~Desk() = default;
  virtual Result<DeskReport> Run(DeskContext& ctx) = 0;
};

struct DeskInfo {
  std::string_view name;     // its config section and CLI command: "health"
  std::string_view summary;  // one line for --help
  // Reads the desk's table. Records any config errors on the table and may
  // then return nullptr; the caller reports the errors.
  std::unique_ptr<Desk> (*configure)(ConfigTable& section);
};

// Every desk ctodesk knows, in briefing order.
std::span<const DeskInfo> AllDesks();
const DeskInfo* FindDesk(std::string_view name);

}  // namespace ctodesk
