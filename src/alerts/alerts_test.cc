#include "alerts/alerts.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "loopback/loopback_server.h"

namespace ctodesk {
namespace {

TimePoint At(const char* s) { return *ParseTime(s); }

Finding Make(std::string subject, Severity sev, std::string detail = "503") {
  Finding f;
  f.desk = "health";
  f.subject = subject;
  f.kind = "down";
  f.severity = sev;
  f.title = subject + " is down";
  f.detail = std::move(detail);
  f.action = "page on-call";
  return f;
}

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = LoopbackServer::Start({{"/hook", 200, "ok"}});
    ASSERT_TRUE(s);
    receiver_ = std::move(*s);
    target_.name = "ops";
    target_.url = receiver_->Url("/hook");
    target_.backoff = std::chrono::milliseconds(10);
    briefing_.company = "Acme";
    briefing_.generated_at = At("2026-11-27T08:00:00Z");
  }
  std::vector<std::string> Texts() {
    std::vector<std::string> out;
    for (const auto& r : receiver_->Requests()) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      EXPECT_TRUE(j.is_object() && j.contains("text")) << r.body;
      out.push_back(j.is_object() ? j.value("text", "") : "");
    }
    return out;
  }
  DeliveryReport NotifyOnce() {
    auto reports = Notify(briefing_, {target_}, *store_);
    EXPECT_EQ(reports.size(), 1u);
    return reports.empty() ? DeliveryReport{} : reports[0];
  }

  std::unique_ptr<LoopbackServer> receiver_;
  std::unique_ptr<Store> store_ = NewMemoryStore();
  AlertTarget target_;
  Briefing briefing_;
};

TEST_F(AlertsTest, SendsSlackCompatibleJsonWithNewActNowFindings) {
  briefing_.findings = {Make("api", Severity::kActNow), Make("web", Severity::kToday)};
  DeliveryReport r = NotifyOnce();
  EXPECT_TRUE(r.delivered) << r.error;
  EXPECT_EQ(r.findings, 1);  // only act-now by default
  auto texts = Texts();
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_NE(texts[0].find("*NEW* [act-now] api is down"), std::string::npos) << texts[0];
  EXPECT_EQ(texts[0].find("web is down"), std::string::npos) << texts[0];
  EXPECT_NE(texts[0].find("Acme"), std::string::npos) << texts[0];
  auto req = receiver_->Requests()[0];
  EXPECT_EQ(req.method, "POST");
  bool json_type = false;
  for (auto& [k, v] : req.headers) json_type |= (k == "Content-Type" && v == "application/json");
  EXPECT_TRUE(json_type);
}

TEST_F(AlertsTest, NoStormsOnlyChangesAndResolutions) {
  briefing_.findings = {Make("api", Severity::kActNow)};
  ASSERT_TRUE(NotifyOnce().delivered);
  // Same finding, same day: nothing to say.
  briefing_.generated_at += std::chrono::minutes(5);
  DeliveryReport again = NotifyOnce();
  EXPECT_TRUE(again.skipped);
  EXPECT_EQ(Texts().size(), 1u);
  // Its detail changed: sent once more.
  briefing_.findings = {Make("api", Severity::kActNow, "now timing out")};
  EXPECT_TRUE(NotifyOnce().delivered);
  EXPECT_TRUE(NotifyOnce().skipped);
  // Resolved: sent once.
  Finding resolved = briefing_.findings[0];
  resolved.resolved_at = briefing_.generated_at;
  briefing_.findings.clear();
  briefing_.resolved = {resolved};
  EXPECT_TRUE(NotifyOnce().delivered);
  EXPECT_TRUE(NotifyOnce().skipped);
  auto texts = Texts();
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_NE(texts[1].find("*CHANGED*"), std::string::npos) << texts[1];
  EXPECT_NE(texts[2].find("*RESOLVED*"), std::string::npos) << texts[2];
  // A new day brings a digest even with nothing new.
  briefing_.generated_at += std::chrono::hours(24);
  briefing_.resolved.clear();
  EXPECT_TRUE(NotifyOnce().delivered);
  EXPECT_EQ(Texts().size(), 4u);
}

TEST_F(AlertsTest, MinSeverityWidensWhatIsSent) {
  target_.min_severity = Severity::kToday;
  briefing_.findings = {Make("api", Severity::kActNow), Make("web", Severity::kToday),
                        Make("docs", Severity::kFyi)};
  DeliveryReport r = NotifyOnce();
  EXPECT_EQ(r.findings, 2);
}

TEST_F(AlertsTest, ADownReceiverIsRetriedReportedAndTriedAgainNextRun) {
  AlertTarget down = target_;
  down.url = "http://127.0.0.1:" + std::to_string(UnusedLoopbackPort()) + "/hook";
  down.attempts = 3;
  briefing_.findings = {Make("api", Severity::kActNow)};
  auto start = std::chrono::steady_clock::now();
  auto reports = Notify(briefing_, {down}, *store_);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_FALSE(reports[0].delivered);
  EXPECT_EQ(reports[0].attempts, 3);
  EXPECT_FALSE(reports[0].error.empty());
  EXPECT_GE(took, std::chrono::milliseconds(30)) << "backoff 10ms then 20ms";
  // Same name, receiver back: the finding is still news.
  DeliveryReport r = NotifyOnce();
  EXPECT_TRUE(r.delivered);
  EXPECT_EQ(r.findings, 1);
}

TEST_F(AlertsTest, ServerErrorsAreRetriedClientErrorsAreNot) {
  receiver_->SetRoute({"/hook", 500, "oops"});
  target_.attempts = 3;
  briefing_.findings = {Make("api", Severity::kActNow)};
  DeliveryReport r = NotifyOnce();
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.error, "HTTP 500");
  EXPECT_EQ(receiver_->Requests().size(), 3u);
  receiver_->SetRoute({"/hook", 404, "no such hook"});
  r = NotifyOnce();
  EXPECT_EQ(r.error, "HTTP 404");
  EXPECT_EQ(receiver_->Requests().size(), 4u);
}

TEST(AlertConfigTest, ReadsTargets) {
  auto reader = ConfigReader::FromString(
      "[[alerts]]\nname = \"ops\"\nurl = \"https://hooks.example/x\"\nmin_severity = \"today\"\n"
      "attempts = 5\nbackoff = \"2s\"\ntimeout = \"3s\"\n",
      "ctodesk.toml", ".");
  ASSERT_TRUE(reader);
  ConfigTable root = (*reader)->Root();
  auto targets = ReadAlertTargets(root);
  (*reader)->Finish();
  EXPECT_EQ((*reader)->IssuesText(), "");
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].min_severity, Severity::kToday);
  EXPECT_EQ(targets[0].attempts, 5);
  EXPECT_EQ(targets[0].backoff, Duration(std::chrono::seconds(2)));
  EXPECT_EQ(targets[0].timeout, Duration(std::chrono::seconds(3)));
}

}  // namespace
}  // namespace ctodesk
