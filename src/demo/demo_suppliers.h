// The demo company's supplier drops and support export, generated at demo
// time with mtimes relative to `now`:
//   drops/northwind/  parcel rates, CSV gzip, daily, always on time (3 weeks)
//   drops/fabrikam/   customs codes, JSON lines zstd, daily; late twice this
//                     week, and today's delivery renamed a column
//   support/tickets.csv  a Zendesk-style export of a few hundred tickets over
//                     six weeks, in which "invoice PDF is blank" is rising
// Each function writes its files and returns its config section.
// Internal to the demo. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

Result<std::string> WriteDemoSuppliers(const std::filesystem::path& dir, TimePoint now);
Result<std::string> WriteDemoSupport(const std::filesystem::path& dir, TimePoint now);

}  // namespace ctodesk
