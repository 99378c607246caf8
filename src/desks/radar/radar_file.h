// The company's technology radar, in the file format of ThoughtWorks' Build
// Your Own Radar: CSV with the header name,ring,quadrant,isNew,description
// (a "status" column — New, Moved In, Moved Out, No Change — is accepted in
// place of isNew), or a JSON array of objects with the same keys. Rings are
// adopt, trial, assess and hold; at most four quadrants.
//
// The radar lives in the store as ring history: one CheckRecord (desk
// "radar", subject "ring:<name>") each time a technology is added, moves
// ring, changes, or leaves the radar, so its moves over time can be shown.
//
// Parsing and writing are pure and thread-safe; the store functions follow
// the Store's rules (one thread at a time).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace ctodesk::radar {

enum class Ring { kAdopt = 0, kTrial = 1, kAssess = 2, kHold = 3 };
std::string_view RingName(Ring r);  // "adopt", ...
std::optional<Ring> ParseRing(std::string_view name);  // case-insensitive

struct Blip {
  std::string name;
  Ring ring = Ring::kAssess;
  std::string quadrant;
  bool is_new = false;
  std::string description;
  bool operator==(const Blip&) const = default;
};

// The key a technology is matched by: lower-case letters, digits, '+' and
// '#' ("Node.js" -> "nodejs", "PostgreSQL" -> "postgresql", "C++" -> "c++").
std::string NormalizeName(std::string_view name);

// Parse a radar file; errors name `source`, the line (CSV) or entry (JSON)
// and the field. JSON when the text starts with '['.
Result<std::vector<Blip>> ParseRadar(std::string_view text, std::string_view source);
Result<std::vector<Blip>> ParseRadarCsv(std::string_view text, std::string_view source);
Result<std::vector<Blip>> ParseRadarJson(std::string_view text, std::string_view source);
std::string RadarToCsv(const std::vector<Blip>& blips);
std::string RadarToJson(const std::vector<Blip>& blips);

// One step of a technology's ring history.
struct RingMove {
  TimePoint at{};
  std::optional<Ring> ring;  // nullopt: left the radar
  Blip blip;
};

struct RadarChange {
  int added = 0, moved = 0, changed = 0, removed = 0, unchanged = 0;
};

// Records `blips` as the radar at `now`: appends history for what is new,
// moved ring, or changed quadrant/description/isNew; with `replace`, entries
// not in `blips` leave the radar. One transaction.
Result<RadarChange> RecordRadar(Store& store, const std::vector<Blip>& blips, TimePoint now, bool replace);
// The radar as recorded, sorted by quadrant then ring then name.
Result<std::vector<Blip>> CurrentRadar(Store& store);
// Every recorded step of one technology (by any spelling of its name), oldest first.
Result<std::vector<RingMove>> RingHistory(Store& store, std::string_view name);

}  // namespace ctodesk::radar
