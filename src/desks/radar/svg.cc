#include "desks/radar/svg.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include <fmt/format.h>

#include "core/markup.h"

namespace ctodesk::radar {

namespace {

constexpr double kCx = 270, kCy = 270;
constexpr double kRadii[] = {0, 105, 165, 220, 260};  // ring bands: adopt, trial, assess, hold
const char* kRingFill[] = {"#2e7d3233", "#1565c02b", "#f9a82524", "#c6282822"};

}  // namespace

std::string RadarSvg(const std::vector<Blip>& blips, const std::set<std::string>& in_use,
                     const std::string& company, const std::map<std::string, Ring>& moved_from) {
  auto moved = [&](const Blip& b) -> std::string {
    auto it = moved_from.find(NormalizeName(b.name));
    return it == moved_from.end() ? "" : fmt::format(", moved from {}", RingName(it->second));
  };
  std::vector<std::string> quadrants;
  for (const Blip& b : blips) {
    if (std::find(quadrants.begin(), quadrants.end(), b.quadrant) == quadrants.end()) quadrants.push_back(b.quadrant);
  }
  std::sort(quadrants.begin(), quadrants.end());
  auto quadrant_of = [&](const Blip& b) {
    return static_cast<int>(std::find(quadrants.begin(), quadrants.end(), b.quadrant) - quadrants.begin());
  };
  // Numbered in legend order: quadrant, ring, name.
  std::vector<const Blip*> order;
  for (const Blip& b : blips) order.push_back(&b);
  std::sort(order.begin(), order.end(), [&](const Blip* a, const Blip* b) {
    return std::make_tuple(quadrant_of(*a), static_cast<int>(a->ring), a->name) <
           std::make_tuple(quadrant_of(*b), static_cast<int>(b->ring), b->name);
  });
  std::map<std::pair<int, int>, int> group_size, group_seen;
  for (const Blip* b : order) ++group_size[{quadrant_of(*b), static_cast<int>(b->ring)}];

  const int legend_lines = static_cast<int>(order.size() + quadrants.size() * 2);
  const int height = std::max(560, 40 + legend_lines * 17);
  int holds_in_use = 0;
  for (const Blip* b : order) holds_in_use += b->ring == Ring::kHold && in_use.count(NormalizeName(b->name));

  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 860 {}\" role=\"img\" "
      "aria-labelledby=\"radar-title radar-desc\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n",
      height);
  out += fmt::format("<title id=\"radar-title\">{}Technology radar</title>\n",
                     company.empty() ? "" : EscapeMarkup(company) + " ");
  out += fmt::format(
      "<desc id=\"radar-desc\">{} technologies in {} quadrants, by ring: adopt at the centre, then trial, assess, and "
      "hold at the edge. Filled dots are in use in our repositories; {} hold-ring {} in use {} drawn in red.</desc>\n",
      blips.size(), quadrants.size(), holds_in_use, holds_in_use == 1 ? "technology" : "technologies",
      holds_in_use == 1 ? "is" : "are");
  for (int r = 3; r >= 0; --r) {
    out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"#8889\" stroke-width=\"1\"/>\n", kCx,
                       kCy, kRadii[r + 1], kRingFill[r]);
  }
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#8889\"/>\n", kCx - kRadii[4], kCy,
                     kCx + kRadii[4]);
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#8889\"/>\n", kCx, kCy - kRadii[4],
                     kCy + kRadii[4]);
  for (int r = 0; r < 4; ++r) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"currentColor\" opacity=\".6\" font-size=\"10\" "
                       "text-anchor=\"middle\">{}</text>\n",
                       kCx, kCy - kRadii[r + 1] + 12, RingName(static_cast<Ring>(r)));
  }
  // Quadrant names in the corners: 0 top right, 1 top left, 2 bottom left, 3 bottom right.
  const double qx[] = {kCx + kRadii[4], kCx - kRadii[4], kCx - kRadii[4], kCx + kRadii[4]};
  const double qy[] = {18, 18, 2 * kCy - 6, 2 * kCy - 6};
  const char* anchor[] = {"end", "start", "start", "end"};
  for (size_t q = 0; q < quadrants.size(); ++q) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"currentColor\" font-weight=\"600\" text-anchor=\"{}\">{}</text>\n",
                       qx[q], qy[q], anchor[q], EscapeMarkup(quadrants[q]));
  }
  // Blips.
  int number = 0;
  for (const Blip* b : order) {
    ++number;
    const int q = quadrant_of(*b);
    const int r = static_cast<int>(b->ring);
    const int n = group_size[{q, r}];
    const int i = group_seen[{q, r}]++;
    const double start = q * std::numbers::pi / 2;  // counter-clockwise from the right
    const double angle = start + (std::numbers::pi / 2) * (0.08 + 0.84 * (i + 0.5) / n);
    const double inner = kRadii[r], outer = kRadii[r + 1];
    const double radius = inner + (outer - inner) * (n > 3 ? (i % 2 ? 0.7 : 0.35) : 0.55);
    const double x = kCx + std::cos(angle) * std::max(radius, 18.0);
    const double y = kCy - std::sin(angle) * std::max(radius, 18.0);
    const bool used = in_use.count(NormalizeName(b->name)) > 0;
    const bool alarm = used && b->ring == Ring::kHold;
    const char* colour = alarm ? "#c62828" : "#37474f";
    out += fmt::format("<g><title>{}. {} ({}, {}){}{}{}</title>", number, EscapeMarkup(b->name), RingName(b->ring),
                       EscapeMarkup(b->quadrant), used ? ", in use" : "", b->is_new ? ", new" : "", moved(*b));
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"9\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>",
                       x, y, used ? colour : "none", colour);
    if (b->is_new) {
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"12.5\" fill=\"none\" stroke=\"{}\" "
                         "stroke-dasharray=\"3 2\"/>",
                         x, y, colour);
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"9\" font-weight=\"700\" "
                       "fill=\"{}\">{}</text></g>\n",
                       x, y + 3, used ? "#ffffff" : colour, number);
  }
  // Legend.
  double ly = 24;
  number = 0;
  for (size_t q = 0; q < quadrants.size(); ++q) {
    out += fmt::format("<text x=\"560\" y=\"{}\" fill=\"currentColor\" font-weight=\"600\">{}</text>\n", ly,
                       EscapeMarkup(quadrants[q]));
    ly += 17;
    for (const Blip* b : order) {
      if (quadrant_of(*b) != static_cast<int>(q)) continue;
      ++number;
      const bool used = in_use.count(NormalizeName(b->name)) > 0;
      const bool alarm = used && b->ring == Ring::kHold;
      out += fmt::format("<text x=\"566\" y=\"{}\" fill=\"{}\">{}. {} <tspan opacity=\".65\">{}{}{}{}</tspan></text>\n",
                         ly, alarm ? "#c62828" : "currentColor", number, EscapeMarkup(b->name), RingName(b->ring),
                         used ? ", in use" : "", b->is_new ? ", new" : "", moved(*b));
      ly += 17;
    }
    ly += 17;
  }
  out += "</svg>";
  return out;
}

}  // namespace ctodesk::radar
