// JSON as text for output and storage. Every dump in ctodesk goes through
// here so that text from the outside world that is not valid UTF-8 (a Latin-1
// author name in an old git history, a byte in a log line) is written with
// U+FFFD in its place instead of throwing. Header-only: works with
// nlohmann::json and nlohmann::ordered_json without linking core to them.
#pragma once

#include <string>

namespace ctodesk {

// `indent` -1: one line; 2: pretty.
template <class Json>
std::string JsonText(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace ctodesk
