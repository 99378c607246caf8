// Tests for the feedback desk: the text pipeline (tokens, stop words, the
// Porter stemmer against its reference vocabulary, phrases, masking), the
// digest on generated corpora (a planted rising theme comes out on top; a
// stationary corpus has nothing rising), the findings, reading exports with
// mapped columns, and the [feedback] config reader's exact messages.
#include "desks/feedback/feedback.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/config.h"
#include "desks/feedback/text.h"

namespace ctodesk::feedback {
namespace {

using namespace std::chrono_literals;

TEST(TextTest, PorterStemmerReferenceVocabulary) {
  // Pairs from Porter's published test vocabulary (voc.txt / output.txt).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"caresses", "caress"},   {"ponies", "poni"},          {"ties", "ti"},
      {"caress", "caress"},     {"cats", "cat"},             {"feed", "feed"},
      {"agreed", "agre"},       {"plastered", "plaster"},    {"motoring", "motor"},
      {"sing", "sing"},         {"conflated", "conflat"},    {"troubled", "troubl"},
      {"sized", "size"},        {"hopping", "hop"},          {"tanned", "tan"},
      {"falling", "fall"},      {"hissing", "hiss"},         {"fizzed", "fizz"},
      {"failing", "fail"},      {"filing", "file"},          {"happy", "happi"},
      {"sky", "sky"},           {"relational", "relat"},     {"conditional", "condit"},
      {"rational", "ration"},   {"valenci", "valenc"},       {"digitizer", "digit"},
      {"conformabli", "conform"}, {"radicalli", "radic"},    {"differentli", "differ"},
      {"vileli", "vile"},       {"analogousli", "analog"},   {"vietnamization", "vietnam"},
      {"predication", "predic"}, {"operator", "oper"},       {"feudalism", "feudal"},
      {"decisiveness", "decis"}, {"hopefulness", "hope"},    {"callousness", "callous"},
      {"formaliti", "formal"},  {"sensitiviti", "sensit"},   {"sensibiliti", "sensibl"},
      {"triplicate", "triplic"}, {"formative", "form"},      {"formalize", "formal"},
      {"electriciti", "electr"}, {"electrical", "electr"},   {"hopeful", "hope"},
      {"goodness", "good"},     {"revival", "reviv"},        {"allowance", "allow"},
      {"inference", "infer"},   {"airliner", "airlin"},      {"gyroscopic", "gyroscop"},
      {"adjustable", "adjust"}, {"defensible", "defens"},    {"irritant", "irrit"},
      {"replacement", "replac"}, {"adjustment", "adjust"},   {"dependent", "depend"},
      {"adoption", "adopt"},    {"homologou", "homolog"},    {"communism", "commun"},
      {"activate", "activ"},    {"angulariti", "angular"},   {"homologous", "homolog"},
      {"effective", "effect"},  {"bowdlerize", "bowdler"},   {"probate", "probat"},
      {"rate", "rate"},         {"cease", "ceas"},           {"controll", "control"},
      {"roll", "roll"},         {"generalizations", "gener"}, {"oscillators", "oscil"},
      {"invoices", "invoic"},   {"invoice", "invoic"},       {"exporting", "export"},
      {"exports", "export"},    {"is", "is"},                {"refunds", "refund"},
  };
  for (const auto& [word, stem] : cases) EXPECT_EQ(PorterStem(word), stem) << "word \"" << word << "\"";
}

TEST(TextTest, TokenizeMarksBoundaries) {
  struct Case {
    std::string name, text;
    std::vector<std::string> tokens;
  };
  const std::vector<Case> cases = {
      {"words and punctuation", "Export fails, again!", {"export", "fails", "", "again"}},
      {"apostrophes", "I can't log in — it doesn’t work", {"cant", "log", "in", "", "it", "doesnt", "work"}},
      {"email and url skipped", "mail bob@example.com or see https://x.io/a now",
       {"mail", "", "or", "see", "", "now"}},
      {"numbers are boundaries", "error 504 on upload", {"error", "", "on", "upload"}},
      {"utf-8 letters kept", "Größe falsch", {"größe", "falsch"}},
  };
  for (const Case& c : cases) EXPECT_EQ(Tokenize(c.text), c.tokens) << "case \"" << c.name << "\"";
}

TEST(TextTest, MaskPersonalData) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"write to jane.doe+x@acme-corp.co.uk please", "write to [email] please"},
      {"call +44 20 7946 0958 today", "call [phone] today"},
      {"or (555) 123-4567.", "or [phone]."},
      {"mobile 0151-555-0199, office 555.123.4567", "mobile [phone], office [phone]"},
      {"since 2026-11-27 order 12345 failed", "since 2026-11-27 order 12345 failed"},
      {"an @ sign alone, a@b is no email", "an @ sign alone, a@b is no email"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(MaskPersonalData(in), want) << "input \"" << in << "\"";
}

TEST(TextTest, PhrasesDoNotCrossStopWords) {
  PhraseExtractor x;
  std::vector<Phrase> got;
  x.Extract("Exporting CSV files fails for the invoices", got);
  std::vector<std::string> keys;
  for (const Phrase& p : got) keys.push_back(p.key);
  const std::vector<std::string> want = {"csv",        "csv file",  "csv file fail", "export",
                                         "export csv", "export csv file", "fail", "file",
                                         "file fail",  "invoic"};
  EXPECT_EQ(keys, want);
  auto it = std::find_if(got.begin(), got.end(), [](const Phrase& p) { return p.key == "export csv"; });
  ASSERT_NE(it, got.end());
  EXPECT_EQ(it->surface, "exporting csv");
}

TEST(TextTest, GreetingsAndSignaturesAreNotPhrases) {
  PhraseExtractor x;
  std::vector<Phrase> got;
  x.Extract("Hi Maria, the export fails again. Best regards, Tom Smith", got);
  std::vector<std::string> keys;
  for (const Phrase& p : got) keys.push_back(p.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"export", "export fail", "fail"}));
  // A "thanks" mid-text is not a signature.
  x.Extract("Thanks, but the invoice download still fails for all our shops and every user here", got);
  EXPECT_TRUE(std::any_of(got.begin(), got.end(), [](const Phrase& p) { return p.key == "invoic download"; }));
}

TEST(TextTest, StripSignature) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"The export fails. Thanks, Maria", "The export fails."},
      {"It broke.\nBest regards,\nTom Smith\nAcme Ltd", "It broke."},
      {"Thanks for the quick fix yesterday, but today the invoice page is blank again for all of us",
       "Thanks for the quick fix yesterday, but today the invoice page is blank again for all of us"},
      {"No signature here", "No signature here"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(StripSignature(in), want) << "input \"" << in << "\"";
}

TEST(TextTest, ShortenAndClassTfIdf) {
  EXPECT_EQ(Shorten("short text", 40), "short text");
  EXPECT_EQ(Shorten("the quick brown fox jumps over the lazy dog", 20), "the quick brown fox...");
  EXPECT_EQ(Shorten("  many\n\nspaces   here ", 40), "many spaces here");
  // Same count this week: the phrase rare in other weeks scores higher.
  EXPECT_GT(ClassTfIdf(10, 100, 12, 100), ClassTfIdf(10, 100, 50, 100));
  EXPECT_EQ(ClassTfIdf(0, 100, 10, 100), 0.0);
  EXPECT_EQ(ClassTfIdf(5, 0, 10, 100), 0.0);
}

// ------------------------------------------------------------------ corpora

const TimePoint kNow = *ParseTime("2026-11-27T08:00:00Z");

struct ThemeSpec {
  std::vector<std::string> sentences;
  std::array<int, 5> per_week;
  bool enterprise = false;
};

// A generated support corpus: each theme's sentences, wrapped in greetings
// and filler, at the given weekly volumes (week 4 = the last 7 days).
std::vector<Ticket> Corpus(const std::vector<ThemeSpec>& themes, unsigned seed) {
  std::mt19937 rng(seed);
  const std::vector<std::string> greet = {"Hi,", "Hello team,", "Dear support,", "Hey there,", ""};
  const std::vector<std::string> filler = {"Thanks for your help.", "Regards, Sam", "Please advise.",
                                           "This is urgent for us.", "Best, Alex", ""};
  std::vector<Ticket> out;
  int id = 1000;
  for (size_t t = 0; t < themes.size(); ++t) {
    for (int w = 0; w < 5; ++w) {
      for (int k = 0; k < themes[t].per_week[static_cast<size_t>(w)]; ++k) {
        Ticket tk;
        tk.id = std::to_string(id++);
        tk.created = kNow - std::chrono::days(35 - 7 * w) + std::chrono::minutes(rng() % (7 * 24 * 60));
        const auto& s = themes[t].sentences;
        tk.subject = s[rng() % s.size()];
        tk.body = fmt::format("{} {} {} Contact me at user{}@mail.example or +1 415 555 {:04d}.",
                              greet[rng() % greet.size()], s[rng() % s.size()], filler[rng() % filler.size()],
                              id, static_cast<int>(rng() % 10000));
        tk.customer = themes[t].enterprise ? fmt::format("big-{}", rng() % 5) : fmt::format("c-{}", rng() % 400);
        tk.plan = themes[t].enterprise ? "enterprise" : (rng() % 3 == 0 ? "free" : "pro");
        tk.revenue = themes[t].enterprise ? 250000.0 + (rng() % 5) * 1000 : 100.0 + rng() % 2000;
        out.push_back(std::move(tk));
      }
    }
  }
  return out;
}

const std::vector<std::string> kPassword = {"Password reset email never arrives", "Cannot reset my password",
                                            "The password reset link has expired"};
const std::vector<std::string> kShipping = {"Shipping label printing is slow", "Label printer shows an error",
                                            "Printing shipping labels takes minutes"};
const std::vector<std::string> kTracking = {"Tracking page shows the wrong status",
                                            "Tracking status not updated for my parcel",
                                            "Parcel tracking page is stuck"};
const std::vector<std::string> kInvoice = {"Invoice PDF is blank", "The invoice PDF downloads empty",
                                           "Blank invoice PDF since the update"};
const std::vector<std::string> kSso = {"SSO login fails with SAML error", "Our SAML SSO login is broken",
                                       "SSO login redirect loop for all our users"};

Settings DefaultSettings() { return Settings{}; }

TEST(DigestTest, PlantedRisingThemeComesOutOnTop) {
  auto tickets = Corpus({{kPassword, {20, 22, 19, 21, 20}},
                         {kShipping, {15, 14, 16, 15, 15}},
                         {kTracking, {18, 17, 19, 18, 17}},
                         {kInvoice, {2, 1, 2, 3, 31}}},
                        7);
  Digest d = BuildDigest(tickets, WeekStart(kNow, std::nullopt), DefaultSettings());
  ASSERT_FALSE(d.themes.empty());
  const Theme& top = d.themes[0];
  EXPECT_EQ(top.label, "invoice pdf") << "phrases: " << fmt::format("{}", fmt::join(top.phrases, " | "));
  EXPECT_EQ(top.count(), 31);
  EXPECT_EQ(top.previous_week(), 3);
  EXPECT_TRUE(top.Rising());
  ASSERT_GE(top.quotes.size(), 2u);
  for (const Quote& q : top.quotes) {
    EXPECT_EQ(q.text.find("@mail.example"), std::string::npos) << q.text;
    EXPECT_EQ(q.text.find("415 555"), std::string::npos) << q.text;
  }
  int rising = 0;
  for (const Theme& t : d.themes) rising += t.Rising();
  EXPECT_EQ(rising, 1) << [&] {
    std::string s;
    for (const Theme& t : d.themes) s += fmt::format("{}: {}\n", t.label, fmt::join(t.weekly, ","));
    return s;
  }();
  // The stationary themes are found too, each with its own volume.
  std::vector<std::string> labels;
  for (const Theme& t : d.themes) labels.push_back(t.label);
  for (const char* want : {"password reset", "tracking", "shipping label"}) {
    EXPECT_TRUE(std::any_of(labels.begin(), labels.end(), [&](const std::string& l) { return l.find(want) != std::string::npos; }))
        << want << " not among " << fmt::format("{}", fmt::join(labels, " | "));
  }

  auto findings = DigestFindings(d);
  auto rising_finding = std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.kind == "rising"; });
  ASSERT_NE(rising_finding, findings.end());
  EXPECT_EQ(rising_finding->severity, Severity::kToday);
  EXPECT_EQ(rising_finding->subject, "theme: invoice pdf");
  EXPECT_EQ(rising_finding->title,
            "Support theme rising: \"invoice pdf\": 31 tickets this week, 3 last week (10.3x)");
  for (const auto& [k, v] : rising_finding->evidence) {
    EXPECT_EQ(v.find("@mail.example"), std::string::npos) << k << ": " << v;
  }
  EXPECT_TRUE(std::none_of(findings.begin(), findings.end(), [](const Finding& f) { return f.kind == "volume-up"; }));
}

TEST(DigestTest, StationaryCorpusHasNothingRising) {
  for (unsigned seed : {1u, 2u, 3u}) {
    SCOPED_TRACE(fmt::format("seed {}", seed));
    auto tickets = Corpus({{kPassword, {20, 22, 19, 21, 20}},
                           {kShipping, {15, 14, 16, 15, 15}},
                           {kTracking, {18, 17, 19, 18, 17}},
                           {kInvoice, {6, 5, 7, 6, 6}}},
                          seed);
    Digest d = BuildDigest(tickets, WeekStart(kNow, std::nullopt), DefaultSettings());
    EXPECT_GE(d.themes.size(), 3u);
    for (const Theme& t : d.themes) EXPECT_FALSE(t.Rising()) << t.label << " " << t.count() << " vs " << t.previous_week();
    for (const Finding& f : DigestFindings(d)) {
      EXPECT_NE(f.kind, "rising") << f.title;
      EXPECT_NE(f.kind, "volume-up") << f.title;
      EXPECT_NE(f.kind, "top-revenue") << f.title;
    }
  }
}

TEST(DigestTest, TopRevenueConcentrationAndVolume) {
  auto tickets = Corpus({{kPassword, {20, 22, 19, 21, 45}},
                         {kShipping, {15, 14, 16, 15, 30}},
                         {kSso, {3, 3, 2, 3, 8, }, true}},
                        11);
  Digest d = BuildDigest(tickets, WeekStart(kNow, std::nullopt), DefaultSettings());
  auto findings = DigestFindings(d);
  auto top = std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.kind == "top-revenue"; });
  ASSERT_NE(top, findings.end());
  EXPECT_EQ(top->subject.rfind("theme: sso login", 0), 0u) << top->subject;
  EXPECT_EQ(top->severity, Severity::kToday);
  auto volume = std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.kind == "volume-up"; });
  ASSERT_NE(volume, findings.end());
  EXPECT_EQ(volume->severity, Severity::kThisWeek);
  EXPECT_EQ(volume->title, "Support volume up 117%: 83 tickets this week against 38 a week before");
  auto digest = std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.kind == "digest"; });
  ASSERT_NE(digest, findings.end());
  EXPECT_EQ(digest->severity, Severity::kFyi);
}

TEST(DigestTest, WeekStart) {
  EXPECT_EQ(WeekStart(kNow, std::nullopt), kNow - std::chrono::days(7));
  // 2026-11-27 is a Friday; its week starts on Monday the 23rd.
  EXPECT_EQ(FormatTime(WeekStart(kNow, ParseTime("2026-11-27"))), "2026-11-23T00:00:00Z");
  EXPECT_EQ(FormatTime(WeekStart(kNow, ParseTime("2026-11-23T23:00:00Z"))), "2026-11-23T00:00:00Z");
  EXPECT_EQ(FormatTime(WeekStart(kNow, ParseTime("2026-11-22"))), "2026-11-16T00:00:00Z");
}

// ------------------------------------------------------------------ exports

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "feedback_test.XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

TEST(ExportTest, MappedColumnsCsvAndJson) {
  TempDir dir;
  WriteFile(dir.path() / "zendesk.csv",
            "Ticket ID;Created at;Subject;Description;Organization;Plan;ARR\n"
            "1;2026-11-26 10:00:00;Login broken;\"Cannot log in,\nsince today\";Acme;pro;$12,000\n"
            "2;26/11/2026;Bad date;x;Acme;pro;1\n"
            "3;2026-11-25T09:30:00+01:00;Export;CSV export fails;Beta;free;\n"
            "4;2026-01-01 10:00:00;Old;too old for the window;Beta;free;\n");
  WriteFile(dir.path() / "intercom.jsonl",
            "{\"id\":\"a\",\"created_at\":1795600000,\"title\":\"Slow\",\"body\":\"Dashboard slow\"}\n"
            "{\"id\":\"b\",\"created_at\":1795600000000,\"title\":\"Slow\",\"body\":\"Still slow\"}\n");
  Settings s;
  s.source = dir.path() / "zendesk.csv";
  s.columns = {"Ticket ID", "Created at", "Subject", "Description", "", "Organization", "Plan", "ARR"};
  auto loaded = LoadTickets(s, kNow - std::chrono::days(35), kNow);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->read, 4);
  EXPECT_EQ(loaded->skipped, 1);
  EXPECT_EQ(loaded->first_skipped_line, 4);
  ASSERT_EQ(loaded->tickets.size(), 2u);
  EXPECT_EQ(loaded->tickets[0].body, "Cannot log in,\nsince today");
  EXPECT_EQ(loaded->tickets[0].revenue, 12000.0);
  EXPECT_EQ(FormatTime(loaded->tickets[1].created), "2026-11-25T08:30:00Z");
  EXPECT_FALSE(loaded->tickets[1].revenue.has_value());

  s.source = dir.path() / "intercom.jsonl";
  s.columns = {};
  s.columns.subject = "title";
  auto json = LoadTickets(s, FromUnix(0), kNow);
  ASSERT_TRUE(json.has_value()) << json.error().message;
  ASSERT_EQ(json->tickets.size(), 2u);
  EXPECT_EQ(json->tickets[0].created, FromUnix(1795600000));
  EXPECT_EQ(json->tickets[1].created, FromUnix(1795600000));

  s.columns.created = "opened";
  auto missing = LoadTickets(s, FromUnix(0), kNow);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message,
            (dir.path() / "intercom.jsonl").string() +
                ": no column \"opened\" for the ticket's creation time (feedback.columns.created); the export "
                "has: id, created_at, title, body");

  WriteFile(dir.path() / "broken.csv", "id,created_at,body\n1,2026-11-26,\"unterminated\n");
  s.source = dir.path() / "broken.csv";
  s.columns = {};
  auto broken = LoadTickets(s, FromUnix(0), kNow);
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().message,
            (dir.path() / "broken.csv").string() + ":3: unterminated quoted field (opened on line 2)");
}

// ------------------------------------------------------------------- config

struct Parsed {
  std::unique_ptr<ConfigReader> reader;
  Settings settings;
};

Parsed Parse(const std::string& toml) {
  Parsed out;
  auto reader = ConfigReader::FromString(toml, "ctodesk.toml", "/srv/ctodesk");
  EXPECT_TRUE(reader.has_value()) << (reader ? "" : reader.error().message);
  if (!reader) return out;
  out.reader = std::move(*reader);
  if (auto section = out.reader->Root().Table("feedback", true)) out.settings = ReadSettings(*section);
  out.reader->Finish();
  return out;
}

TEST(FeedbackConfigTest, ValidAndErrors) {
  auto ok = Parse(R"(
[feedback]
source = "exports/tickets.csv.gz"
format = "csv"
free_plans = ["Free", "trial"]
top_revenue_share = "5%"
min_theme_tickets = 4
max_themes = 5
[feedback.columns]
id = "Ticket ID"
created = "Created at"
body = "Description"
revenue = "ARR"
)");
  ASSERT_EQ(ok.reader->IssuesText(), "");
  EXPECT_EQ(ok.settings.source, std::filesystem::path("/srv/ctodesk/exports/tickets.csv.gz"));
  EXPECT_EQ(ok.settings.columns.created, "Created at");
  EXPECT_EQ(ok.settings.columns.subject, "subject");  // default kept
  EXPECT_EQ(ok.settings.free_plans, (std::vector<std::string>{"free", "trial"}));
  EXPECT_DOUBLE_EQ(ok.settings.top_revenue_share, 0.05);
  EXPECT_EQ(ok.settings.max_themes, 5);

  struct Case {
    std::string name, toml;
    std::vector<std::string> issues;
  };
  const std::vector<Case> cases = {
      {"no source", "[feedback]\n", {"1: feedback: missing required key \"source\""}},
      {"bad share", "[feedback]\nsource = \"t.csv\"\ntop_revenue_share = \"lots\"\n",
       {"3: feedback.top_revenue_share: expected a percentage of customers such as \"10%\", got \"lots\""}},
      {"column typo", "[feedback]\nsource = \"t.csv\"\n[feedback.columns]\nbdy = \"text\"\n",
       {"4: feedback.columns.bdy: unknown key; did you mean \"body\"?"}},
      {"empty created", "[feedback]\nsource = \"t.csv\"\n[feedback.columns]\ncreated = \"\"\n",
       {"4: feedback.columns.created: expected the name of the column with each ticket's creation time"}},
      {"bad format", "[feedback]\nsource = \"t.csv\"\nformat = \"xml\"\n",
       {"3: feedback.format: expected one of \"auto\", \"csv\", \"jsonl\", \"json\", got \"xml\""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("case \"" + c.name + "\"");
    auto parsed = Parse(c.toml);
    ASSERT_TRUE(parsed.reader);
    std::vector<std::string> got;
    for (const ConfigIssue& issue : parsed.reader->issues()) {
      got.push_back(std::to_string(issue.line) + ": " + issue.field + ": " + issue.message);
    }
    EXPECT_EQ(got, c.issues) << parsed.reader->IssuesText();
  }
}

}  // namespace
}  // namespace ctodesk::feedback
