// The guard end to end over loopback HTTP: a real socket, a real HTTP client
// (libcurl), the SQLite store.
#include "server/server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "desks/keys/key_format.h"
#include "desks/keys/registry.h"

namespace ctodesk {
namespace {

struct Reply {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

size_t OnBody(char* p, size_t n, size_t m, void* out) {
  static_cast<Reply*>(out)->body.append(p, n * m);
  return n * m;
}
size_t OnHeader(char* p, size_t n, size_t m, void* out) {
  std::string line(p, n * m);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<Reply*>(out)->headers[name] = value;
  }
  return n * m;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ctodesk-server-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = OpenSqliteStore(dir_ / "desk.db");
    ASSERT_TRUE(store);
    cli_ = std::move(*store);
    keys::IssueRequest r;
    r.prefix = "acme";
    r.owner = "alice";
    r.client = "Globex";
    key_ = *keys::IssueKey(*cli_, r, SystemClock().Now());
    keys::Settings settings;
    settings.prefix = "acme";
    settings.objects = {*keys::ParseObjectPattern("/customers/{id}")};
    settings.plans.push_back({.name = "default", .rate_per_minute = 30, .sequential_walk = 5});
    auto guard_store = OpenSqliteStore(dir_ / "desk.db");
    ASSERT_TRUE(guard_store);
    auto g = keys::Guard::Start(std::move(*guard_store), settings);
    ASSERT_TRUE(g) << g.error().message;
    guard_ = std::move(*g);
    auto s = HttpServer::Start("127.0.0.1:0", *guard_);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    curl_ = curl_easy_init();
  }
  void TearDown() override {
    curl_easy_cleanup(curl_);
    server_.reset();
    guard_.reset();
  }

  // One request on a kept-alive connection.
  Reply Get(const std::string& path, std::vector<std::string> headers = {}) {
    Reply r;
    std::string url = fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 5L);
    CURLcode rc = curl_easy_perform(curl_);
    EXPECT_EQ(rc, CURLE_OK) << curl_easy_strerror(rc);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> cli_;
  keys::IssuedKey key_;
  std::unique_ptr<keys::Guard> guard_;
  std::unique_ptr<HttpServer> server_;
  CURL* curl_ = nullptr;
};

TEST_F(ServerTest, ParsesListenAddresses) {
  EXPECT_EQ(*ParseListenAddress("127.0.0.1:8750"), (std::pair<std::string, int>("127.0.0.1", 8750)));
  EXPECT_EQ(ParseListenAddress("[::1]:80")->first, "::1");
  EXPECT_EQ(ParseListenAddress("localhost:1")->first, "127.0.0.1");
  for (const char* bad : {"", "8750", ":8750", "127.0.0.1:", "127.0.0.1:99999", "example.com:80"}) {
    EXPECT_FALSE(ParseListenAddress(bad)) << bad;
  }
}

TEST_F(ServerTest, GuardAnswers200401403429OverHttp) {
  Reply ok = Get("/guard", {"Authorization: Bearer " + key_.plain_key, "X-Original-URI: /customers/100",
                            "X-Original-Method: GET", "X-Real-IP: 203.0.113.5"});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.headers["x-key-id"], key_.record.id);
  EXPECT_EQ(ok.headers["x-key-owner"], "alice");

  EXPECT_EQ(Get("/guard", {"X-Original-URI: /customers/1"}).status, 401) << "no key";
  std::string bad = key_.plain_key;
  bad[10] = bad[10] == 'a' ? 'b' : 'a';
  Reply r401 = Get("/guard", {"X-Api-Key: " + bad});
  EXPECT_EQ(r401.status, 401) << "bad checksum";
  EXPECT_EQ(r401.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(Get("/guard", {"X-Original-URI: /customers/5?api_key=" + *keys::GenerateKey("acme")}).status, 401)
      << "unknown key in the query";
  EXPECT_EQ(Get("/guard/customers/100?api_key=" + key_.plain_key).status, 200) << "Envoy-style prefix";

  // A sequential walk: /customers/100 was the first; 101..104 complete five.
  Reply last;
  for (int id = 101; id <= 104; ++id) {
    last = Get("/guard", {"Authorization: Bearer " + key_.plain_key,
                          "X-Original-URI: /customers/" + std::to_string(id)});
  }
  EXPECT_EQ(last.status, 403);
  EXPECT_NE(last.headers["x-guard-reason"].find("consecutive"), std::string::npos);

  // Another key for the rate limit (30 a minute).
  keys::IssueRequest req;
  req.prefix = "acme";
  req.owner = "bob";
  auto other = *keys::IssueKey(*cli_, req, SystemClock().Now());
  long status = 0;
  for (int i = 0; i < 2000 && status != 200; ++i) {  // wait for the reload
    status = Get("/guard", {"X-Api-Key: " + other.plain_key}).status;
    if (status != 200) usleep(20000);
  }
  ASSERT_EQ(status, 200);
  Reply throttled;
  for (int i = 0; i < 40; ++i) {
    throttled = Get("/guard", {"X-Api-Key: " + other.plain_key, "X-Original-URI: /search"});
    if (throttled.status != 200) break;
  }
  EXPECT_EQ(throttled.status, 429);
  EXPECT_FALSE(throttled.headers["retry-after"].empty());

  Reply health = Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"throttled\":1"), std::string::npos) << health.body;
  EXPECT_EQ(Get("/nope").status, 404);
  EXPECT_EQ(health.body.find(key_.plain_key), std::string::npos);
}

// Sends `raw` on a fresh connection and reads until the server closes it or
// `wait` passes.
std::string RawExchange(int port, const std::string& raw, std::chrono::milliseconds wait) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  EXPECT_EQ(send(fd, raw.data(), raw.size(), 0), static_cast<ssize_t>(raw.size()));
  timeval tv{0, static_cast<suseconds_t>(wait.count() * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;  // closed (0) or the wait ran out (-1)
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return got;
}

TEST_F(ServerTest, GuardResponsesAreWellFormedHttp) {
  // An owner with a line break must not smuggle a header into the answer.
  keys::IssueRequest req;
  req.prefix = "acme";
  req.owner = "mallory\r\nX-Injected: 1";
  auto evil = *keys::IssueKey(*cli_, req, SystemClock().Now());
  const std::string get = "GET /guard HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + evil.plain_key + "\r\n\r\n";
  std::string two;
  for (int i = 0; i < 200; ++i) {  // until the guard's registry reload sees the new key
    two = RawExchange(server_->port(), get + get, std::chrono::milliseconds(300));
    if (two.starts_with("HTTP/1.1 200 OK\r\n")) break;
    usleep(20000);
  }
  // Two pipelined requests on one kept-alive connection: two whole answers.
  ASSERT_TRUE(two.starts_with("HTTP/1.1 200 OK\r\n")) << two;
  size_t second = two.find("HTTP/1.1 200 OK\r\n", 1);
  ASSERT_NE(second, std::string::npos) << two;
  std::string first = two.substr(0, second);
  EXPECT_NE(first.find("\r\nX-Key-Owner: mallory  X-Injected: 1\r\n"), std::string::npos) << first;
  EXPECT_EQ(first.find("\r\nX-Injected"), std::string::npos) << first;
  EXPECT_NE(first.find("\r\nContent-Length: 0\r\n\r\n"), std::string::npos) << first;
  EXPECT_NE(first.find("\r\nServer: ctodesk\r\n"), std::string::npos) << first;

  // A denial carries its reason as the body, with the right length.
  std::string denied = RawExchange(
      server_->port(), "GET /guard HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", std::chrono::seconds(2));
  ASSERT_TRUE(denied.starts_with("HTTP/1.1 401 Unauthorized\r\n")) << denied;
  EXPECT_NE(denied.find("\r\nConnection: close\r\n"), std::string::npos) << denied;
  EXPECT_NE(denied.find("\r\nContent-Length: 11\r\n\r\nno API key\n"), std::string::npos) << denied;

  // HTTP/1.0: closed after the answer unless the client asks to keep it.
  std::string old = RawExchange(server_->port(), "GET /guard HTTP/1.0\r\n\r\n", std::chrono::seconds(2));
  EXPECT_TRUE(old.starts_with("HTTP/1.0 401 Unauthorized\r\n")) << old;
  EXPECT_EQ(old.find("Connection:"), std::string::npos) << old;
  std::string kept = RawExchange(server_->port(), "GET /guard HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                                 std::chrono::milliseconds(300));
  EXPECT_NE(kept.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << kept;
}

TEST_F(ServerTest, ServesManyConnectionsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      CURL* c = curl_easy_init();
      std::string url = fmt::format("http://127.0.0.1:{}/guard", server_->port());
      curl_slist* list = curl_slist_append(nullptr, ("X-Api-Key: " + key_.plain_key).c_str());
      curl_easy_setopt(c, CURLOPT_URL, url.c_str());
      curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, +[](char*, size_t n, size_t m, void*) { return n * m; });
      for (int i = 0; i < 5; ++i) {
        long code = 0;
        if (curl_easy_perform(c) == CURLE_OK) {
          curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
          if (code == 200) ++ok;
        }
      }
      curl_slist_free_all(list);
      curl_easy_cleanup(c);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 20);
}

// A web handler that takes its time: the dashboard on a huge store.
class SlowWeb final : public WebHandler {
 public:
  WebResponse Handle(const WebRequest& r) override {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    WebResponse res;
    res.content_type = "text/plain";
    res.body = r.method + " " + r.path + " " + r.query + " " + r.Header("x-test") + " " + r.body +
               std::string(2000, '.');
    return res;
  }
  std::atomic<int> calls{0};
};

TEST_F(ServerTest, SlowPagesNeverHoldUpTheGuard) {
  SlowWeb web;
  server_.reset();
  auto s = HttpServer::Start("127.0.0.1:0", *guard_, 1, &web);  // one server thread
  ASSERT_TRUE(s) << s.error().message;
  server_ = std::move(*s);
  const int port = server_->port();
  std::vector<std::thread> pages;
  for (int i = 0; i < 2; ++i) {
    pages.emplace_back([port] {
      CURL* c = curl_easy_init();
      std::string url = fmt::format("http://127.0.0.1:{}/slow", port);
      Reply r;
      curl_easy_setopt(c, CURLOPT_URL, url.c_str());
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
      curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
      curl_easy_perform(c);
      curl_easy_cleanup(c);
    });
  }
  while (web.calls == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto start = std::chrono::steady_clock::now();
  Reply g = Get("/guard", {"X-Api-Key: " + key_.plain_key});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(g.status, 200);
  EXPECT_LT(took, std::chrono::milliseconds(300)) << "the guard waited for a page";
  for (auto& t : pages) t.join();
  EXPECT_EQ(web.calls, 2);
  // The handler sees method, path, query, lower-case headers and the body; big answers are gzipped.
  Reply w = Get("/x/y?a=1", {"X-Test: hello", "Accept-Encoding: gzip"});
  EXPECT_EQ(w.headers["content-encoding"], "gzip");
  Reply plain = Get("/x/y?a=1", {"X-Test: hello"});
  EXPECT_EQ(plain.body.substr(0, 18), "GET /x/y a=1 hello");
}

}  // namespace
}  // namespace ctodesk
