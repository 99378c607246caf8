#include "desks/keys/key_format.h"
#include "core/hex.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <array>

#include <fmt/format.h>

namespace ctodesk::keys {

namespace {

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool IsBase62(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

}  // namespace

bool ValidPrefix(std::string_view prefix) {
  if (prefix.size() < 2 || prefix.size() > 16) return false;
  for (char c : prefix) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string Checksum(std::string_view prefix_and_random) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(prefix_and_random.data()),
              static_cast<uInt>(prefix_and_random.size()));
  std::uint64_t v = static_cast<std::uint32_t>(crc);
  std::string out(kChecksumChars, '0');
  for (size_t i = kChecksumChars; i-- > 0;) {  // big-endian, zero-padded: 62^6 > 2^32
    out[i] = kBase62[v % 62];
    v /= 62;
  }
  return out;
}

Result<std::string> GenerateKey(std::string_view prefix) {
  if (!ValidPrefix(prefix)) {
    return Fail(Error::Invalid(
        fmt::format("key prefix \"{}\": expected 2 to 16 characters of a-z and 0-9", prefix)));
  }
  std::string key(prefix);
  key += '_';
  // Rejection sampling: bytes >= 248 (= 4 * 62) would bias the modulo.
  std::array<unsigned char, 64> buf{};
  size_t have = 0;
  while (have < kRandomChars) {
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
      return Fail(Error::Internal("the CSPRNG (RAND_bytes) failed"));
    }
    for (unsigned char b : buf) {
      if (b >= 248 || have == kRandomChars) continue;
      key += kBase62[b % 62];
      ++have;
    }
  }
  buf.fill(0);
  key += Checksum(key);
  return key;
}

bool LooksLikeOurKey(std::string_view text, std::string_view prefix) {
  size_t us = text.rfind('_');
  if (us == std::string_view::npos) return false;
  std::string_view p = text.substr(0, us);
  std::string_view body = text.substr(us + 1);
  if (!ValidPrefix(p) || (!prefix.empty() && p != prefix)) return false;
  if (body.size() != kRandomChars + kChecksumChars) return false;
  for (char c : body) {
    if (!IsBase62(c)) return false;
  }
  return Checksum(text.substr(0, us + 1 + kRandomChars)) == body.substr(kRandomChars);
}

void HashKeyInto(std::string_view plain_key, std::array<char, 64>& hex) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(plain_key.data()), plain_key.size(), digest.data());
  HexInto(digest.data(), digest.size(), hex.data());
}

std::string HashKey(std::string_view plain_key) {
  std::array<char, 64> hex;
  HashKeyInto(plain_key, hex);
  return std::string(hex.data(), hex.size());
}

std::string KeyHint(std::string_view plain_key) {
  size_t us = plain_key.rfind('_');
  std::string_view prefix = us == std::string_view::npos ? "" : plain_key.substr(0, us);
  std::string_view tail = plain_key.size() >= 4 ? plain_key.substr(plain_key.size() - 4) : "";
  return fmt::format("{}_...{}", prefix, tail);
}

Result<std::string> NewKeyId() {
  std::array<unsigned char, 6> buf{};
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
    return Fail(Error::Internal("the CSPRNG (RAND_bytes) failed"));
  }
  std::string id = "key_" + Hex(buf.data(), buf.size());
  return id;
}

}  // namespace ctodesk::keys
