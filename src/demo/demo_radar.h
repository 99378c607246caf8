// The demo company's technology for the radar desk, written at dates
// relative to `now`:
//   repos/shop-web       git; React, TypeScript, lodash 4 (npm workspaces),
//                        Node.js 22, a CI workflow: all supported
//   repos/admin-console  git, changed 12 days ago; still on AngularJS, which
//                        the radar puts in hold (this-week), and lodash 3
//   repos/billing-api    git; Python 3.7 (end of life: today), Django 3.2,
//                        PostgreSQL 16 and Redis in docker-compose
//   repos/docs-site      a plain folder (no git): lodash 2 — the third
//                        major version of lodash (fyi) — and a package.json
//                        with a syntax error (reported with file and line)
//   radar.csv            the company radar (BYOR format); its history is
//                        seeded: AngularJS moved trial -> hold in the spring
//   data/shop.db         an SQLite file whose orders table grows; 17 weeks
//                        of row counts are seeded so the fit projects it
//                        past its threshold in about three months
// Internal to the demo. Not thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "core/clock.h"
#include "core/error.h"

namespace ctodesk {

// Writes the repositories, the radar file and the database, seeds the
// store's ring and measure history; returns the [radar] config section.
Result<std::string> WriteDemoRadar(const std::filesystem::path& dir, TimePoint now);

}  // namespace ctodesk
