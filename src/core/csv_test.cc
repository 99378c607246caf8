#include "core/csv.h"

#include <sstream>

#include <gtest/gtest.h>

namespace ctodesk {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Reads all records, or returns the error message in `error`.
Rows ReadAll(const std::string& text, CsvDialect d, std::string* error = nullptr,
             std::vector<std::int64_t>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in, d, "in.csv");
  Rows rows;
  std::vector<std::string> fields;
  while (reader.Next(fields)) {
    rows.push_back(fields);
    if (lines) lines->push_back(reader.line());
  }
  if (error) *error = reader.error() ? reader.error()->message : "";
  return rows;
}

TEST(CsvTest, ReadsRecords) {
  struct Case {
    const char* name;
    std::string text;
    Rows want;
  } cases[] = {
      {"simple", "a,b\n1,2\n", {{"a", "b"}, {"1", "2"}}},
      {"no final newline", "a,b\n1,2", {{"a", "b"}, {"1", "2"}}},
      {"crlf", "a,b\r\n1,2\r\n", {{"a", "b"}, {"1", "2"}}},
      {"bom", "\xEF\xBB\xBF" "a,b\n1,2\n", {{"a", "b"}, {"1", "2"}}},
      {"quoted comma", "a,\"b,c\"\n", {{"a", "b,c"}}},
      {"doubled quote", "\"say \"\"hi\"\"\",x\n", {{"say \"hi\"", "x"}}},
      {"quoted newline", "id,body\n1,\"line one\nline two\"\n2,x\n",
       {{"id", "body"}, {"1", "line one\nline two"}, {"2", "x"}}},
      {"empty fields", ",,\n", {{"", "", ""}}},
      {"blank lines skipped", "a\n\n\nb\n", {{"a"}, {"b"}}},
      {"ragged rows kept", "a,b,c\n1\n1,2,3,4\n", {{"a", "b", "c"}, {"1"}, {"1", "2", "3", "4"}}},
      {"stray quote kept", "ab\"c,d\n", {{"ab\"c", "d"}}},
      {"text after closing quote", "\"ab\"c,d\n", {{"abc", "d"}}},
      {"empty quoted", "\"\",x\n", {{"", "x"}}},
  };
  for (const Case& c : cases) {
    std::string error;
    EXPECT_EQ(ReadAll(c.text, {}, &error), c.want) << c.name;
    EXPECT_EQ(error, "") << c.name;
  }
}

TEST(CsvTest, LineNumbersCountQuotedNewlines) {
  std::vector<std::int64_t> lines;
  ReadAll("h\n\"a\nb\nc\"\n\nx\n", {}, nullptr, &lines);
  EXPECT_EQ(lines, (std::vector<std::int64_t>{1, 2, 6}));
}

TEST(CsvTest, UnterminatedQuoteSaysWhereItOpened) {
  std::string error;
  Rows rows = ReadAll("id,body\n1,ok\n2,\"never closed\n3,x\n", {}, &error);
  EXPECT_EQ(rows.size(), 2u);
  EXPECT_EQ(error, "in.csv:5: unterminated quoted field (opened on line 3)");
}

TEST(CsvTest, ReadsAcrossChunkBoundaries) {
  // Fields and a CRLF straddling the 256 KiB chunk edge.
  std::string text;
  int n = 0;
  while (text.size() < 600 * 1024) {
    text += std::to_string(n) + ",\"quoted, " + std::to_string(n) + "\"\r\n";
    ++n;
  }
  Rows rows = ReadAll(text, {});
  ASSERT_EQ(rows.size(), static_cast<size_t>(n));
  for (int i = 0; i < n; i += 997) {
    EXPECT_EQ(rows[static_cast<size_t>(i)][1], "quoted, " + std::to_string(i)) << i;
  }
}

TEST(CsvTest, DetectsTheDelimiter) {
  struct Case {
    const char* text;
    char want;
  } cases[] = {
      {"a,b,c\n1,2,3\n", ','},
      {"a;b;c\n1;2,5;3\n", ';'},
      {"a\tb\n1\t2\n", '\t'},
      {"a|b|c\n1|2|3\n", '|'},
      {"\"x,y\";b\n\"1,2\";3\n", ';'},
      {"single\n", ','},
  };
  for (const Case& c : cases) EXPECT_EQ(DetectCsvDialect(c.text).delimiter, c.want) << c.text;
}

TEST(CsvTest, ParseCsvWithHeaderAndColumns) {
  auto t = ParseCsv("\xEF\xBB\xBF" "Id; Created ;Type\n1;2026-01-02;bug\n\n2;2026-01-03;story\n",
                    "jira.csv");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->Column("created"), 1u);
  EXPECT_EQ(t->Column("TYPE"), 2u);
  EXPECT_EQ(t->Column("done"), std::nullopt);
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[1].line, 4);
  EXPECT_EQ(t->rows[1].fields[2], "story");

  auto empty = ParseCsv("", "empty.csv");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "empty.csv: empty file, expected a header row");
}

TEST(CsvTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("latin1 caf\xE9"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

}  // namespace
}  // namespace ctodesk
