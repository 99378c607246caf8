// ctodesk: the library plus this main(). Commands come from one table.
#include <fmt/format.h>

#include "cli/cli.h"
#include "core/config.h"

namespace ctodesk::cli {
namespace {

struct Command {
  const char* name;
  void (*add)(CLI::App&, Outcome&);
};

constexpr Command kCommands[] = {
    {"brief", &AddBriefCommand},
    {"demo", &AddDemoCommand},
    {"init", &AddInitCommand},
    {"health", &AddHealthCommand},
    {"keys", &AddKeysCommand},
    {"incident", &AddIncidentCommand},
    {"serve", &AddServeCommand},
    {"releases", &AddReleasesCommand},
    {"deadlines", &AddDeadlinesCommand},
    {"knowledge", &AddKnowledgeCommand},
    {"leaks", &AddLeaksCommand},
    {"backups", &AddBackupsCommand},
    {"suppliers", &AddSuppliersCommand},
    {"feedback", &AddFeedbackCommand},
    {"radar", &AddRadarCommand},
    {"users", &AddUsersCommand},
};

int Main(int argc, char** argv) {
  CLI::App app{"ctodesk: everything that crosses a CTO's desk, checked every morning.\n"
               "Start with `ctodesk demo`, or `ctodesk init` to write a config."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ctodesk 0.1.0");
  Outcome outcome;
  std::vector<std::string> names;
  for (const Command& c : kCommands) {
    c.add(app, outcome);
    names.emplace_back(c.name);
  }
  // "did you mean" for a mistyped command, before CLI11's generic message.
  if (argc > 1 && argv[1][0] != '-') {
    std::string word = argv[1];
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::string message = fmt::format("unknown command \"{}\"", word);
      if (auto guess = DidYouMean(word, names)) message += fmt::format("; did you mean \"{}\"?", *guess);
      fmt::print(stderr, "ctodesk: {}\nRun `ctodesk --help` for the list of commands.\n", message);
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return outcome.exit_code;
}

}  // namespace
}  // namespace ctodesk::cli

int main(int argc, char** argv) { return ctodesk::cli::Main(argc, argv); }
