// Our API keys' format: `<prefix>_<32 base62 random><6 base62 checksum>`, e.g.
// `acme_4fQ...` — the random part comes from OpenSSL's CSPRNG (RAND_bytes),
// the checksum is CRC32 of `<prefix>_<random>` written as 6 base62 digits.
// The checksum lets anyone (the guard, the leaks desk) tell a real key of ours
// from a typo or a look-alike offline, without touching the registry. Only the
// SHA-256 of a key is ever stored.
//
// All functions are thread-safe and never log or keep the plain key.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace ctodesk::keys {

constexpr size_t kRandomChars = 32;
constexpr size_t kChecksumChars = 6;

// A prefix is 2 to 16 characters of [a-z0-9]. False otherwise.
bool ValidPrefix(std::string_view prefix);

// A fresh plain key with `prefix`. Fails only when the CSPRNG does or the
// prefix is invalid.
Result<std::string> GenerateKey(std::string_view prefix);

// True when `text` is exactly one key of ours: a valid prefix, '_', 38 base62
// characters, and a checksum that matches. With a non-empty `prefix`, the key
// must also carry that prefix. For the leaks desk and the guard.
bool LooksLikeOurKey(std::string_view text, std::string_view prefix = {});

// The 6-character checksum of `<prefix>_<random>` (exposed for tests).
std::string Checksum(std::string_view prefix_and_random);

// Lower-case hex SHA-256 of a plain key: what the registry stores.
std::string HashKey(std::string_view plain_key);
// The same into a caller's buffer (no allocation: the guard's hot path).
void HashKeyInto(std::string_view plain_key, std::array<char, 64>& hex);

// A short, safe display form: "acme_...x9Qz" (the prefix and the last 4).
std::string KeyHint(std::string_view plain_key);

// A public key id: "key_" + 12 hex characters from the CSPRNG.
Result<std::string> NewKeyId();

}  // namespace ctodesk::keys
