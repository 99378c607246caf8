#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "cli/cli.h"

namespace ctodesk::cli {

void AddCommonOptions(CLI::App& cmd, CommonOptions& options) {
  cmd.add_option("-c,--config", options.config, "Config file")->capture_default_str();
  cmd.add_option("--now", options.now,
                 "Run as if it were this instant (2026-11-27T08:00:00Z), for reproducible runs");
}

Result<std::unique_ptr<Clock>> MakeClock(const std::string& now) {
  if (now.empty()) return std::unique_ptr<Clock>(std::make_unique<SystemClock>());
  auto t = ParseTime(now);
  if (!t) {
    return Fail(Error::Invalid(fmt::format(
        "--now: expected a time such as 2026-11-27T08:00:00Z or 2026-11-27, got \"{}\"", now)));
  }
  return std::unique_ptr<Clock>(std::make_unique<FixedClock>(*t));
}

Result<Session> OpenSession(const CommonOptions& options) {
  auto clock = MakeClock(options.now);
  if (!clock) return Fail(clock.error());
  auto setup = LoadSetup(options.config);
  if (!setup) return Fail(setup.error());
  auto store = OpenSqliteStore(setup->store_path);
  if (!store) return Fail(store.error());
  return Session{std::move(*setup), std::move(*store), std::move(*clock)};
}

int PrintError(const Error& e) {
  std::istringstream lines(e.message);
  std::string line;
  while (std::getline(lines, line)) fmt::print(stderr, "ctodesk: {}\n", line);
  return kExitUsage;
}

}  // namespace ctodesk::cli
