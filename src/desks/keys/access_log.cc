#include "desks/keys/access_log.h"

#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/clock.h"

namespace ctodesk::keys {

namespace {

// "27/Nov/2026:09:00:01 +0000" -> unix ms.
std::optional<std::int64_t> ParseNginxTime(std::string_view t) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' ||
      t[17] != ':' || t[20] != ' ' || (t[21] != '+' && t[21] != '-')) {
    return std::nullopt;
  }
  auto num = [&](size_t at, size_t len) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(t.data() + at, t.data() + at + len, v);
    if (ec != std::errc() || p != t.data() + at + len) return std::nullopt;
    return v;
  };
  auto day = num(0, 2), year = num(7, 4), hh = num(12, 2), mm = num(15, 2), ss = num(18, 2),
       oh = num(22, 2), om = num(24, 2);
  if (!day || !year || !hh || !mm || !ss || !oh || !om) return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i) {
    if (t.substr(3, 3) == kMonths[i]) month = i + 1;
  }
  if (month < 0 || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t secs = sys_days(ymd).time_since_epoch().count() * 86400LL + *hh * 3600LL +
                      *mm * 60LL + *ss;
  std::int64_t offset = (*oh * 3600LL + *om * 60LL) * (t[21] == '-' ? -1 : 1);
  return (secs - offset) * 1000;
}

// Reads a quoted field starting at line[i] == '"', with nginx's \x escapes
// left as they are. Advances i past the closing quote.
std::optional<std::string_view> Quoted(std::string_view line, size_t& i) {
  if (i >= line.size() || line[i] != '"') return std::nullopt;
  size_t start = ++i;
  while (i < line.size() && line[i] != '"') {
    if (line[i] == '\\' && i + 1 < line.size()) ++i;
    ++i;
  }
  if (i >= line.size()) return std::nullopt;
  std::string_view out = line.substr(start, i - start);
  ++i;
  return out;
}

std::string_view Word(std::string_view line, size_t& i) {
  size_t start = i;
  while (i < line.size() && line[i] != ' ') ++i;
  return line.substr(start, i - start);
}

void Spaces(std::string_view line, size_t& i) {
  while (i < line.size() && line[i] == ' ') ++i;
}

}  // namespace

bool ParseCombinedLine(std::string_view line, LogRecord* out, std::string* error) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  LogRecord& r = *out;
  r.key.clear();
  size_t i = 0;
  auto bad = [&](std::string what) {
    *error = std::move(what);
    return false;
  };
  std::string_view ip = Word(line, i);
  if (ip.empty()) return bad("empty line");
  Spaces(line, i);
  std::string_view ident = Word(line, i);
  Spaces(line, i);
  std::string_view user = Word(line, i);
  Spaces(line, i);
  if (ident.empty() || user.empty() || i >= line.size() || line[i] != '[') {
    return bad("expected `addr - user [time]` at the start");
  }
  size_t close = line.find(']', i);
  if (close == std::string_view::npos) return bad("no closing ] after the time");
  auto at = ParseNginxTime(line.substr(i + 1, close - i - 1));
  if (!at) return bad(fmt::format("bad time \"{}\"", line.substr(i + 1, close - i - 1)));
  i = close + 1;
  Spaces(line, i);
  auto request = Quoted(line, i);
  if (!request) return bad("expected the quoted request (\"GET /path HTTP/1.1\")");
  Spaces(line, i);
  std::string_view status = Word(line, i);
  int code = 0;
  auto [p, ec] = std::from_chars(status.data(), status.data() + status.size(), code);
  if (ec != std::errc() || p != status.data() + status.size() || code < 100 || code > 999) {
    return bad(fmt::format("bad status \"{}\"", status));
  }
  Spaces(line, i);
  Word(line, i);  // bytes sent
  Spaces(line, i);
  auto referer = Quoted(line, i);
  Spaces(line, i);
  auto agent = Quoted(line, i);
  if (!referer || !agent) return bad("expected the quoted referer and user agent");
  Spaces(line, i);
  if (i < line.size()) {
    auto extra = Quoted(line, i);
    if (extra && *extra != "-") r.key.assign(*extra);
  }
  if (r.key.empty() && user != "-") r.key.assign(user);

  size_t sp1 = request->find(' ');
  size_t sp2 = request->rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) {
    return bad(fmt::format("bad request line \"{}\"", request->substr(0, 80)));
  }
  r.event.at_ms = *at;
  r.event.ip.assign(ip);
  r.event.method.assign(request->substr(0, sp1));
  // The query string is dropped: it may carry a key (?api_key=...), which
  // must never reach the store.
  std::string_view target = request->substr(sp1 + 1, sp2 - sp1 - 1);
  r.event.path.assign(target.substr(0, target.find('?')));
  r.event.status = code;
  r.event.user_agent.assign(*agent);
  return true;
}

std::optional<LogRecord> ParseCombinedLine(std::string_view line, std::string* error) {
  LogRecord r;
  if (!ParseCombinedLine(line, &r, error)) return std::nullopt;
  return r;
}

// The DOM API rather than On-Demand: it picks the best SIMD kernel for the
// CPU at run time (On-Demand uses the one the build targets, which for a
// portable Debian build is the scalar fallback).
struct JsonLineParser::Impl {
  simdjson::dom::parser parser;
  std::string key_field;
  std::string buffer;
};

JsonLineParser::JsonLineParser(std::string key_field) : impl_(std::make_unique<Impl>()) {
  impl_->key_field = std::move(key_field);
}
JsonLineParser::~JsonLineParser() = default;

std::optional<LogRecord> JsonLineParser::Parse(std::string_view line, std::string* error) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto bad = [&](std::string what) -> std::optional<LogRecord> {
    *error = std::move(what);
    return std::nullopt;
  };
  if (line.find_first_not_of(" \t") == std::string_view::npos) return bad("empty line");
  std::string& buf = impl_->buffer;
  buf.assign(line);
  buf.append(simdjson::SIMDJSON_PADDING, '\0');
  simdjson::dom::element doc;
  if (auto err = impl_->parser.parse(buf.data(), line.size(), false).get(doc)) {
    return bad(fmt::format("not JSON: {}", simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (doc.get(obj)) return bad("not a JSON object");
  LogRecord r;
  bool have_time = false, have_path = false;
  auto text = [](simdjson::dom::element v) -> std::optional<std::string_view> {
    std::string_view s;
    if (v.get(s)) return std::nullopt;
    return s;
  };
  for (auto [k, v] : obj) {
    if (k == "time" || k == "timestamp") {
      double secs = 0;
      if (!v.get(secs)) {
        r.event.at_ms = static_cast<std::int64_t>(secs * 1000.0);
      } else {
        auto s = text(v);
        auto t = s ? ParseTime(*s) : std::nullopt;
        if (!t) return bad("bad \"time\": expected ISO 8601 or unix seconds");
        r.event.at_ms = ToUnix(*t) * 1000;
      }
      have_time = true;
    } else if (k == impl_->key_field) {
      if (auto s = text(v)) r.key = std::string(*s);
    } else if (k == "remote_addr" || k == "ip") {
      if (auto s = text(v)) r.event.ip = std::string(*s);
    } else if (k == "method") {
      if (auto s = text(v)) r.event.method = std::string(*s);
    } else if (k == "uri" || k == "path" || k == "request_uri") {
      auto s = text(v);
      if (!s) return bad(fmt::format("\"{}\" is not a string", k));
      r.event.path = std::string(s->substr(0, s->find('?')));  // never store a ?api_key=
      have_path = true;
    } else if (k == "status") {
      std::int64_t code = 0;
      if (!v.get(code)) {
        r.event.status = static_cast<int>(code);
      } else if (auto s = text(v)) {
        std::from_chars(s->data(), s->data() + s->size(), r.event.status);
      }
    } else if (k == "user_agent" || k == "http_user_agent") {
      if (auto s = text(v)) r.event.user_agent = std::string(*s);
    }
  }
  if (!have_time) return bad("no \"time\" field");
  if (!have_path) return bad("no \"uri\" or \"path\" field");
  if (r.key == "-") r.key.clear();
  return r;
}

}  // namespace ctodesk::keys
