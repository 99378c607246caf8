// One finding as the JSON briefing writes it (docs/brief.schema.json): the
// shape scripts read, shared by `ctodesk brief --format json` and the
// dashboard's API, which adds what only it knows (acknowledgements).
// `days_as_of`: the instant days_running is counted to (now, or when the
// finding was resolved). Text with invalid UTF-8 is kept as is here;
// JsonText (core/json_text.h) replaces it when the document is written.
#pragma once

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/finding.h"

namespace ctodesk::report {

nlohmann::ordered_json FindingJson(const Finding& f, TimePoint days_as_of);

}  // namespace ctodesk::report
