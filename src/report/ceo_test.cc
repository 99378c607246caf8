#include <gtest/gtest.h>

#include "report/report.h"

namespace ctodesk {
namespace {

Finding Make(Severity sev, Concern concern, std::string risk, std::string ask = "") {
  Finding f;
  f.desk = "health";
  f.subject = "https://api.internal/billing";
  f.kind = "down";
  f.severity = sev;
  f.title = "billing API is down: HTTP 503";
  f.detail = "GET https://api.internal/billing returned 503";
  f.evidence = {{"error", "HTTP 503"}};
  f.concern = concern;
  f.plain = {std::move(risk), "The team is on it.", std::move(ask)};
  f.first_seen = f.last_seen = *ParseTime("2026-11-27T08:00:00Z");
  return f;
}

Briefing Sample() {
  Briefing b;
  b.company = "Acme";
  b.generated_at = *ParseTime("2026-11-27T08:00:00Z");
  b.findings = {
      Make(Severity::kActNow, Concern::kCustomers, "Online billing is not working.",
           "Decide whether to tell customers."),
      Make(Severity::kToday, Concern::kSecurity, "A password was published by mistake."),
      Make(Severity::kThisWeek, Concern::kCustomers, "The website certificate runs out soon."),
      Make(Severity::kFyi, Concern::kTechnology, "A library is old."),
  };
  Finding bare = Make(Severity::kToday, Concern::kSuppliers, "");
  bare.desk = "suppliers";
  bare.plain = {};
  b.findings.push_back(bare);
  b.resolved = {Make(Severity::kActNow, Concern::kCustomers, "Fixed thing.")};
  return b;
}

TEST(CeoSummaryTest, AsksFirstThenConcernsInOrder) {
  std::string md = RenderCeoMarkdown(Sample());
  size_t asks = md.find("## What we need from you");
  size_t ask = md.find("1. Decide whether to tell customers.");
  size_t customers = md.find("## Customers");
  size_t security = md.find("## Security");
  size_t suppliers = md.find("## Suppliers");
  ASSERT_NE(asks, std::string::npos) << md;
  ASSERT_NE(ask, std::string::npos) << md;
  ASSERT_NE(customers, std::string::npos) << md;
  ASSERT_NE(security, std::string::npos) << md;
  ASSERT_NE(suppliers, std::string::npos) << md;
  EXPECT_LT(asks, ask);
  EXPECT_LT(ask, customers);
  EXPECT_LT(customers, security);
  EXPECT_LT(security, suppliers);
  EXPECT_NE(md.find("- **Now.** Online billing is not working. The team is on it."), std::string::npos) << md;
  EXPECT_NE(md.find("- **This week.** The website certificate runs out soon."), std::string::npos) << md;
  EXPECT_NE(md.find("**In short:** 1 thing needs attention now, 2 today and 1 this week. "
                    "1 problem was fixed since yesterday."),
            std::string::npos)
      << md;
}

TEST(CeoSummaryTest, NothingTechnicalOrFyiLeaks) {
  std::string md = RenderCeoMarkdown(Sample());
  std::string html = RenderCeoHtml(Sample());
  for (const std::string& out : {md, html}) {
    for (const char* banned : {"HTTP", "503", "api.internal", "billing API", "health", "A library is old"}) {
      EXPECT_EQ(out.find(banned), std::string::npos) << banned;
    }
  }
  EXPECT_NE(md.find("1 smaller note for the engineering team"), std::string::npos) << md;
  // A finding without plain words gets a generic, jargon-free sentence.
  EXPECT_NE(md.find("Our daily check of data from our suppliers found a problem."), std::string::npos) << md;
}

TEST(CeoSummaryTest, NoAsksSaysSoAndHtmlEscapes) {
  Briefing b = Sample();
  b.findings[0].plain.ask.clear();
  b.findings[1].plain.risk = "<script>alert(1)</script>";
  EXPECT_NE(RenderCeoMarkdown(b).find("Nothing needs your decision today."), std::string::npos);
  std::string html = RenderCeoHtml(b);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}

TEST(CeoSummaryTest, AllClear) {
  Briefing b;
  b.company = "Acme";
  b.generated_at = *ParseTime("2026-11-27T08:00:00Z");
  std::string md = RenderCeoMarkdown(b);
  EXPECT_NE(md.find("**In short:** Nothing needs attention."), std::string::npos) << md;
}

}  // namespace
}  // namespace ctodesk
