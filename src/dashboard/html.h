// The dashboard's HTML pages, rendered on the server from view.h's data.
// Every string that came from a desk, a config or a user is escaped; pages
// carry no inline script or style (the server sends a Content-Security-Policy
// of default-src 'self'), load /static/app.css and /static/app.js, and draw
// charts as inline SVG with <title> and <desc> for screen readers.
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dashboard/view.h"

namespace ctodesk::dashboard {

// Who is looking, and what they may do.
struct PageContext {
  std::string user;  // empty: not logged in
  std::string role;  // "admin", "read" or empty
  std::string csrf;  // the session's CSRF token, for action forms
  bool login_enabled = true;  // accounts exist
  bool CanAct() const { return role == "admin" && !csrf.empty(); }
  std::vector<std::string> desks;  // for the navigation
  std::string flash;  // a one-line message shown at the top ("Key revoked.")
};

struct BriefPage {
  std::int64_t offset = 0;
  std::int64_t limit = 100;
  int refresh_seconds = 30;  // live refresh period (?refresh=N, 2..3600)
};

std::string Escape(std::string_view s);
// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view s);

std::string RenderBriefPage(const BriefView& view, const BriefFilter& filter, const BriefPage& page,
                            const PageContext& ctx);
std::string RenderDeskPage(const DeskView& view, const PageContext& ctx);
std::string RenderLoginPage(const PageContext& ctx, std::string_view error, std::string_view back);
// A short page for errors and refusals: "403 Forbidden" and why.
std::string RenderMessagePage(const PageContext& ctx, std::string_view heading,
                              std::string_view message);

// Inline SVG charts (exposed for tests).
std::string UptimeStripSvg(const SubjectHistory& h, std::string_view id);
std::string SparklineSvg(const std::vector<CheckRecord>& recent, std::string_view what,
                         std::string_view unit, std::string_view id);

// The static files of web/ (app.css, app.js, icon.svg), compiled in by
// cmake/embed.cmake.
std::string_view StyleSheet();
std::string_view Script();
std::string_view IconSvg();

}  // namespace ctodesk::dashboard
