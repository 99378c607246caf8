// The keys desk: who holds which API key, was a key used while exposed, who
// is over-pulling. Each run it ingests new lines of the configured gateway
// access logs (resuming where it stopped; detection rules run over them and
// suspend a key that trips one), checks the audit chain, and reports:
//   a suspended key (an automatic stop, or by hand)   act-now
//   the audit chain is broken                         act-now
//   a key expiring within `expiry_warning` (14 days)  this-week
//   a key not used for `unused_after` (90 days)       fyi
//   malformed lines in an access log                  fyi
//
// The registry itself is in registry.h, the guard in guard.h. Not
// thread-safe (uses the store).
#pragma once

#include <memory>

#include "desks/desk.h"
#include "desks/keys/settings.h"

namespace ctodesk::keys {

class KeysDesk final : public Desk {
 public:
  explicit KeysDesk(Settings settings) : settings_(std::move(settings)) {}
  Result<DeskReport> Run(DeskContext& ctx) override;
  const Settings& settings() const { return settings_; }

 private:
  Settings settings_;
};

std::unique_ptr<Desk> Configure(ConfigTable& section);

// Appends a "limits" audit entry with the plans and object patterns when they
// differ from the ones last recorded (the desk and `ctodesk serve` call it on
// start), so each change of limits is in the audit trail. Returns whether it
// recorded one.
Result<bool> RecordLimitsIfChanged(Store& store, const Settings& settings, std::string_view actor,
                                   TimePoint now);

}  // namespace ctodesk::keys
