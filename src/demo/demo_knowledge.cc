#include "demo/demo_knowledge.h"

#include <fmt/format.h>

#include <vector>

#include "git/history.h"

namespace ctodesk {

namespace {

using Edits = std::vector<git::RepoWriter::Edit>;

const git::Identity kOlga{"Olga Petrova", "olga@acme-parcels.example"};
const git::Identity kAnn{"Ann Smith", "ann@acme-parcels.example"};
const git::Identity kAnnHome{"Ann Smith", "ann.smith@mail.example"};
const git::Identity kBob{"Bob Okafor", "bob@acme-parcels.example"};
const git::Identity kCat{"Cat Nguyen", "cat@acme-parcels.example"};
const git::Identity kDan{"Dan Weber", "dan@acme-parcels.example"};
const git::Identity kVendor{"SDK Bot", "sdk-bot@vendor.example"};

// Files `prefix`0..n-1 with a version line, so each rewrite is a change.
Edits Files(const std::string& prefix, const std::string& ext, int n, int version) {
  Edits e;
  for (int i = 0; i < n; ++i) {
    e.push_back(
        {fmt::format("{}{}.{}", prefix, i, ext),
         fmt::format("// {}{} revision {}\nint part_{} = {};\n", prefix, i, version, i, version)});
  }
  return e;
}

Result<void> WritePayments(const std::filesystem::path& repo, TimePoint now) {
  auto w = git::RepoWriter::Create(repo);
  if (!w) return Fail(w.error());
  auto at = [&](int days_ago) { return ToUnix(now) - std::int64_t{days_ago} * 86400; };
  struct Step {
    const git::Identity* who;
    int days_ago;
    Edits edits;
    const char* message;
  };
  std::vector<Step> steps;
  steps.push_back({&kOlga, 700, Files("src/billing/invoice_", "go", 6, 1), "billing: invoices"});
  steps.push_back(
      {&kAnn, 650, Files("src/ledger/entry_", "go", 6, 1), "ledger: double-entry core"});
  steps.push_back(
      {&kVendor, 640, Files("vendor/stripe-sdk/client_", "go", 8, 1), "vendor the Stripe SDK"});
  steps.push_back({&kOlga, 400, Files("src/billing/invoice_", "go", 6, 2), "billing: tax rules"});
  steps.push_back(
      {&kAnnHome, 300, Files("src/ledger/entry_", "go", 6, 2), "ledger: reconciliation"});
  steps.push_back(
      {&kOlga, 122, Files("src/billing/invoice_", "go", 6, 3), "billing: credit notes"});
  steps.push_back({&kBob, 60, Files("src/ledger/entry_", "go", 1, 3), "ledger: fix rounding"});
  steps.push_back({&kAnn, 6, Files("src/ledger/entry_", "go", 6, 4), "ledger: multi-currency"});
  for (const Step& s : steps) {
    if (auto c = (*w)->Commit(*s.who, at(s.days_ago), s.edits, s.message); !c)
      return Fail(c.error());
  }
  return (*w)->Checkout();
}

Result<void> WriteStorefront(const std::filesystem::path& repo, TimePoint now) {
  auto w = git::RepoWriter::Create(repo);
  if (!w) return Fail(w.error());
  auto at = [&](int days_ago) { return ToUnix(now) - std::int64_t{days_ago} * 86400; };
  // Ann wrote the web pages 14 months ago; since then Bob, Cat and Dan each
  // built a part, and Bob learnt the pages.
  struct Step {
    const git::Identity* who;
    int days_ago;
    Edits edits;
  };
  std::vector<Step> steps;
  steps.push_back({&kAnn, 430, Files("web/page_", "ts", 6, 1)});
  steps.push_back({&kBob, 250, Files("api/handler_", "ts", 6, 1)});
  steps.push_back({&kCat, 160, Files("search/index_", "ts", 6, 1)});
  steps.push_back({&kDan, 70, Files("checkout/step_", "ts", 6, 1)});
  for (int v = 2; v <= 4; ++v) steps.push_back({&kBob, 50 - 5 * v, Files("web/page_", "ts", 6, v)});
  steps.push_back({&kBob, 20, Files("api/handler_", "ts", 6, 2)});
  steps.push_back({&kCat, 3, Files("search/index_", "ts", 6, 2)});
  for (const Step& s : steps) {
    if (auto c = (*w)->Commit(*s.who, at(s.days_ago), s.edits, "storefront work"); !c)
      return Fail(c.error());
  }
  return (*w)->Checkout();
}

}  // namespace

Result<std::string> WriteDemoKnowledge(const std::filesystem::path& dir, TimePoint now) {
  for (const char* name : {"payments", "storefront"}) {
    std::error_code ec;
    std::filesystem::remove_all(dir / "repos" / name, ec);
  }
  if (auto r = WritePayments(dir / "repos" / "payments", now); !r) return Fail(r.error());
  if (auto r = WriteStorefront(dir / "repos" / "storefront", now); !r) return Fail(r.error());
  return std::string(R"toml(
[knowledge]
# Who knows the code: degree of authorship from git history. Vendored folders
# (vendor/, third_party/, node_modules/), lockfiles and minified files do not count.
inactive_days = 90

[[knowledge.repos]]
name = "payments"
path = "repos/payments"

[[knowledge.repos.components]]
name = "billing"
paths = ["src/billing/**"]

[[knowledge.repos.components]]
name = "ledger"
paths = ["src/ledger/**"]

[[knowledge.repos]]
name = "storefront"
path = "repos/storefront"
)toml");
}

}  // namespace ctodesk
