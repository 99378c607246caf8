#include "alerts/alerts.h"
#include "core/json_text.h"

#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "report/report.h"

namespace ctodesk {

namespace {

std::string ContentHash(const Finding& f) {
  std::string key = fmt::format("{}\x1f{}\x1f{}", SeverityName(f.severity), f.title, f.detail);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  std::string out;
  for (int i = 0; i < 8; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string StateNamespace(const AlertTarget& t) { return "alerts:" + t.name; }

std::string Line(const char* tag, const Finding& f) {
  return fmt::format("*{}* [{}] {} — {}\n", tag, SeverityName(f.severity), f.title,
                     f.action.empty() ? f.subject : f.action);
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

std::vector<AlertTarget> ReadAlertTargets(ConfigTable& root) {
  std::vector<AlertTarget> out;
  for (ConfigTable& t : root.TableArray("alerts")) {
    AlertTarget target;
    auto name = t.String("name", true);
    auto url = t.String("url", true);
    if (url && url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
      t.Error("url", "expected an http:// or https:// URL");
      url.reset();
    }
    if (auto sev = t.Choice("min_severity", {"act-now", "today", "this-week", "fyi"})) {
      target.min_severity = *ParseSeverity(*sev);
    }
    if (auto d = t.DurationValue("timeout")) target.timeout = *d;
    if (auto n = t.Int("attempts", 1, 10)) target.attempts = static_cast<int>(*n);
    if (auto d = t.DurationValue("backoff")) target.backoff = *d;
    if (!name || !url) continue;
    target.name = *name;
    target.url = *url;
    out.push_back(std::move(target));
  }
  return out;
}

std::string PostJson(const AlertTarget& target, const std::string& body, int* attempts_made) {
  std::string last_error;
  Duration wait = target.backoff;
  for (int attempt = 1; attempt <= target.attempts; ++attempt) {
    if (attempts_made) *attempts_made = attempt;
    CURL* curl = curl_easy_init();
    if (!curl) return "cannot initialise libcurl";
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, target.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK && status >= 200 && status < 300) return "";
    last_error = rc != CURLE_OK ? std::string(errbuf[0] ? errbuf : curl_easy_strerror(rc))
                                : fmt::format("HTTP {}", status);
    // A 4xx other than 429 will not get better by retrying.
    if (rc == CURLE_OK && status >= 400 && status < 500 && status != 429) break;
    if (attempt < target.attempts) {
      std::this_thread::sleep_for(wait);
      wait *= 2;
    }
  }
  return last_error;
}

std::vector<DeliveryReport> Notify(const Briefing& briefing,
                                   const std::vector<AlertTarget>& targets, Store& store) {
  std::vector<DeliveryReport> reports;
  const std::string today = FormatTime(briefing.generated_at).substr(0, 10);
  for (const AlertTarget& target : targets) {
    DeliveryReport report{target.name};
    const std::string ns = StateNamespace(target);
    std::string text;
    std::vector<std::pair<std::string, std::string>> to_remember;  // id -> state

    for (const Finding& f : briefing.findings) {
      if (f.severity > target.min_severity) continue;
      auto before = store.GetState(ns, f.Id());
      std::string hash = ContentHash(f);
      if (!before) {
        report.error = before.error().message;
        break;
      }
      if (!before->has_value() || **before == "resolved") {
        text += Line("NEW", f);
      } else if (**before != hash) {
        text += Line("CHANGED", f);
      } else {
        continue;
      }
      ++report.findings;
      to_remember.emplace_back(f.Id(), hash);
    }
    for (const Finding& f : briefing.resolved) {
      auto before = store.GetState(ns, f.Id());
      if (!before || !before->has_value() || **before == "resolved") continue;
      text += Line("RESOLVED", f);
      ++report.findings;
      to_remember.emplace_back(f.Id(), "resolved");
    }
    auto last_digest = store.GetState(ns, "@digest");
    bool digest_due = last_digest && (!last_digest->has_value() || **last_digest != today);
    if (report.findings == 0 && !digest_due) {
      report.skipped = true;
      reports.push_back(std::move(report));
      continue;
    }

    std::string header = fmt::format("*{} — ctodesk briefing {}*\n{}\n", briefing.company,
                                     FormatTime(briefing.generated_at), SummaryLine(briefing));
    nlohmann::json body = {{"text", header + text}};
    std::string error = PostJson(target, JsonText(body), &report.attempts);
    if (error.empty()) {
      report.delivered = true;
      for (const auto& [id, state] : to_remember) (void)store.PutState(ns, id, state);
      (void)store.PutState(ns, "@digest", today);
    } else {
      report.error = error;
    }
    reports.push_back(std::move(report));
  }
  return reports;
}

}  // namespace ctodesk
