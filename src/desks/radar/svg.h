// Draws the company's radar as a self-contained SVG (no scripts, no external
// fonts or images): four rings (adopt at the centre), up to four quadrants,
// one numbered dot per technology with a <title> tooltip, a legend, and a
// <title>/<desc> for screen readers. Technologies in use in the inventory
// are filled; hold-ring ones in use are drawn in red. Pure, thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "desks/radar/radar_file.h"

namespace ctodesk::radar {

// `in_use`: NormalizeName of each blip used by some repository.
// `moved_from`: NormalizeName -> the ring a blip recently moved from (shown
// in its tooltip and the legend).
std::string RadarSvg(const std::vector<Blip>& blips, const std::set<std::string>& in_use,
                     const std::string& company, const std::map<std::string, Ring>& moved_from = {});

}  // namespace ctodesk::radar
