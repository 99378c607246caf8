#include "desks/keys/key_format.h"

#include <regex>
#include <set>

#include <gtest/gtest.h>

namespace ctodesk::keys {
namespace {

TEST(KeyFormatTest, GeneratedKeysHaveTheFormatAndPassTheChecksum) {
  std::regex shape("^acme_[0-9A-Za-z]{38}$");
  std::set<std::string> seen;
  for (int i = 0; i < 500; ++i) {
    auto k = GenerateKey("acme");
    ASSERT_TRUE(k) << k.error().message;
    EXPECT_TRUE(std::regex_match(*k, shape)) << "shape of key " << i;
    EXPECT_TRUE(LooksLikeOurKey(*k)) << "checksum of key " << i;
    EXPECT_TRUE(LooksLikeOurKey(*k, "acme")) << "with its prefix";
    EXPECT_FALSE(LooksLikeOurKey(*k, "other")) << "with another prefix";
    EXPECT_EQ(Checksum(std::string_view(*k).substr(0, 5 + 32)), k->substr(37)) << "checksum tail";
    seen.insert(*k);
  }
  EXPECT_EQ(seen.size(), 500u) << "keys repeat: the random part is not random";
}

TEST(KeyFormatTest, ChecksumMatchesZlibCrc32InBase62) {
  // zlib.crc32(b"ab_" + b"0"*32) in 6 big-endian base62 digits, computed in Python.
  EXPECT_EQ(Checksum("ab_" + std::string(32, '0')), "28Gy1v");
}

TEST(KeyFormatTest, EverySingleCharacterChangeIsCaught) {
  auto k = GenerateKey("ck");
  ASSERT_TRUE(k);
  for (size_t i = 3; i < k->size(); ++i) {
    std::string bad = *k;
    bad[i] = bad[i] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(LooksLikeOurKey(bad)) << "changed position " << i;
  }
}

TEST(KeyFormatTest, RejectsLookAlikes) {
  auto k = GenerateKey("ck");
  ASSERT_TRUE(k);
  struct Case {
    std::string text;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"ck_", "no body"},
      {k->substr(0, k->size() - 1), "one character short"},
      {*k + "x", "one character long"},
      {"CK" + k->substr(2), "upper-case prefix"},
      {"c_" + k->substr(3), "one-letter prefix"},
      {k->substr(0, 10) + "-" + k->substr(11), "non-base62 character"},
      {" " + *k, "leading space"},
  };
  for (const Case& c : cases) EXPECT_FALSE(LooksLikeOurKey(c.text)) << c.why;
  EXPECT_FALSE(GenerateKey("Bad!")) << "invalid prefix refused";
  EXPECT_FALSE(GenerateKey("x")) << "short prefix refused";
}

TEST(KeyFormatTest, HashHintAndId) {
  EXPECT_EQ(HashKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(KeyHint("acme_0123456789abcdefghijklmnopqrstuvWXYZ"), "acme_...WXYZ");
  auto id = NewKeyId();
  ASSERT_TRUE(id);
  EXPECT_TRUE(std::regex_match(*id, std::regex("^key_[0-9a-f]{12}$"))) << *id;
}

}  // namespace
}  // namespace ctodesk::keys
