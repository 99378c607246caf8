// The Markdown briefing, for chat channels and tickets. It aims at
// CommonMark/GFM (GitHub, GitLab, Mattermost, Jira's Markdown import) and
// stays readable as plain text in Slack, so it uses headings, bullets, bold
// and code spans only: no tables, no HTML.
//
// User text is escaped so a finding cannot reshape the message: a title of
// "# ALL OK" must not become a heading, "*" must not start emphasis, and a
// "<" must not open raw HTML. Escaping is kept to what actually changes
// rendering, because Slack shows backslashes literally; an underscore inside
// a word (latency_ms) is left alone for that reason.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "report/phrases.h"
#include "report/report.h"

namespace ctodesk {
namespace {

using report_internal::kSeverities;

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// True when `s` at `i` starts an HTML entity such as "&amp;" or "&#42;",
// which Markdown would decode instead of showing.
bool StartsEntity(std::string_view s, size_t i) {
  size_t j = i + 1;
  if (j < s.size() && s[j] == '#') ++j;
  size_t name_start = j;
  while (j < s.size() && IsAlnum(s[j])) ++j;
  return j > name_start && j < s.size() && s[j] == ';';
}

// Whitespace runs (newlines included) become one space and other control
// characters go, so user text always stays inside the bullet it was put in.
std::string OneLine(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (u < 0x20 || u == 0x7F) continue;
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// User text as inline Markdown that renders as the same text.
std::string Escape(std::string_view raw) {
  std::string s = OneLine(raw);
  std::string out;
  out.reserve(s.size() + 8);

  // Block syntax only matters at the start, where text follows "- ".
  size_t i = 0;
  if (!s.empty() && std::strchr("#>-+=", s[0]) != nullptr) {
    out += '\\';
    out += s[0];
    i = 1;
  } else {
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits > 0 && digits < s.size() && (s[digits] == '.' || s[digits] == ')')) {
      out.append(s, 0, digits);
      out += '\\';
      i = digits;
    }
  }

  for (; i < s.size(); ++i) {
    char c = s[i];
    bool escape = false;
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '[':
      case ']':
      case '<':
      case '>':
      case '|':
      case '~': escape = true; break;
      case '_':
        // Intraword underscores never start emphasis in CommonMark.
        escape = !(i > 0 && IsAlnum(s[i - 1]) && i + 1 < s.size() && IsAlnum(s[i + 1]));
        break;
      case '#':
        // A closing "#" run would be eaten by a heading; "#123" autolinks.
        escape = i == 0 || s[i - 1] == ' ';
        break;
      case '&': escape = StartsEntity(s, i); break;
      default: break;
    }
    if (escape) out += '\\';
    out += c;
  }
  return out;
}

// Text shown verbatim (paths, URLs, hostnames): a code span whose fence is
// longer than any backtick run inside it, as CommonMark requires.
std::string Code(std::string_view raw) {
  std::string s = OneLine(raw);
  if (s.empty()) return "-";
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  bool pad = s.front() == '`' || s.back() == '`';
  return fmt::format("{0}{1}{2}{1}{0}", fence, pad ? " " : "", s);
}

void WriteFinding(std::string& out, const Finding& f, TimePoint now) {
  out += fmt::format("- **{}** ({})\n", Escape(f.title), report_internal::RunningPhrase(f, now));
  if (!f.detail.empty()) out += fmt::format("  - {}\n", Escape(f.detail));
  if (!f.action.empty()) out += fmt::format("  - **Action:** {}\n", Escape(f.action));
  out += fmt::format("  - Desk: {} · Subject: {}\n", Escape(f.desk), Code(f.subject));
  if (!f.evidence.empty()) {
    out += "  - Evidence:";
    bool first = true;
    for (const auto& [key, value] : f.evidence) {
      out += fmt::format("{} {}: {}", first ? "" : ";", Escape(key), Code(value));
      first = false;
    }
    out += '\n';
  }
}

}  // namespace

std::string RenderMarkdown(const Briefing& b) {
  std::string out;
  std::string who = b.company.empty() ? "" : Escape(b.company) + " ";
  out += fmt::format("# {}briefing, {}\n\n", who, FormatTime(b.generated_at));
  out += fmt::format("**{}**\n", Escape(SummaryLine(b)));

  for (Severity s : kSeverities) {
    int count = report_internal::CountSeverity(b, s);
    if (count == 0) continue;
    out += fmt::format("\n## {} ({})\n\n", report_internal::SeverityHeading(s), count);
    for (const Finding& f : b.findings) {
      if (f.severity == s) WriteFinding(out, f, b.generated_at);
    }
  }

  if (!b.resolved.empty()) {
    out += fmt::format("\n## Resolved since yesterday ({})\n\n", b.resolved.size());
    for (const Finding& f : b.resolved) {
      TimePoint at = report_internal::ResolvedAt(f, b);
      out += fmt::format("- {} ({}: {}), resolved {} after {}\n", Escape(f.title), Escape(f.desk),
                         Code(f.subject), FormatTime(at), HumanDuration(at - f.first_seen));
    }
  }

  if (!b.desks.empty()) {
    out += "\n## Desks\n\n";
    for (const DeskStatus& d : b.desks) {
      std::string stats =
          fmt::format("{} checked, {}", d.checked, report_internal::FormatMillis(d.duration_ms));
      if (d.ok) {
        out += fmt::format("- {}: ok, {}\n", Escape(d.name), stats);
      } else {
        std::string why = d.error.empty() ? "" : ": " + Escape(d.error);
        out += fmt::format("- **{}: FAILED**, {}{}\n", Escape(d.name), stats, why);
      }
    }
  }
  return out;
}

}  // namespace ctodesk
