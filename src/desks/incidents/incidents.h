// The incidents desk: what the briefing says about incidents (procedure.h
// runs them). Each run:
//   an open incident                                       act-now until closed
//   one of our keys found leaked with no incident after    act-now
//     `unhandled_leak_after` (1 h)
//
// Config (optional; the desk also runs, with these defaults, whenever [leaks]
// or [keys] is configured):
//   [incidents]
//   objects = ["/customers/{id}"]   # what a data-access incident counts;
//                                   # default: any numeric or UUID path segment
//   unhandled_leak_after = "1h"
// Times in reports are in UTC and in [company] time_zone.
//
// Not thread-safe (uses the store).
#pragma once

#include <memory>

#include "desks/desk.h"
#include "desks/incidents/procedure.h"

namespace ctodesk::incidents {

Settings ReadSettings(ConfigTable& section);

class IncidentsDesk final : public Desk {
 public:
  explicit IncidentsDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

}  // namespace ctodesk::incidents
