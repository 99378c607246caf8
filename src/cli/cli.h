// The command line: a table of subcommands (name, one-line help, how to add
// it), flag parsing, and one library call per handler. Only this folder
// decides exit codes: 0 fine, 1 findings at or above --fail-on (or a failed
// check), 2 usage, config or input error.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "brief/brief.h"
#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace ctodesk::cli {

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitUsage = 2;

// Options every command that reads the config takes.
struct CommonOptions {
  std::string config = "ctodesk.toml";
  std::string now;  // --now: run as if at this instant
};
void AddCommonOptions(CLI::App& cmd, CommonOptions& options);

// Checked objects, built before any work starts so bad input fails first.
struct Session {
  Setup setup;
  std::unique_ptr<Store> store;
  std::unique_ptr<Clock> clock;
};
Result<Session> OpenSession(const CommonOptions& options);
Result<std::unique_ptr<Clock>> MakeClock(const std::string& now);

// Prints "ctodesk: <message>" (each line) to stderr; returns kExitUsage.
int PrintError(const Error& e);

// Where a handler leaves its exit code.
struct Outcome {
  int exit_code = kExitOk;
};

// Each adds one subcommand (and its own subcommands) to `app`.
void AddInitCommand(CLI::App& app, Outcome& out);
void AddBriefCommand(CLI::App& app, Outcome& out);
void AddDemoCommand(CLI::App& app, Outcome& out);
void AddHealthCommand(CLI::App& app, Outcome& out);
void AddKeysCommand(CLI::App& app, Outcome& out);
void AddIncidentCommand(CLI::App& app, Outcome& out);
void AddServeCommand(CLI::App& app, Outcome& out);
void AddReleasesCommand(CLI::App& app, Outcome& out);
void AddDeadlinesCommand(CLI::App& app, Outcome& out);
void AddKnowledgeCommand(CLI::App& app, Outcome& out);
void AddLeaksCommand(CLI::App& app, Outcome& out);
void AddBackupsCommand(CLI::App& app, Outcome& out);
void AddSuppliersCommand(CLI::App& app, Outcome& out);
void AddFeedbackCommand(CLI::App& app, Outcome& out);
void AddRadarCommand(CLI::App& app, Outcome& out);
void AddUsersCommand(CLI::App& app, Outcome& out);

}  // namespace ctodesk::cli
