#include "core/config.h"

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

std::unique_ptr<ConfigReader> Read(const char* text) {
  auto r = ConfigReader::FromString(text, "ctodesk.toml", "/etc/ctodesk");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? std::move(*r) : nullptr;
}

TEST(ConfigTest, SyntaxErrorNamesLineAndColumn) {
  auto r = ConfigReader::FromString("[company]\nname = \"x\nother = 1\n", "ctodesk.toml", ".");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().message.rfind("ctodesk.toml:2:", 0), 0u) << r.error().message;
  EXPECT_NE(r.error().message.find("not valid TOML"), std::string::npos) << r.error().message;
}

TEST(ConfigTest, MissingFileSaysSo) {
  auto r = ConfigReader::Open("/nonexistent/ctodesk.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "/nonexistent/ctodesk.toml: cannot read config file (does it exist? try `ctodesk init`)");
}

TEST(ConfigTest, TypedGettersReadValues) {
  auto reader = Read(R"(
name = "acme"
count = 5
ratio = 0.5
on = true
timeout = "1h30m"
when = 2026-11-27
codes = [200, 204]
tags = "one"
path = "data/x.csv"
headers = { Accept = "json", X-Team = "core" }
)");
  ConfigTable t = reader->Root();
  EXPECT_EQ(t.String("name"), "acme");
  EXPECT_EQ(t.Int("count", 0, 10), 5);
  EXPECT_EQ(t.Number("ratio"), 0.5);
  EXPECT_EQ(t.Bool("on"), true);
  EXPECT_EQ(t.DurationValue("timeout"), Duration(std::chrono::minutes(90)));
  EXPECT_EQ(FormatTime(*t.Time("when")), "2026-11-27T00:00:00Z");
  EXPECT_EQ(t.IntList("codes", 100, 599), (std::vector<std::int64_t>{200, 204}));
  EXPECT_EQ(t.StringList("tags"), (std::vector<std::string>{"one"}));
  EXPECT_EQ(*t.Path("path"), std::filesystem::path("/etc/ctodesk/data/x.csv"));
  auto headers = t.StringMap("headers");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[1].first, "X-Team");
  reader->Finish();
  EXPECT_EQ(reader->IssuesText(), "");
}

// Each case: a config, what the code reads, and the exact message expected.
TEST(ConfigTest, ErrorsNameFileLineKeyAndExpectation) {
  struct Case {
    const char* name;
    const char* text;
    void (*read)(ConfigTable&);
    const char* want;
  } cases[] = {
      {"wrong type", "[a]\nname = 5\n",
       [](ConfigTable& r) { r.Table("a")->String("name"); },
       "ctodesk.toml:2:8: a.name: expected a string, got an integer"},
      {"bad duration", "[a]\ntimeout = \"fast\"\n",
       [](ConfigTable& r) { r.Table("a")->DurationValue("timeout"); },
       "ctodesk.toml:2:11: a.timeout: expected a duration such as \"250ms\", \"5s\", \"15m\" or "
       "\"24h\", got a string \"fast\""},
      {"out of range", "[a]\nn = 70000\n",
       [](ConfigTable& r) { r.Table("a")->Int("n", 1, 65535); },
       "ctodesk.toml:2:5: a.n: expected an integer from 1 to 65535, got 70000"},
      {"missing key", "[[a.items]]\nother = 1\n",
       [](ConfigTable& r) {
         for (auto& t : r.Table("a")->TableArray("items")) {
           t.String("name", true);
           t.Accept("other");
         }
       },
       "ctodesk.toml:1:1: a.items[0]: missing required key \"name\""},
      {"unknown key with suggestion", "[a]\ntimout = \"5s\"\n",
       [](ConfigTable& r) { r.Table("a")->DurationValue("timeout"); },
       "ctodesk.toml:2:1: a.timout: unknown key; did you mean \"timeout\"?"},
      {"unknown key without suggestion", "[a]\nzzzzzz = 1\n",
       [](ConfigTable& r) { r.Table("a")->String("name"); },
       "ctodesk.toml:2:1: a.zzzzzz: unknown key (known here: name)"},
      {"bad choice", "[a]\nmode = \"tpc\"\n",
       [](ConfigTable& r) { r.Table("a")->Choice("mode", {"http", "tcp"}); },
       "ctodesk.toml:2:8: a.mode: expected one of \"http\", \"tcp\", got \"tpc\"; did you mean \"tcp\"?"},
      {"table expected", "a = 3\n",
       [](ConfigTable& r) { r.Table("a"); },
       "ctodesk.toml:1:5: a: expected a table ([a]), got an integer"},
      {"array item type", "[a]\ncodes = [200, \"ok\"]\n",
       [](ConfigTable& r) { r.Table("a")->IntList("codes", 100, 599); },
       "ctodesk.toml:2:15: a.codes[1]: expected an integer, got a string"},
      {"map value type", "[a]\nheaders = { X = 1 }\n",
       [](ConfigTable& r) { r.Table("a")->StringMap("headers"); },
       "ctodesk.toml:2:17: a.headers.X: expected a string, got an integer"},
      {"bad time", "[a]\nat = \"soon\"\n",
       [](ConfigTable& r) { r.Table("a")->Time("at"); },
       "ctodesk.toml:2:6: a.at: expected a date or time such as 2026-11-27 or 2026-11-27T08:00:00Z, "
       "got a string \"soon\""},
      {"bool expected", "[a]\non = \"yes\"\n",
       [](ConfigTable& r) { r.Table("a")->Bool("on"); },
       "ctodesk.toml:2:6: a.on: expected true or false, got a string \"yes\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto reader = Read(c.text);
    ASSERT_NE(reader, nullptr);
    ConfigTable root = reader->Root();
    c.read(root);
    reader->Finish();
    EXPECT_EQ(reader->IssuesText(), c.want);
  }
}

TEST(ConfigTest, ReportsEveryErrorInFileOrder) {
  auto reader = Read("[a]\nx = 1\ny = \"bad\"\nzz = 2\n");
  ConfigTable a = *reader->Root().Table("a");
  a.String("x");
  a.Int("y", 0, 10);
  reader->Finish();
  ASSERT_EQ(reader->issues().size(), 3u);
  EXPECT_EQ(reader->issues()[0].line, 2);
  EXPECT_EQ(reader->issues()[1].line, 3);
  EXPECT_EQ(reader->issues()[2].line, 4);
}

TEST(ConfigTest, DidYouMeanOnlySuggestsCloseWords) {
  std::vector<std::string> words = {"health", "backups", "leaks"};
  EXPECT_EQ(DidYouMean("helth", words), "health");
  EXPECT_EQ(DidYouMean("backup", words), "backups");
  EXPECT_EQ(DidYouMean("payroll", words), std::nullopt);
  EXPECT_EQ(DidYouMean("x", words), std::nullopt);
}

}  // namespace
}  // namespace ctodesk
