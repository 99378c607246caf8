#include "cli/render.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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

Result<void> WriteFileAtomically(const std::string& path, const std::string& text, bool owner_only) {
  std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, owner_only ? 0600 : 0644);
  if (fd < 0) return Fail(Error::Io(fmt::format("{}: cannot write: {}", path, std::strerror(errno))));
  if (owner_only) ::fchmod(fd, 0600);  // an older .tmp keeps its mode through O_TRUNC
  bool ok = true;
  for (size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    return Fail(Error::Io(fmt::format("{}: cannot write", path)));
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
