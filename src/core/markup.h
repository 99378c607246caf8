// Escaping text for HTML and SVG/XML: element content and quoted attribute
// values. Shared by every renderer that writes markup (the HTML briefing, the
// CEO summary, the dashboard, incident reports, the desks' SVG figures).
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ctodesk {

// & < > " ' become entities; C0 control characters other than tab and newline
// (and DEL) are dropped: HTML and XML do not allow them and they carry
// nothing a reader needs.
std::string EscapeMarkup(std::string_view s);

}  // namespace ctodesk
