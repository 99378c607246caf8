#include "cli/render.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace ctodesk::cli {

std::string Render(const Briefing& b, ReportFormat format, bool tty) {
  switch (format) {
    case ReportFormat::kMarkdown: return RenderMarkdown(b);
    case ReportFormat::kJson: return RenderJson(b);
    case ReportFormat::kHtml: return RenderHtml(b);
    case ReportFormat::kTerminal: break;
  }
  return RenderTerminal(b, {.color = tty, .width = 100});
}

Result<void> WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", path)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot write: {}", path, ec.message())));
  return {};
}

bool StdoutWantsColor() {
  const char* no_color = std::getenv("NO_COLOR");
  return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

}  // namespace ctodesk::cli
