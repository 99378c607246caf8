// Shared by the commands that print a briefing: pick the renderer, write to
// stdout or (atomically) to a file.
#pragma once

#include <string>

#include "core/briefing.h"
#include "core/error.h"
#include "report/report.h"

namespace ctodesk::cli {

// Renders in `format`; colour for the terminal form only when `tty`.
std::string Render(const Briefing& b, ReportFormat format, bool tty);
// Writes to `path` via a temporary file, fsync and rename, so a reader never
// sees half. `owner_only`: mode 0600 from the start (files holding new keys).
Result<void> WriteFileAtomically(const std::string& path, const std::string& text,
                                 bool owner_only = false);
// True when stdout is a terminal and NO_COLOR is not set.
bool StdoutWantsColor();

}  // namespace ctodesk::cli
