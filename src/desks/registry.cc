// The desk table: one line per desk. Order is the order desks run in.
#include <algorithm>

#include "desks/desk.h"
#include "desks/health/health.h"

namespace ctodesk {

namespace {

constexpr DeskInfo kDesks[] = {
    {"health", "Is everything ticking over? HTTP(S), TCP, TLS expiry and DNS probes",
     &health::Configure},
};

}  // namespace

std::span<const DeskInfo> AllDesks() { return kDesks; }

const DeskInfo* FindDesk(std::string_view name) {
  auto it = std::find_if(std::begin(kDesks), std::end(kDesks),
                         [&](const DeskInfo& d) { return d.name == name; });
  return it == std::end(kDesks) ? nullptr : &*it;
}

}  // namespace ctodesk
