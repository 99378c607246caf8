// The audit trail's chain hash and the constant-time hash comparison, shared
// by both store implementations. The canonical form is a JSON array, so no
// field can bleed into the next one (["a","bc"] and ["ab","c"] differ).
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "core/json_text.h"

namespace ctodesk {

std::string AuditEntryHash(const AuditEntry& e) {
  nlohmann::json canonical = nlohmann::json::array(
      {e.seq, ToUnix(e.at), e.actor, e.action, e.key_id, e.detail, e.prev_hash});
  std::string text = JsonText(canonical);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  std::string out;
  out.reserve(64);
  for (unsigned char c : digest) out += fmt::format("{:02x}", c);
  return out;
}

bool HashesEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ctodesk
