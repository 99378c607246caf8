// What `ctodesk leaks scan` prints: a terminal table, JSON, or SARIF 2.1.0
// for code-scanning UIs; and baseline files (the fingerprints of secrets
// already known, so a CI gate fails only on new ones). Secrets are redacted
// unless `show_secrets`. Pure functions of their input; thread-safe.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "desks/leaks/detectors.h"
#include "desks/leaks/scanner.h"

namespace ctodesk::leaks {

std::string RenderTerminal(const std::vector<ScanReport>& reports, bool show_secrets);
// {"version": 1, "reports": [{target, kind, stats, warnings, secrets: [...]}]}
std::string RenderJson(const std::vector<ScanReport>& reports, bool show_secrets);
// One run, one rule per detector that fired, one result per secret with a
// location per occurrence; partialFingerprints carry the stable fingerprint.
std::string RenderSarif(const std::vector<ScanReport>& reports, const std::vector<Detector>& detectors,
                        bool show_secrets);

// Reads a baseline written by WriteBaseline. Fails naming the file when it
// cannot be read or is not a baseline.
Result<std::set<std::string>> ReadBaseline(const std::filesystem::path& path);
Result<void> WriteBaseline(const std::filesystem::path& path, const std::vector<ScanReport>& reports);

}  // namespace ctodesk::leaks
