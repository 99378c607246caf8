// Gateway access logs, one line at a time: nginx's "combined" format (plus
// optional quoted fields after the user agent, where the key id goes) and
// JSON lines (parsed with simdjson). Parsing is separate from reading: each
// function takes one line and returns a record or says what is wrong with it,
// so a reader can count malformed lines and carry on.
//
// nginx-combined:
//   1.2.3.4 - user [27/Nov/2026:09:00:01 +0000] "GET /customers/17 HTTP/1.1" 200 512 "-" "curl/8" "key_0a1b2c3d4e5f"
// The key is the first extra quoted field, else $remote_user when not "-".
// JSON lines: {"time": "2026-11-27T09:00:01Z" | unix seconds, "remote_addr",
// "method", "uri" (or "path"), "status", "user_agent", and the key field
// (configurable, default "key_id")}.
//
// Thread-compatible: one JsonLineParser per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace ctodesk::keys {

struct LogRecord {
  UsageEvent event;  // key_id left empty; `key` says which key
  std::string key;   // as logged: a key id (or, wrongly, a plain key); may be empty
};

// nullopt and `*error` set when the line is malformed.
std::optional<LogRecord> ParseCombinedLine(std::string_view line, std::string* error);
// The same into `*out`, reusing its strings' memory (a bulk reader parses
// millions of lines into one record); false and `*error` set when malformed,
// `*out` then unspecified.
bool ParseCombinedLine(std::string_view line, LogRecord* out, std::string* error);

class JsonLineParser {
 public:
  explicit JsonLineParser(std::string key_field = "key_id");
  ~JsonLineParser();
  std::optional<LogRecord> Parse(std::string_view line, std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ctodesk::keys
