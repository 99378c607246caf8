#include <fmt/format.h>

#include "cli/cli.h"
#include "core/size.h"
#include "desks/leaks/leaks.h"
#include "desks/leaks/output.h"
#include "desks/leaks/scanner.h"

namespace ctodesk::cli {

namespace {

struct LeaksScanArgs {
  std::vector<std::string> targets;
  std::string format = "term";
  std::string since;
  bool staged = false;
  std::string baseline;
  std::string write_baseline;
  bool show_secrets = false;
  std::string config;  // optional: take allowlists and limits from [leaks]
  std::string max_blob_size;
  bool include_test_guesses = false;
};

// Checked options, built before any scanning starts.
Result<leaks::ScanOptions> Options(const LeaksScanArgs& args, std::vector<std::string>& own_prefixes) {
  leaks::ScanOptions o;
  o.progress = true;
  if (!args.config.empty()) {
    auto setup = LoadSetup(args.config);
    if (!setup) return Fail(setup.error());
    for (auto& d : setup->desks) {
      if (d.name == "leaks") {
        const auto& desk = static_cast<leaks::LeaksDesk&>(*d.desk);
        o = desk.Options();
        o.progress = true;
        own_prefixes = desk.settings().own_key_prefixes;
      }
    }
  }
  if (!args.max_blob_size.empty()) {
    auto size = ParseSize(args.max_blob_size);
    if (!size || *size <= 0) {
      return Fail(Error::Invalid(fmt::format("--max-blob-size: expected a size such as 5MiB, got \"{}\"",
                                             args.max_blob_size)));
    }
    o.max_blob_size = static_cast<std::uint64_t>(*size);
  }
  if (args.include_test_guesses) o.include_test_guesses = true;
  if (!args.since.empty()) o.since = args.since;
  if (!args.baseline.empty()) {
    auto known = leaks::ReadBaseline(args.baseline);
    if (!known) return Fail(known.error());
    o.allow_fingerprints.insert(known->begin(), known->end());
  }
  return o;
}

int RunScan(const LeaksScanArgs& args) {
  std::vector<std::string> own_prefixes;
  auto options = Options(args, own_prefixes);
  if (!options) return PrintError(options.error());
  if (args.staged && !args.since.empty()) return PrintError(Error::Invalid("--staged and --since do not go together"));
  auto scanner = leaks::Scanner::Create(own_prefixes);
  if (!scanner) return PrintError(scanner.error());
  std::vector<std::string> targets = args.targets;
  if (targets.empty()) targets.push_back(".");
  std::vector<leaks::ScanReport> reports;
  for (const std::string& t : targets) {
    auto r = args.staged ? (*scanner)->ScanStaged(t, *options) : (*scanner)->Scan(t, *options);
    if (!r) return PrintError(r.error());
    reports.push_back(std::move(*r));
  }
  if (!args.write_baseline.empty()) {
    if (auto w = leaks::WriteBaseline(args.write_baseline, reports); !w) return PrintError(w.error());
  }
  if (args.format == "json") {
    fmt::print("{}", leaks::RenderJson(reports, args.show_secrets));
  } else if (args.format == "sarif") {
    fmt::print("{}", leaks::RenderSarif(reports, (*scanner)->detectors().detectors(), args.show_secrets));
  } else {
    fmt::print("{}", leaks::RenderTerminal(reports, args.show_secrets));
  }
  bool found = std::any_of(reports.begin(), reports.end(), [](const auto& r) { return !r.secrets.empty(); });
  // Writing a baseline accepts what is there now: that run passes.
  return found && args.write_baseline.empty() ? kExitFindings : kExitOk;
}

int RunRules() {
  auto scanner = leaks::Scanner::Create();
  if (!scanner) return PrintError(scanner.error());
  for (const auto& d : (*scanner)->detectors().detectors()) {
    fmt::print("{:<36} {:<7} {}\n", d.id, leaks::ConfidenceName(d.confidence), d.description);
  }
  return kExitOk;
}

}  // namespace

void AddLeaksCommand(CLI::App& app, Outcome& out) {
  CLI::App* leaks = app.add_subcommand("leaks", "Secrets in code and in all of git history");
  leaks->require_subcommand(1);

  auto args = std::make_shared<LeaksScanArgs>();
  CLI::App* scan = leaks->add_subcommand(
      "scan", "Scan git repositories (full history), folders, files or - (stdin); exit 1 when a secret is found");
  scan->add_option("paths", args->targets, "What to scan (default: .)");
  scan->add_option("-f,--format", args->format, "term, json or sarif")
      ->check(CLI::IsMember({"term", "json", "sarif"}));
  scan->add_option("--since", args->since, "Only commits not reachable from this revision");
  scan->add_flag("--staged", args->staged, "Scan what is staged for the next commit (pre-commit hook)");
  scan->add_option("--baseline", args->baseline, "Ignore the secrets listed in this baseline file");
  scan->add_option("--write-baseline", args->write_baseline, "Write every secret found to this baseline file");
  scan->add_flag("--show-secrets", args->show_secrets, "Print secrets in full (they are redacted otherwise)");
  scan->add_option("-c,--config", args->config, "Take allowlists and limits from this config's [leaks]");
  scan->add_option("--max-blob-size", args->max_blob_size, "Skip blobs larger than this (default 5MiB)");
  scan->add_flag("--include-test-guesses", args->include_test_guesses,
                 "Also report low-confidence guesses (generic password/token assignments) in test, spec and "
                 "fixture paths");
  scan->callback([args, &out] { out.exit_code = RunScan(*args); });

  CLI::App* rules = leaks->add_subcommand("rules", "List the built-in detectors");
  rules->callback([&out] { out.exit_code = RunRules(); });
}

}  // namespace ctodesk::cli
