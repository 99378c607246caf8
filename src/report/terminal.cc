// The terminal briefing: what a CTO reads first thing, in a shell or in a cron
// mail. Two promises shape this file:
//
//  - No line is wider than `width` columns, so nothing wraps mid-word in a
//    narrow pane or a mail client. Every line, fixed text included, goes
//    through Wrap(), which measures display columns (not bytes) and breaks
//    over-long words such as URLs rather than letting them overflow.
//  - Escape codes appear only when colour was asked for. User-supplied text
//    can contain anything (a log line with ESC in it, a commit message with a
//    carriage return), so it is cleaned of control characters before layout;
//    otherwise a finding could recolour or rewrite the CTO's terminal.
//
// Colour is applied per line after wrapping, so every line opens and closes
// its own codes and a pager showing one line alone still renders it right.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "report/phrases.h"
#include "report/report.h"

namespace ctodesk {
namespace {

using report_internal::kSeverities;

constexpr std::string_view kReset = "\x1b[0m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kCyan = "\x1b[36m";

// Indentation of the parts of a finding.
constexpr int kTitleIndent = 2;
constexpr int kBodyIndent = 6;
constexpr int kEvidenceHang = 8;

std::string SeverityColor(Severity s) {
  switch (s) {
    case Severity::kActNow: return fmt::format("{}{}", kBold, kRed);
    case Severity::kToday: return fmt::format("{}{}", kBold, kYellow);
    case Severity::kThisWeek: return fmt::format("{}{}", kBold, kCyan);
    case Severity::kFyi: return std::string(kDim);
  }
  return "";
}

std::string UpperHeading(Severity s) {
  std::string h(report_internal::SeverityHeading(s));
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// Decodes one UTF-8 code point at `i`, advancing `i`. Malformed bytes decode
// as themselves one at a time, so junk still has a width and cannot stall.
char32_t DecodeAt(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int extra = c >= 0xF8 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= s.size()) {
    ++i;
    return c;
  }
  char32_t cp = c & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) {
      ++i;
      return c;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += extra + 1;
  return cp;
}

// Columns a code point takes in a terminal. East Asian wide and emoji ranges
// take two; combining marks take none. Approximate (no full wcwidth table),
// but errs towards two, which keeps lines within the width.
int CodePointWidth(char32_t cp) {
  if (cp >= 0x0300 && cp <= 0x036F) return 0;  // combining diacritics
  if (cp == 0x200B || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F)) return 0;
  struct Range {
    char32_t lo, hi;
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
      {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
      {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
      {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
  };
  for (const Range& r : kWide) {
    if (cp >= r.lo && cp <= r.hi) return 2;
  }
  return 1;
}

int DisplayWidth(std::string_view s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) w += CodePointWidth(DecodeAt(s, i));
  return w;
}

// User text made safe to print: C0/C1 control characters and DEL become
// spaces (newlines survive as paragraph breaks), so no input can emit an
// escape sequence or move the cursor.
std::string Clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    char32_t cp = DecodeAt(s, i);
    bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
    if (cp == '\n') {
      out += '\n';
    } else if (control) {
      out += ' ';
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

// Lines of `text` (already cleaned) within `width` columns: the first indented
// by `first_indent` spaces, the rest by `rest_indent`. Breaks at spaces; a
// word longer than a whole line is cut at a code point boundary. Newlines in
// `text` start a new line.
std::vector<std::string> Wrap(std::string_view text, int width, int first_indent, int rest_indent) {
  // In a very narrow terminal, keep at least half of each line for text.
  int max_indent = std::max(0, (width - 1) / 2);
  first_indent = std::min(first_indent, max_indent);
  rest_indent = std::min(rest_indent, max_indent);

  std::vector<std::string> lines;
  std::string line(first_indent, ' ');
  int col = first_indent;
  bool line_has_text = false;
  auto new_line = [&] {
    lines.push_back(std::move(line));
    line.assign(rest_indent, ' ');
    col = rest_indent;
    line_has_text = false;
  };

  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view para = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    size_t w = 0;
    while (w < para.size()) {
      // Runs of spaces inside a line are kept (they align the desks table);
      // at a line break they are dropped.
      size_t gap_start = w;
      while (w < para.size() && para[w] == ' ') ++w;
      if (w >= para.size()) break;
      int gap = line_has_text ? static_cast<int>(w - gap_start) : 0;
      size_t end = para.find(' ', w);
      if (end == std::string_view::npos) end = para.size();
      std::string_view word = para.substr(w, end - w);
      w = end;

      int word_width = DisplayWidth(word);
      int needed = word_width + gap;
      if (col + needed <= width) {
        line.append(gap, ' ');
        line.append(word);
        col += needed;
        line_has_text = true;
        continue;
      }
      if (line_has_text) new_line();
      // Cut a word that cannot fit even on a line of its own.
      for (size_t i = 0; i < word.size();) {
        size_t start = i;
        int cw = CodePointWidth(DecodeAt(word, i));
        if (col + cw > width && line_has_text) new_line();
        line.append(word.substr(start, i - start));
        col += cw;
        line_has_text = true;
      }
    }
    // A paragraph break ends the line even if it was empty (keeps blank lines).
    new_line();
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  // Trailing spaces of indentation-only lines are noise in a terminal.
  for (std::string& l : lines) {
    while (!l.empty() && l.back() == ' ') l.pop_back();
  }
  return lines;
}

class TerminalWriter {
 public:
  explicit TerminalWriter(const TerminalOptions& options)
      : color_(options.color), width_(options.width > 0 ? options.width : 100) {}

  // Writes `text` wrapped, each line wrapped in `style` when colour is on.
  void Text(std::string_view text, int first_indent, int rest_indent, std::string_view style = {}) {
    std::string clean = Clean(text);
    // A trailing newline in user text would print as a stray blank line.
    while (!clean.empty() && (clean.back() == '\n' || clean.back() == ' ')) clean.pop_back();
    for (const std::string& l : Wrap(clean, width_, first_indent, rest_indent)) {
      size_t body = l.find_first_not_of(' ');
      if (color_ && !style.empty() && body != std::string::npos) {
        out_ += l.substr(0, body);
        out_ += style;
        out_ += l.substr(body);
        out_ += kReset;
      } else {
        out_ += l;
      }
      out_ += '\n';
    }
  }

  void Blank() { out_ += '\n'; }
  std::string Take() { return std::move(out_); }

 private:
  bool color_;
  int width_;
  std::string out_;
};

void WriteFinding(TerminalWriter& w, const Finding& f, TimePoint now) {
  w.Text(f.title, kTitleIndent, kTitleIndent + 2, kBold);
  if (!f.detail.empty()) w.Text(f.detail, kBodyIndent, kBodyIndent);
  if (!f.action.empty()) w.Text("Action: " + f.action, kBodyIndent, kBodyIndent + 8);
  std::string meta = fmt::format("{} | desk: {} | {}", f.subject.empty() ? "-" : f.subject, f.desk,
                                 report_internal::RunningPhrase(f, now));
  w.Text(meta, kBodyIndent, kBodyIndent, kDim);
  for (const auto& [key, value] : f.evidence) {
    w.Text(fmt::format("{}: {}", key, value), kBodyIndent, kEvidenceHang, kDim);
  }
}

void WriteDesks(TerminalWriter& w, const std::vector<DeskStatus>& desks) {
  size_t name_width = 0, checked_width = 0;
  for (const DeskStatus& d : desks) {
    name_width = std::max(name_width, d.name.size());
    checked_width = std::max(checked_width, fmt::formatted_size("{}", d.checked));
  }
  w.Text("DESKS", 0, 0, kBold);
  for (const DeskStatus& d : desks) {
    // Names are padded by bytes; desk names are ASCII config section names.
    std::string line =
        fmt::format("{:<{}}  {:<6}  {:>{}} checked, {}", d.name, name_width, d.ok ? "ok" : "FAILED",
                    d.checked, checked_width, report_internal::FormatMillis(d.duration_ms));
    if (!d.ok && !d.error.empty()) line += ": " + d.error;
    w.Text(line, kTitleIndent, kTitleIndent + static_cast<int>(name_width) + 2,
           d.ok ? std::string(kGreen) : fmt::format("{}{}", kBold, kRed));
  }
}

void WriteResolved(TerminalWriter& w, const Briefing& b) {
  w.Text(fmt::format("RESOLVED SINCE YESTERDAY ({})", b.resolved.size()), 0, 0,
         fmt::format("{}{}", kBold, kGreen));
  for (const Finding& f : b.resolved) {
    TimePoint at = report_internal::ResolvedAt(f, b);
    std::string open_for = HumanDuration(at - f.first_seen);
    w.Text(fmt::format("- {} ({}: {}), resolved {} after {}", f.title, f.desk, f.subject,
                       FormatTime(at), open_for),
           kTitleIndent, kTitleIndent + 2);
  }
}

}  // namespace

std::string RenderTerminal(const Briefing& b, const TerminalOptions& options) {
  TerminalWriter w(options);
  std::string who = b.company.empty() ? "" : " for " + b.company;
  w.Text(fmt::format("ctodesk briefing{}, {}", who, FormatTime(b.generated_at)), 0, 0, kBold);
  w.Text(SummaryLine(b), 0, 0);

  for (Severity s : kSeverities) {
    int count = report_internal::CountSeverity(b, s);
    if (count == 0) continue;
    w.Blank();
    w.Text(fmt::format("{} ({})", UpperHeading(s), count), 0, 0, SeverityColor(s));
    // Group by severity whatever order the caller ranked them in; within a
    // group, keep the caller's ranking.
    bool first = true;
    for (const Finding& f : b.findings) {
      if (f.severity != s) continue;
      if (!first) w.Blank();
      first = false;
      WriteFinding(w, f, b.generated_at);
    }
  }

  if (!b.resolved.empty()) {
    w.Blank();
    WriteResolved(w, b);
  }
  if (!b.desks.empty()) {
    w.Blank();
    WriteDesks(w, b.desks);
  }
  return w.Take();
}

}  // namespace ctodesk
