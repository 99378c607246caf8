#include "demo/demo_leaks.h"

#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

namespace ctodesk {

namespace {

std::string Random(std::mt19937_64& rng, std::string_view pool, int n) {
  std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
  std::string s;
  for (int i = 0; i < n; ++i) s += pool[pick(rng)];
  return s;
}

std::string GitDate(TimePoint t) { return fmt::format("@{} +0000", ToUnix(t)); }

}  // namespace

Result<std::string> WriteDemoLeaks(const std::filesystem::path& dir, TimePoint now, const std::string& own_key) {
  const std::filesystem::path repo = dir / "repos" / "payments-api";
  std::error_code ec;
  std::filesystem::remove_all(repo, ec);
  std::filesystem::create_directories(repo, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot create: {}", repo.string(), ec.message())));

  std::mt19937_64 rng(std::random_device{}());
  constexpr std::string_view kAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::string stripe = "sk_live_" + Random(rng, kAlnum, 32);
  const std::string aws_id = "AKIA" + Random(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
  const std::string aws_secret = Random(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);

  auto write = [&](const std::string& path, const std::string& text) -> Result<void> {
    std::filesystem::create_directories((repo / path).parent_path());
    std::ofstream out(repo / path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return Fail(Error::Io(fmt::format("{}: cannot write", (repo / path).string())));
    return {};
  };
  auto git = [&](const std::string& who, const std::string& email, TimePoint when,
                 const std::string& args) -> Result<void> {
    std::string cmd = fmt::format(
        "cd '{}' && GIT_AUTHOR_NAME='{}' GIT_AUTHOR_EMAIL='{}' GIT_COMMITTER_NAME='{}' GIT_COMMITTER_EMAIL='{}' "
        "GIT_AUTHOR_DATE='{}' GIT_COMMITTER_DATE='{}' GIT_CONFIG_NOSYSTEM=1 HOME='{}' "
        "git -c commit.gpgsign=false -c init.defaultBranch=main {} >/dev/null 2>&1",
        repo.string(), who, email, who, email, GitDate(when), GitDate(when), repo.string(), args);
    if (std::system(cmd.c_str()) != 0) {
      return Fail(Error::Io(fmt::format("demo: `git {}` failed in {} (is git installed?)", args, repo.string())));
    }
    return {};
  };
  using std::chrono::days;
  const std::string sam = "Sam Okafor", sam_mail = "sam@acme-parcels.example";
  const std::string jo = "Jo Lindqvist", jo_mail = "jo@acme-parcels.example";

  if (auto r = git(sam, sam_mail, now - days(60), "init -q"); !r) return Fail(r.error());
  if (auto r = write("README.md", "# payments-api\n\nCharges customers for parcels.\n"); !r) return Fail(r.error());
  if (auto r = write("app/charge.py", "import os\n\ndef charge(amount):\n    return amount\n"); !r) return Fail(r.error());
  if (auto r = git(sam, sam_mail, now - days(60), "add -A"); !r) return Fail(r.error());
  if (auto r = git(sam, sam_mail, now - days(60), "commit -q -m 'Initial payments service'"); !r) return Fail(r.error());

  if (auto r = write("app/settings.py", fmt::format("STRIPE_API_KEY = \"{}\"\nCURRENCY = \"EUR\"\n", stripe)); !r) {
    return Fail(r.error());
  }
  if (auto r = git(sam, sam_mail, now - days(40), "add -A"); !r) return Fail(r.error());
  if (auto r = git(sam, sam_mail, now - days(40), "commit -q -m 'Wire up Stripe'"); !r) return Fail(r.error());

  if (auto r = write("app/settings.py", "import os\n\nSTRIPE_API_KEY = os.environ[\"STRIPE_API_KEY\"]\nCURRENCY = \"EUR\"\n"); !r) {
    return Fail(r.error());
  }
  if (auto r = git(sam, sam_mail, now - days(30), "commit -q -am 'Read the Stripe key from the environment'"); !r) {
    return Fail(r.error());
  }

  if (!own_key.empty()) {
    if (auto r = write("deploy/partner-sync.env",
                       fmt::format("# Globex nightly sync\nPARTNER_API_URL=https://api.acme-parcels.example\n"
                                   "PARTNER_API_KEY={}\n", own_key));
        !r) {
      return Fail(r.error());
    }
    if (auto r = git(jo, jo_mail, now - days(6), "add -A"); !r) return Fail(r.error());
    if (auto r = git(jo, jo_mail, now - days(6), "commit -q -m 'Nightly partner sync for Globex'"); !r) {
      return Fail(r.error());
    }
  }

  if (auto r = write("deploy/ci.env", fmt::format("AWS_ACCESS_KEY_ID={}\nAWS_SECRET_ACCESS_KEY={}\nREGION=eu-west-1\n",
                                                  aws_id, aws_secret));
      !r) {
    return Fail(r.error());
  }
  if (auto r = git(jo, jo_mail, now - days(2), "add -A"); !r) return Fail(r.error());
  if (auto r = git(jo, jo_mail, now - days(2), "commit -q -m 'CI: deploy to S3'"); !r) return Fail(r.error());

  return std::string(R"toml(
[leaks]
# Every commit of every branch, the first time; only new commits after that.
repositories = ["repos/payments-api"]
max_blob_size = "5MiB"
)toml");
}

}  // namespace ctodesk
