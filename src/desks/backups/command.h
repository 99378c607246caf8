// Runs a user's command (a verify command or a drill check) through /bin/sh
// with a time limit. "{file}" and "{dir}" in the command are replaced by the
// shell-quoted backup file and restore folder, which are also exported as
// CTODESK_BACKUP_FILE and CTODESK_RESTORE_DIR. Output is not printed: only its
// last line is kept, for the error message. The command runs in its own
// process group, killed whole when the time is up.
//
// Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"

namespace ctodesk::backups {

struct CommandSpec {
  std::string command;
  std::filesystem::path file;  // may be empty
  std::filesystem::path dir;   // may be empty; also the working directory when set
  Duration timeout = std::chrono::hours(1);
  std::vector<std::string> env;  // extra "NAME=value" entries, replacing inherited ones
};

struct CommandResult {
  bool ok = false;       // started and exited 0 in time
  int exit_code = -1;    // -1 when killed, timed out or never started
  bool timed_out = false;
  std::string last_line;  // last non-empty line of stdout+stderr, at most 300 bytes
  std::string error;      // "exited 3: <last line>", "timed out after 5s", ...
  Duration took{};
};

CommandResult RunCommand(const CommandSpec& spec);

// 'it'\''s' style quoting for /bin/sh.
std::string ShellQuote(const std::string& s);

}  // namespace ctodesk::backups
