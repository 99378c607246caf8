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

TEST(CeoWeekTest, PromisesNewFixedAndStillOpen) {
  Briefing b = Sample();
  WeekReview w;
  w.to = b.generated_at;
  w.from = w.to - std::chrono::hours(24 * 7);
  w.new_risks = {b.findings[0]};
  Finding old = b.findings[2];
  old.first_seen = w.to - std::chrono::hours(24 * 12);
  w.continuing = {old, b.findings[3]};
  Finding fixed = Make(Severity::kActNow, Concern::kCustomers, "Fixed thing.");
  Finding fixed2 = fixed;
  fixed2.desk = "backups";
  w.resolved = {fixed, fixed, fixed2};
  w.promises = {{"The 2.4 release", "2026-11-24", true, false, "went out on time"},
                {"\"Checkout\"", "2026-11-25", false, false, "was not finished: 3 pieces of work still open"}};
  std::string md = RenderCeoWeekMarkdown(b, w);
  EXPECT_NE(md.find("# Acme: the week in review"), std::string::npos) << md;
  EXPECT_NE(md.find("**In short:** 1 new risk this week, 3 fixed, and 1 still open from before. "
                    "We kept 1 of the 2 dated promises that fell this week."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- **Kept.** The 2.4 release, due 24 November, went out on time."), std::string::npos) << md;
  EXPECT_NE(md.find("- **Missed.** \"Checkout\", due 25 November, was not finished"), std::string::npos) << md;
  EXPECT_NE(md.find("- **Fixed.** 2 problems about whether our services are up."), std::string::npos) << md;
  EXPECT_NE(md.find("- **Fixed.** 1 problem about our backups."), std::string::npos) << md;
  EXPECT_NE(md.find("The website certificate runs out soon. The team is on it. (open for 13 days)"),
            std::string::npos)
      << md;
  // Asks come first; FYI and technical text never appear.
  EXPECT_LT(md.find("## What we need from you"), md.find("## Promises kept and missed"));
  for (const char* banned : {"HTTP", "503", "A library is old", "api.internal"}) {
    EXPECT_EQ(md.find(banned), std::string::npos) << banned;
  }
  std::string html = RenderCeoWeekHtml(b, w);
  EXPECT_NE(html.find("<h2>Promises kept and missed</h2>"), std::string::npos);
  EXPECT_NE(html.find("&quot;Checkout&quot;"), std::string::npos);
}

TEST(CeoWeekTest, QuietWeek) {
  Briefing b;
  b.company = "Acme";
  b.generated_at = *ParseTime("2026-11-27T08:00:00Z");
  WeekReview w;
  w.to = b.generated_at;
  w.from = w.to - std::chrono::hours(24 * 7);
  std::string md = RenderCeoWeekMarkdown(b, w);
  EXPECT_NE(md.find("**In short:** 0 new risks this week, 0 fixed, and 0 still open from before."),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("## Promises"), std::string::npos) << md;
  EXPECT_NE(md.find("Nothing needs your decision this week."), std::string::npos) << md;
}

}  // namespace
}  // namespace ctodesk
