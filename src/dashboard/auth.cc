#include "dashboard/auth.h"
#include "core/hex.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace ctodesk::dashboard {

namespace {

constexpr int kLogN = 15;
constexpr int kR = 8;
constexpr int kP = 1;
constexpr size_t kHashBytes = 32;

bool Unhex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + i + 2) return false;
    out.push_back(static_cast<unsigned char>(v));
  }
  return true;
}

bool Scrypt(std::string_view password, const std::vector<unsigned char>& salt, int log_n, int r,
            int p, unsigned char* out, size_t out_len) {
  const uint64_t n = uint64_t{1} << log_n;
  const uint64_t max_mem = 128 * n * static_cast<uint64_t>(r) * static_cast<uint64_t>(p) + (64u << 20);
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n,
                        static_cast<uint64_t>(r), static_cast<uint64_t>(p), max_mem, out,
                        out_len) == 1;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  std::vector<unsigned char> salt(16);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    return Fail(Error::Internal("no randomness for a password salt"));
  }
  unsigned char hash[kHashBytes];
  if (!Scrypt(password, salt, kLogN, kR, kP, hash, sizeof hash)) {
    return Fail(Error::Internal("scrypt failed"));
  }
  return fmt::format("scrypt${}${}${}${}${}", kLogN, kR, kP, Hex(salt.data(), salt.size()),
                     Hex(hash, sizeof hash));
}

bool VerifyPassword(std::string_view password, std::string_view stored) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t d = stored.find('$', start);
    parts.push_back(stored.substr(start, d == std::string_view::npos ? d : d - start));
    if (d == std::string_view::npos) break;
    start = d + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  int nums[3];
  for (int i = 0; i < 3; ++i) {
    auto [p, ec] = std::from_chars(parts[1 + i].data(), parts[1 + i].data() + parts[1 + i].size(), nums[i]);
    if (ec != std::errc() || p != parts[1 + i].data() + parts[1 + i].size()) return false;
  }
  if (nums[0] < 10 || nums[0] > 22 || nums[1] < 1 || nums[1] > 32 || nums[2] < 1 || nums[2] > 16) {
    return false;
  }
  std::vector<unsigned char> salt, want;
  if (!Unhex(parts[4], salt) || !Unhex(parts[5], want) || want.empty() || want.size() > 64) {
    return false;
  }
  std::vector<unsigned char> got(want.size());
  if (!Scrypt(password, salt, nums[0], nums[1], nums[2], got.data(), got.size())) return false;
  return CRYPTO_memcmp(got.data(), want.data(), want.size()) == 0;
}

std::string RandomToken(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) std::abort();  // no CSPRNG: stop
  return Hex(buf.data(), buf.size());
}

std::string GeneratePassword(size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < length) {
    unsigned char b;
    if (RAND_bytes(&b, 1) != 1) std::abort();
    if (b >= 248) continue;  // 248 = 4 * 62: no modulo bias
    out += kAlphabet[b % 62];
  }
  return out;
}

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return Hex(digest, sizeof digest);
}

Result<void> CheckUserName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return Fail(Error::Invalid(fmt::format(
        "user name \"{}\": expected 1-64 letters, digits, '.', '_' or '-'", name)));
  }
  return {};
}

Result<void> CheckRole(std::string_view role) {
  if (role == "admin" || role == "read") return {};
  return Fail(Error::Invalid(fmt::format("--role \"{}\": expected admin or read", role)));
}

Result<UserRecord> AddUser(Store& store, std::string_view name, std::string_view role,
                           std::string_view password, TimePoint now) {
  if (auto r = CheckUserName(name); !r) return Fail(r.error());
  if (auto r = CheckRole(role); !r) return Fail(r.error());
  if (password.size() < kMinPasswordLength) {
    return Fail(Error::Invalid(fmt::format("password: expected at least {} characters, got {}",
                                           kMinPasswordLength, password.size())));
  }
  auto hash = HashPassword(password);
  if (!hash) return Fail(hash.error());
  UserRecord user{std::string(name), std::string(role), *hash, now};
  if (auto s = store.SaveUser(user); !s) return Fail(s.error());
  return user;
}

}  // namespace ctodesk::dashboard
