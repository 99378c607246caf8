#include "dashboard/app.h"
#include "core/json_text.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "dashboard/api.h"
#include "dashboard/auth.h"
#include "dashboard/html.h"
#include "dashboard/view.h"
#include "desks/keys/registry.h"

namespace ctodesk::dashboard {

namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'";
constexpr std::string_view kSessionCookie = "ctodesk_session";
constexpr std::string_view kFlashCookie = "ctodesk_flash";

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && FromHex(s[i + 1]) >= 0 && FromHex(s[i + 2]) >= 0) {
      out += static_cast<char>(FromHex(s[i + 1]) * 16 + FromHex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Cookie(const WebRequest& r, std::string_view name) {
  std::string header = r.Header("cookie");
  std::string_view rest(header);
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view part = rest.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return {};
}

std::int64_t Number(std::string_view text, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return fallback;
  return std::clamp(v, lo, hi);
}

bool SameToken(std::string_view a, std::string_view b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Only local paths: "/desks/keys", never "//evil.example" or "https://...".
// Who is signing in, for throttling: the peer, or, behind a reverse proxy on
// this machine, the address the proxy forwards (the last X-Forwarded-For hop
// is the one it added; earlier hops are whatever the client sent).
std::string ClientAddress(const WebRequest& r) {
  const bool local_proxy = r.peer.empty() || r.peer.starts_with("127.") || r.peer == "::1";
  if (local_proxy) {
    if (std::string real = r.Header("x-real-ip"); !real.empty()) return real.substr(0, 64);
    std::string xff = r.Header("x-forwarded-for");
    if (!xff.empty()) {
      std::string last = xff.substr(xff.rfind(',') == std::string::npos ? 0 : xff.rfind(',') + 1);
      last.erase(0, last.find_first_not_of(' '));
      return last.substr(0, 64);
    }
  }
  return r.peer;
}

// Drops failures older than `window` and, past `cap` keys, the keys that are
// not locked: memory stays bounded under a flood of names without unlocking
// anyone.
void PruneFailures(std::map<std::string, std::vector<TimePoint>>& failures, TimePoint now,
                   std::chrono::minutes window, size_t locked_at, size_t cap) {
  if (failures.size() <= cap) return;
  for (auto it = failures.begin(); it != failures.end();) {
    std::erase_if(it->second, [&](TimePoint t) { return now - t >= window; });
    it = it->second.size() < locked_at ? failures.erase(it) : std::next(it);
  }
}

std::string SafeBack(std::string_view back) {
  if (back.empty() || back.front() != '/' || (back.size() > 1 && (back[1] == '/' || back[1] == '\\'))) {
    return "/";
  }
  for (char c : back) {
    if (static_cast<unsigned char>(c) < 0x20) return "/";
  }
  return std::string(back);
}

WebResponse Page(int status, std::string body) {
  WebResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

WebResponse Json(int status, std::string body) {
  WebResponse res;
  res.status = status;
  res.content_type = "application/json";
  res.body = std::move(body);
  return res;
}

WebResponse JsonError(int status, std::string_view message) {
  return Json(status, JsonText(nlohmann::json{{"error", message}}) + "\n");
}

WebResponse Redirect(std::string_view to) {
  WebResponse res;
  res.status = 303;
  res.content_type = "text/plain; charset=utf-8";
  res.headers.emplace_back("Location", std::string(to));
  res.body = "See " + std::string(to) + "\n";
  return res;
}

bool IsApi(std::string_view path) { return path.rfind("/api/", 0) == 0 || path == "/metrics"; }

BriefFilter FilterFrom(const std::vector<std::pair<std::string, std::string>>& q) {
  BriefFilter f;
  f.desk = QueryValue(q, "desk");
  f.severity = QueryValue(q, "severity");
  f.tag = QueryValue(q, "tag");
  f.q = QueryValue(q, "q");
  std::string failing = QueryValue(q, "failing");
  f.failing_only = failing == "1" || failing == "true" || failing == "on";
  return f;
}

std::string DeskFromPath(std::string_view path, std::string_view prefix, std::string_view* rest) {
  std::string_view tail = path.substr(prefix.size());
  size_t slash = tail.find('/');
  if (rest) *rest = slash == std::string_view::npos ? std::string_view() : tail.substr(slash);
  return Decode(tail.substr(0, slash));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      out.emplace_back(Decode(part.substr(0, eq)),
                       eq == std::string_view::npos ? std::string() : Decode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string QueryValue(const std::vector<std::pair<std::string, std::string>>& q, std::string_view key) {
  for (const auto& [k, v] : q) {
    if (k == key) return v;
  }
  return {};
}

bool IsLoopbackAddress(std::string_view host) {
  return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
}

DashboardApp::DashboardApp(std::unique_ptr<Store> store, Setup* setup, const Clock& clock,
                           const keys::Guard* guard, AppOptions options)
    : store_(std::move(store)), setup_(setup), clock_(clock), guard_(guard), options_(std::move(options)) {
  if (setup_ && !options_.store_path.empty()) runner_ = std::thread([this] { RunLoop(); });
}

DashboardApp::~DashboardApp() {
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
  }
  run_cv_.notify_all();
  if (runner_.joinable()) runner_.join();
}

void DashboardApp::RunLoop() {
  std::unique_ptr<Store> store;
  for (;;) {
    std::string desk;
    {
      std::unique_lock lock(run_mu_);
      run_cv_.wait(lock, [&] { return stopping_ || !run_queue_.empty(); });
      if (stopping_) return;
      desk = run_queue_.front();
      run_queue_.pop_front();
    }
    if (!store) {
      auto opened = OpenSqliteStore(options_.store_path);
      if (!opened) {
        fmt::print(stderr, "ctodesk serve: cannot run the {} desk: {}\n", desk, opened.error().message);
        continue;
      }
      store = std::move(*opened);
    }
    // The run records itself (desk_runs, findings), so the pages show it.
    auto b = RunBriefing(*setup_, *store, clock_, {{desk}});
    if (!b) fmt::print(stderr, "ctodesk serve: the {} desk run failed: {}\n", desk, b.error().message);
  }
}

std::optional<DashboardApp::Who> DashboardApp::SessionOf(const WebRequest& r) {
  std::string token = Cookie(r, kSessionCookie);
  if (token.size() != 64) return std::nullopt;
  std::string hash = Sha256Hex(token);
  auto session = store_->GetSession(hash, clock_.Now());
  if (!session || !*session) return std::nullopt;
  auto user = store_->GetUser((*session)->user);
  if (!user || !*user) return std::nullopt;
  return Who{(*user)->name, (*user)->role, (*session)->csrf, hash};
}

WebResponse DashboardApp::Handle(const WebRequest& r) {
  WebResponse res;
  if (r.path == "/static/app.css" || r.path == "/static/app.js" || r.path == "/static/icon.svg") {
    res.content_type = r.path.ends_with(".css")  ? "text/css; charset=utf-8"
                       : r.path.ends_with(".js") ? "text/javascript; charset=utf-8"
                                                 : "image/svg+xml";
    res.body = std::string(r.path.ends_with(".css")  ? StyleSheet()
                           : r.path.ends_with(".js") ? Script()
                                                     : IconSvg());
    res.headers.emplace_back("Cache-Control", "public, max-age=300");
  } else {
    std::lock_guard lock(mu_);
    Who who;
    if (auto s = SessionOf(r)) who = *s;
    try {
      res = Route(r, who);
    } catch (const std::exception& e) {
      res = Page(500, RenderMessagePage({}, "Something went wrong", e.what()));
    }
    res.headers.emplace_back("Cache-Control", "no-store");
  }
  res.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "same-origin");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  return res;
}

WebResponse DashboardApp::Route(const WebRequest& r, const Who& who) {
  const TimePoint now = clock_.Now();
  const auto query = ParseQuery(r.query);
  PageContext ctx;
  ctx.user = who.user;
  ctx.role = who.role;
  ctx.csrf = who.csrf;
  ctx.desks = options_.desks;
  if (auto fresh = LoadFreshness(*store_, options_.desks, now)) {
    ctx.desks.clear();
    for (const DeskFreshness& d : *fresh) ctx.desks.push_back(d.desk);
  }
  std::string flash = Cookie(r, kFlashCookie);
  if (!flash.empty()) ctx.flash = Decode(flash);

  if (r.method == "POST") {
    // A cross-site form post is refused outright, before anything else.
    std::string origin = r.Header("origin");
    std::string host = r.Header("host");
    if (!origin.empty() && origin != "http://" + host && origin != "https://" + host) {
      return Page(403, RenderMessagePage(ctx, "Refused", "This request came from another site."));
    }
    if (r.path == "/login") return Login(r);
    if (r.path == "/logout") {
      auto form = ParseQuery(r.body);
      if (who.user.empty() || !SameToken(QueryValue(form, "csrf"), who.csrf)) {
        return Page(403, RenderMessagePage(ctx, "Refused", "Sign-out needs the page's CSRF token."));
      }
      (void)store_->DeleteSession(who.token_hash);
      WebResponse res = Redirect("/");
      res.headers.emplace_back("Set-Cookie", fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                                                         kSessionCookie));
      return res;
    }
    if (r.path.rfind("/actions/", 0) == 0) return Action(r, who, std::string_view(r.path).substr(9));
    return Page(405, RenderMessagePage(ctx, "Not allowed", "This address only answers GET."));
  }
  if (r.method != "GET" && r.method != "HEAD") {
    return Page(405, RenderMessagePage(ctx, "Not allowed", "Use GET or POST."));
  }
  if (r.path == "/login") {
    ctx.login_enabled = true;
    return Page(200, RenderLoginPage(ctx, "", SafeBack(QueryValue(query, "back"))));
  }
  if (!options_.loopback && who.user.empty()) {
    if (IsApi(r.path)) return JsonError(401, "sign in first: POST /login, then send the session cookie");
    return Redirect("/login?back=" + UrlEncode(r.path + (r.query.empty() ? "" : "?" + r.query)));
  }

  WebResponse res;
  if (!flash.empty()) {
    res.headers.emplace_back("Set-Cookie", fmt::format("{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                                                       kFlashCookie));
  }
  auto finish = [&](WebResponse out) {
    for (auto& h : res.headers) out.headers.push_back(h);
    return out;
  };

  if (r.path == "/") {
    BriefFilter filter = FilterFrom(query);
    auto view = LoadBriefView(*store_, options_.desks, options_.company, now, filter);
    if (!view) return finish(Page(500, RenderMessagePage(ctx, "Cannot read the store", view.error().message)));
    BriefPage page{Number(QueryValue(query, "offset"), 0, 0, 1'000'000'000),
                   Number(QueryValue(query, "limit"), 100, 1, 1000),
                   static_cast<int>(Number(QueryValue(query, "refresh"), 30, 2, 3600))};
    return finish(Page(200, RenderBriefPage(*view, filter, page, ctx)));
  }
  if (r.path.rfind("/desks/", 0) == 0) {
    std::string desk = DeskFromPath(r.path, "/desks/", nullptr);
    DeskViewOptions options;
    options.offset = Number(QueryValue(query, "offset"), 0, 0, 1'000'000'000);
    auto view = LoadDeskView(*store_, options_.desks, desk, now, options);
    if (!view) {
      int status = view.error().code == ErrorCode::kNotFound ? 404 : 500;
      return finish(Page(status, RenderMessagePage(ctx, status == 404 ? "No such desk" : "Cannot read the store",
                                                   view.error().message)));
    }
    return finish(Page(200, RenderDeskPage(*view, ctx)));
  }
  if (r.path == "/api/brief") {
    BriefFilter filter = FilterFrom(query);
    auto view = LoadBriefView(*store_, options_.desks, options_.company, now, filter);
    if (!view) return JsonError(500, view.error().message);
    std::string cursor = QueryValue(query, "cursor");
    std::int64_t offset = Number(cursor.empty() ? QueryValue(query, "offset") : cursor, 0, 0, 1'000'000'000);
    std::int64_t limit = Number(QueryValue(query, "limit"), 100, 1, 1000);
    return Json(200, BriefJson(*view, filter, offset, limit));
  }
  if (r.path == "/api/desks") {
    auto fresh = LoadFreshness(*store_, options_.desks, now);
    if (!fresh) return JsonError(500, fresh.error().message);
    return Json(200, DesksJson(*fresh, now));
  }
  if (r.path.rfind("/api/desks/", 0) == 0) {
    std::string_view rest;
    std::string desk = DeskFromPath(r.path, "/api/desks/", &rest);
    if (rest != "/findings" && rest != "/history") return JsonError(404, "expected /api/desks/<desk>/findings or /history");
    DeskViewOptions options;
    std::string cursor = QueryValue(query, "cursor");
    options.offset = Number(cursor.empty() ? QueryValue(query, "offset") : cursor, 0, 0, 1'000'000'000);
    options.limit = Number(QueryValue(query, "limit"), 50, 1, 500);
    options.days = static_cast<int>(Number(QueryValue(query, "days"), 90, 1, 366));
    if (rest == "/findings") options.limit = 1;  // subjects are not part of this answer
    auto view = LoadDeskView(*store_, options_.desks, desk, now, options);
    if (!view) {
      return JsonError(view.error().code == ErrorCode::kNotFound ? 404 : 500, view.error().message);
    }
    return Json(200, rest == "/findings" ? DeskFindingsJson(*view) : DeskHistoryJson(*view));
  }
  if (r.path == "/metrics") {
    MetricsInput in;
    in.desks = options_.desks;
    auto open = store_->OpenFindings("");
    auto latest = store_->LatestRuns();
    auto totals = store_->RunTotals();
    if (!open || !latest || !totals) return JsonError(500, "cannot read the store");
    in.open = std::move(*open);
    in.latest = std::move(*latest);
    in.totals = std::move(*totals);
    if (guard_) in.guard = guard_->stats();
    WebResponse m;
    m.content_type = "text/plain; version=0.0.4; charset=utf-8";
    m.body = RenderMetrics(in);
    return m;
  }
  return finish(Page(404, RenderMessagePage(ctx, "Not found", "There is no page at this address.")));
}

WebResponse DashboardApp::Login(const WebRequest& r) {
  auto form = ParseQuery(r.body);
  const std::string name = QueryValue(form, "name");
  const std::string back = SafeBack(QueryValue(form, "back"));
  PageContext ctx;
  const TimePoint now = clock_.Now();
  constexpr auto kWindow = std::chrono::minutes(15);
  constexpr size_t kMaxFailuresPerClient = 5;  // one client guessing
  const size_t kMaxFailuresPerName = options_.sign_in_failures_per_name;  // many clients guessing one name
  const std::string short_name = name.substr(0, 64);
  std::vector<TimePoint>& failures = failed_logins_[short_name + "\n" + ClientAddress(r)];
  std::vector<TimePoint>& name_failures = failed_logins_by_name_[short_name];
  for (auto* f : {&failures, &name_failures}) {
    std::erase_if(*f, [&](TimePoint t) { return now - t >= kWindow; });
  }
  if (failures.size() >= kMaxFailuresPerClient || name_failures.size() >= kMaxFailuresPerName) {
    const auto& oldest = failures.size() >= kMaxFailuresPerClient ? failures : name_failures;
    return Page(429, RenderLoginPage(ctx, fmt::format("Too many failed sign-ins for this name; try again "
                                                      "after {}.", HumanDuration(oldest.front() + kWindow - now)),
                                     back));
  }
  auto user = CheckUserName(name) ? store_->GetUser(name) : Result<std::optional<UserRecord>>(std::nullopt);
  // The same answer for an unknown name and a wrong password.
  if (!user || !*user || !VerifyPassword(QueryValue(form, "password"), (*user)->password_hash)) {
    failures.push_back(now);
    name_failures.push_back(now);
    PruneFailures(failed_logins_, now, kWindow, kMaxFailuresPerClient, 10000);
    PruneFailures(failed_logins_by_name_, now, kWindow, kMaxFailuresPerName, 10000);
    return Page(401, RenderLoginPage(ctx, "Wrong name or password.", back));
  }
  failures.clear();
  std::string token = RandomToken(32);
  SessionRecord s{Sha256Hex(token), (*user)->name, RandomToken(16), now, now + options_.session_lifetime};
  if (auto saved = store_->SaveSession(s); !saved) {
    return Page(500, RenderMessagePage(ctx, "Cannot sign in", saved.error().message));
  }
  WebResponse res = Redirect(back);
  const bool tls = r.Header("x-forwarded-proto") == "https";
  res.headers.emplace_back(
      "Set-Cookie",
      fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, token,
                  std::chrono::duration_cast<std::chrono::seconds>(options_.session_lifetime).count(),
                  tls ? "; Secure" : ""));
  return res;
}

WebResponse DashboardApp::Action(const WebRequest& r, const Who& who, std::string_view name) {
  PageContext ctx;
  ctx.user = who.user;
  ctx.role = who.role;
  ctx.csrf = who.csrf;
  ctx.desks = options_.desks;
  if (who.user.empty()) {
    return Page(401, RenderMessagePage(ctx, "Sign in first", "Actions need a signed-in account."));
  }
  auto form = ParseQuery(r.body);
  if (!SameToken(QueryValue(form, "csrf"), who.csrf)) {
    return Page(403, RenderMessagePage(ctx, "Refused", "The form's CSRF token is missing or wrong; "
                                                       "reload the page and try again."));
  }
  if (who.role != "admin") {
    return Page(403, RenderMessagePage(ctx, "Refused", "This account is read-only."));
  }
  const TimePoint now = clock_.Now();
  const std::string actor = "web:" + who.user;
  const std::string back = SafeBack(QueryValue(form, "back"));
  std::string done;
  auto refuse = [&](int status, std::string_view why) {
    return Page(status, RenderMessagePage(ctx, "Not done", why));
  };
  if (name == "revoke") {
    std::string reason = QueryValue(form, "reason");
    if (reason.empty() || reason.size() > 200) return refuse(400, "reason: expected 1 to 200 characters");
    auto k = keys::RevokeKey(*store_, QueryValue(form, "key"), reason, actor, now);
    if (!k) return refuse(k.error().code == ErrorCode::kNotFound ? 404 : 400, k.error().message);
    done = fmt::format("Key {} revoked.", k->id);
  } else if (name == "lift") {
    auto k = keys::ReinstateKey(*store_, QueryValue(form, "key"), actor, now);
    if (!k) return refuse(k.error().code == ErrorCode::kNotFound ? 404 : 400, k.error().message);
    done = fmt::format("Suspension of key {} lifted.", k->id);
  } else if (name == "acknowledge") {
    std::string id = QueryValue(form, "finding");
    std::string note = QueryValue(form, "note");
    auto expires = ParseDuration(QueryValue(form, "expires"));
    if (id.size() != 12) return refuse(400, "finding: expected a 12-character finding id");
    if (note.empty() || note.size() > 500) return refuse(400, "note: expected 1 to 500 characters");
    if (!expires || *expires <= Duration::zero() || *expires > std::chrono::days(90)) {
      return refuse(400, "expires: expected a duration up to 90d, such as 7d");
    }
    Acknowledgement a{id, note, who.user, now,
                      now + std::chrono::duration_cast<std::chrono::seconds>(*expires)};
    if (auto s = store_->SaveAcknowledgement(a); !s) return refuse(500, s.error().message);
    nlohmann::json detail = {{"finding", id}, {"note", note}, {"expires_at", FormatTime(a.expires_at)}};
    if (auto e = store_->AppendAudit({0, now, actor, "acknowledge", "", JsonText(detail), "", ""}); !e) {
      return refuse(500, e.error().message);
    }
    done = "Finding acknowledged.";
  } else if (name == "run") {
    std::string desk = QueryValue(form, "desk");
    if (!setup_ || std::find(options_.desks.begin(), options_.desks.end(), desk) == options_.desks.end()) {
      return refuse(400, fmt::format("desk \"{}\" is not configured here", desk));
    }
    nlohmann::json detail = {{"desk", desk}};
    if (auto e = store_->AppendAudit({0, now, actor, "run-desk", "", JsonText(detail), "", ""}); !e) {
      return refuse(500, e.error().message);
    }
    if (runner_.joinable()) {
      {
        std::lock_guard lock(run_mu_);
        if (std::find(run_queue_.begin(), run_queue_.end(), desk) == run_queue_.end()) {
          run_queue_.push_back(desk);
        }
      }
      run_cv_.notify_all();
      done = fmt::format("The {} desk is running; this page shows its new run when it is done.", desk);
    } else {
      auto b = RunBriefing(*setup_, *store_, clock_, {{desk}});
      if (!b) return refuse(500, b.error().message);
      bool ok = !b->desks.empty() && b->desks.front().ok;
      done = ok ? fmt::format("The {} desk ran: {} open findings.", desk, b->findings.size())
                : fmt::format("The {} desk failed: {}", desk, b->desks.empty() ? "" : b->desks.front().error);
    }
  } else {
    return refuse(404, "no such action");
  }
  WebResponse res = Redirect(back);
  res.headers.emplace_back("Set-Cookie", fmt::format("{}={}; Path=/; Max-Age=60; HttpOnly; SameSite=Strict",
                                                     kFlashCookie, UrlEncode(done)));
  return res;
}

}  // namespace ctodesk::dashboard
