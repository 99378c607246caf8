// The desk table: one line per desk. Order is the order desks run in.
#include <algorithm>

#include "desks/desk.h"
#include "desks/backups/backups.h"
#include "desks/deadlines/deadlines.h"
#include "desks/feedback/feedback.h"
#include "desks/health/health.h"
#include "desks/incidents/incidents.h"
#include "desks/knowledge/knowledge.h"
#include "desks/keys/keys.h"
#include "desks/leaks/leaks.h"
#include "desks/radar/radar.h"
#include "desks/releases/releases.h"
#include "desks/suppliers/suppliers.h"

namespace ctodesk {

namespace {

constexpr DeskInfo kDesks[] = {
    {"health", "Is everything ticking over? HTTP(S), TCP, TLS expiry and DNS probes",
     &health::Configure},
    {"releases", "What ships today / this week, and what slipped? Config, ICS calendar, git tags",
     &releases::Configure},
    {"backups", "Are backups there, fresh, the right size, and restorable?", &backups::Configure},
    {"leaks", "Did a secret get into code or git history?", &leaks::Configure},
    {"keys", "Who holds which API key; was a key used while exposed; who is over-pulling?",
     &keys::Configure},
    {"incidents", "Which incidents are open, and which leaked key has none yet?", &incidents::Configure},
    {"knowledge", "Where do we depend on one or two people? Truck factor from git history",
     &knowledge::Configure},
    {"deadlines", "Which promises will we miss, and what date can we honestly give?",
     &deadlines::Configure},
    {"suppliers", "Which third-party feeds are late, missing or bad? Drop folders, schedule, rules",
     &suppliers::Configure},
    {"feedback", "What are customers telling support, and what is rising? Ticket exports",
     &feedback::Configure},
    {"radar", "Are we on the right technology? Inventory, radar rings, end of life, growth",
     &radar::Configure},
};

}  // namespace

std::span<const DeskInfo> AllDesks() { return kDesks; }

const DeskInfo* FindDesk(std::string_view name) {
  auto it = std::find_if(std::begin(kDesks), std::end(kDesks),
                         [&](const DeskInfo& d) { return d.name == name; });
  return it == std::end(kDesks) ? nullptr : &*it;
}

}  // namespace ctodesk
