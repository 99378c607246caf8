// Dashboard accounts: passwords hashed with scrypt (OpenSSL EVP_PBE_scrypt),
// random tokens for sessions and CSRF, and the checks on names and roles.
//
// A password hash is one self-describing string,
//   scrypt$<log2 N>$<r>$<p>$<salt hex>$<hash hex>
// so the cost can be raised later without breaking stored accounts.
// All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "store/store.h"

namespace ctodesk::dashboard {

// Hashes with a fresh 16-byte salt (N = 2^15, r = 8, p = 1).
Result<std::string> HashPassword(std::string_view password);
// Constant-time check; false for a malformed hash.
bool VerifyPassword(std::string_view password, std::string_view hash);

// `bytes` random bytes from the CSPRNG, as lower-case hex.
std::string RandomToken(size_t bytes = 32);
// A readable random password of `length` base62 characters.
std::string GeneratePassword(size_t length = 20);
// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view text);

// 1-64 of [A-Za-z0-9._-]; otherwise an Error saying so.
Result<void> CheckUserName(std::string_view name);
// "admin" or "read"; otherwise an Error saying so.
Result<void> CheckRole(std::string_view role);
constexpr size_t kMinPasswordLength = 10;

// Creates or replaces an account (`ctodesk users add`).
Result<UserRecord> AddUser(Store& store, std::string_view name, std::string_view role,
                           std::string_view password, TimePoint now);

}  // namespace ctodesk::dashboard
