// The probe engine. One curl multi handle drives every HTTP, TCP and TLS probe:
// handles are added up to the concurrency limit and replaced as they finish,
// and curl_multi_poll sleeps until a socket is ready, so a thousand probes
// cost a thousand connections and no threads. TCP and TLS probes use
// CURLOPT_CONNECT_ONLY: curl stops after the connect (and handshake).
//
// Certificate expiry comes from CURLINFO_CERTINFO: the leaf certificate's PEM
// is parsed with OpenSSL for its notAfter. When verification fails we probe
// again without verifying, only to read the dates, so an expired or untrusted
// certificate is reported as such rather than as a bare "down".
#include "desks/health/probe.h"

#include <netdb.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace ctodesk::health {

namespace {

constexpr size_t kMaxBody = 1 << 20;  // body checks look at the first MiB

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

struct Transfer {
  size_t index = 0;
  const Probe* probe = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  bool keep_body = false;
  bool cert_retry = false;  // second pass that only reads certificate dates
  char error[CURL_ERROR_SIZE] = {0};
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t len = size * n;
  if (t->keep_body && t->body.size() < kMaxBody) {
    t->body.append(data, std::min(len, kMaxBody - t->body.size()));
  }
  return len;
}

std::optional<TimePoint> LeafNotAfter(CURL* easy) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || !info ||
      info->num_of_certs < 1) {
    return std::nullopt;
  }
  for (curl_slist* s = info->certinfo[0]; s; s = s->next) {
    std::string_view line(s->data);
    if (line.rfind("Cert:", 0) != 0) continue;
    line.remove_prefix(5);
    BIO* bio = BIO_new_mem_buf(line.data(), static_cast<int>(line.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!cert) return std::nullopt;
    std::tm tm{};
    bool ok = ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1;
    X509_free(cert);
    if (!ok) return std::nullopt;
    return FromUnix(static_cast<std::int64_t>(timegm(&tm)));
  }
  return std::nullopt;
}

// Follows a dotted path ("a.b.0.c") into a JSON document.
const nlohmann::json* JsonAt(const nlohmann::json& doc, const std::string& path) {
  const nlohmann::json* cur = &doc;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      // from_chars, not stoul: an index too large to count is missing, not a
      // throw that would unwind RunProbes with its threads running.
      size_t i = 0;
      auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), i);
      if (part.empty() || ec != std::errc() || end != part.data() + part.size()) return nullptr;
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return cur;
}

// Judges a finished HTTP transfer against the probe's expectations.
void JudgeHttp(const Probe& p, const Transfer& t, ProbeResult& r) {
  bool status_ok = p.expect_status.empty()
                       ? (r.http_status >= 200 && r.http_status < 400)
                       : std::find(p.expect_status.begin(), p.expect_status.end(),
                                   r.http_status) != p.expect_status.end();
  if (!status_ok) {
    std::string expected;
    if (p.expect_status.empty()) {
      expected = "2xx or 3xx";
    } else {
      for (auto s : p.expect_status) expected += fmt::format("{}{}", expected.empty() ? "" : " or ", s);
    }
    r.error = fmt::format("HTTP {}, expected {}", r.http_status, expected);
    return;
  }
  if (!p.body_contains.empty() && t.body.find(p.body_contains) == std::string::npos) {
    r.error = fmt::format("body does not contain \"{}\"", p.body_contains);
    return;
  }
  if (!p.json_field.empty()) {
    auto doc = nlohmann::json::parse(t.body, nullptr, false);
    if (doc.is_discarded()) {
      r.error = "body is not valid JSON";
      return;
    }
    const nlohmann::json* v = JsonAt(doc, p.json_field);
    if (!v) {
      r.error = fmt::format("JSON field \"{}\" is missing", p.json_field);
      return;
    }
    if (p.json_equals) {
      std::string got = v->is_string() ? v->get<std::string>() : v->dump();
      if (got != *p.json_equals) {
        r.error = fmt::format("JSON field \"{}\" is \"{}\", expected \"{}\"", p.json_field, got,
                              *p.json_equals);
        return;
      }
    }
  }
  r.up = true;
}

std::string ExpandEnv(const std::string& value) {
  // ${env:NAME} is replaced by the variable's value (checked at config time).
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = value.find("${env:", pos);
    if (start == std::string::npos) break;
    size_t end = value.find('}', start);
    if (end == std::string::npos) break;
    out += value.substr(pos, start - pos);
    const char* v = std::getenv(value.substr(start + 6, end - start - 6).c_str());
    if (v) out += v;
    pos = end + 1;
  }
  return out + value.substr(pos);
}

void Configure(Transfer& t) {
  const Probe& p = *t.probe;
  CURL* e = t.easy;
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(p.timeout.count()));
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "ctodesk-health/0.1");
  if (p.type == ProbeType::kHttp) {
    curl_easy_setopt(e, CURLOPT_URL, p.url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    t.keep_body = !p.body_contains.empty() || !p.json_field.empty();
    if (p.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (p.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, p.method.c_str());
    }
    for (const auto& [k, v] : p.headers) {
      t.headers = curl_slist_append(t.headers, fmt::format("{}: {}", k, ExpandEnv(v)).c_str());
    }
    if (t.headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  } else {
    const char* scheme = p.type == ProbeType::kTls ? "https" : "http";
    curl_easy_setopt(e, CURLOPT_URL, fmt::format("{}://{}/", scheme, p.target).c_str());
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
  }
  bool https = p.type == ProbeType::kTls ||
               (p.type == ProbeType::kHttp && p.url.rfind("https://", 0) == 0);
  if (https) {
    curl_easy_setopt(e, CURLOPT_CERTINFO, 1L);
    if (!p.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, p.ca_file.c_str());
    if (p.insecure || t.cert_retry) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }
}

void ResolveDns(const Probe& p, ProbeResult& r) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(p.target.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    r.error = fmt::format("cannot resolve {}: {}", p.target, gai_strerror(rc));
    return;
  }
  for (addrinfo* a = res; a; a = a->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    const void* addr = a->ai_family == AF_INET
                           ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, addr, buf, sizeof buf)) {
      std::string s(buf);
      if (std::find(r.addresses.begin(), r.addresses.end(), s) == r.addresses.end()) {
        r.addresses.push_back(s);
      }
    }
  }
  freeaddrinfo(res);
  for (const std::string& want : p.dns_expect) {
    if (std::find(r.addresses.begin(), r.addresses.end(), want) == r.addresses.end()) {
      std::string got;
      for (const auto& a : r.addresses) got += (got.empty() ? "" : ", ") + a;
      r.error = fmt::format("{} resolves to {}, expected {} among them", p.target, got, want);
      return;
    }
  }
  r.up = true;
}

// getaddrinfo cannot be cancelled, so each DNS probe resolves on its own
// detached thread and we stop waiting at the probe's timeout.
void RunDnsProbes(const std::vector<Probe>& probes, std::vector<ProbeResult>& results) {
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::optional<ProbeResult>> done;
  };
  std::vector<size_t> indexes;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (probes[i].type == ProbeType::kDns) indexes.push_back(i);
  }
  if (indexes.empty()) return;
  auto shared = std::make_shared<Shared>();
  shared->done.resize(probes.size());
  auto start = std::chrono::steady_clock::now();
  Duration longest{0};
  for (size_t i : indexes) {
    longest = std::max(longest, probes[i].timeout);
    std::thread([shared, i, probe = probes[i], start] {
      ProbeResult r;
      ResolveDns(probe, r);
      r.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      std::lock_guard lock(shared->mu);
      shared->done[i] = std::move(r);
      shared->cv.notify_all();
    }).detach();
  }
  std::unique_lock lock(shared->mu);
  shared->cv.wait_until(lock, start + longest, [&] {
    return std::all_of(indexes.begin(), indexes.end(), [&](size_t i) { return shared->done[i].has_value(); });
  });
  for (size_t i : indexes) {
    if (shared->done[i]) {
      results[i] = *shared->done[i];
    } else {
      results[i].error = fmt::format("DNS lookup of {} timed out after {}", probes[i].target,
                                     FormatDuration(probes[i].timeout));
      results[i].latency_ms = static_cast<double>(probes[i].timeout.count());
    }
  }
}

std::string TransferError(CURLcode rc, const Transfer& t) {
  std::string msg = t.error[0] ? t.error : curl_easy_strerror(rc);
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    msg = fmt::format("no answer within {}", FormatDuration(t.probe->timeout));
  } else if (rc == CURLE_COULDNT_CONNECT) {
    // curl says "Failed to connect to H port P after 0 ms: Couldn't connect
    // to server"; the host and port are the useful part.
    if (auto cut = msg.find(" after "); cut != std::string::npos) msg.resize(cut);
    if (msg.rfind("Failed", 0) == 0) msg = "cannot connect" + msg.substr(std::string("Failed to connect").size());
  }
  return msg;
}

}  // namespace

const char* ProbeTypeName(ProbeType t) {
  switch (t) {
    case ProbeType::kHttp: return "http";
    case ProbeType::kTcp: return "tcp";
    case ProbeType::kTls: return "tls";
    case ProbeType::kDns: return "dns";
  }
  return "http";
}

std::vector<ProbeResult> RunProbes(const std::vector<Probe>& probes, const RunOptions& options) {
  static CurlGlobal global;
  std::vector<ProbeResult> results(probes.size());
  std::thread dns([&] { RunDnsProbes(probes, results); });

  std::deque<std::unique_ptr<Transfer>> pending;
  for (size_t i = 0; i < probes.size(); ++i) {
    if (probes[i].type == ProbeType::kDns) continue;
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->probe = &probes[i];
    pending.push_back(std::move(t));
  }

  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.concurrency));
  std::vector<std::unique_ptr<Transfer>> running;
  int in_flight = 0;
  auto start_more = [&] {
    while (in_flight < options.concurrency && !pending.empty()) {
      auto t = std::move(pending.front());
      pending.pop_front();
      t->easy = curl_easy_init();
      Configure(*t);
      curl_multi_add_handle(multi, t->easy);
      running.push_back(std::move(t));
      ++in_flight;
    }
  };
  start_more();

  while (in_flight > 0) {
    int still = 0;
    curl_multi_perform(multi, &still);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode rc = msg->data.result;
      Transfer* t = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
      const Probe& p = *t->probe;
      ProbeResult& r = results[t->index];
      if (t->cert_retry) {
        // Only the certificate's dates are wanted from this pass.
        r.cert_not_after = LeafNotAfter(easy);
      } else {
        curl_off_t total_us = 0;
        curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
        r.latency_ms = static_cast<double>(total_us) / 1000.0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r.http_status);
        r.cert_not_after = LeafNotAfter(easy);
        if (rc != CURLE_OK) {
          r.error = TransferError(rc, *t);
        } else if (p.type == ProbeType::kHttp) {
          JudgeHttp(p, *t, r);
        } else {
          r.up = true;
        }
        if (rc == CURLE_PEER_FAILED_VERIFICATION && !p.insecure) {
          auto retry = std::make_unique<Transfer>();
          retry->index = t->index;
          retry->probe = t->probe;
          retry->cert_retry = true;
          pending.push_back(std::move(retry));
        }
      }
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
      curl_slist_free_all(t->headers);
      std::erase_if(running, [t](const std::unique_ptr<Transfer>& x) { return x.get() == t; });
      --in_flight;
    }
    start_more();
    if (in_flight > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  curl_multi_cleanup(multi);
  dns.join();
  return results;
}

}  // namespace ctodesk::health
