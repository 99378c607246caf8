// Draws the company's radar as a self-contained SVG (no scripts, no external
// fonts or images): four rings (adopt at the centre), up to four quadrants,
// one numbered dot per technology with a <title> tooltip, a legend, and a
// <title>/<desc> for screen readers. Technologies in use in the inventory
// are filled; hold-ring ones in use are drawn in red. Pure, thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "desks/radar/radar_file.h"

namespace ctodesk::radar {

// `in_use`: NormalizeName of each blip used by some repository.
std::string RadarSvg(const std::vector<Blip>& blips, const std::set<std::string>& in_use,
                     const std::string& company);

}  // namespace ctodesk::radar
