// Lower-case hexadecimal of bytes: digests, ids and random tokens.
#pragma once

#include <cstddef>
#include <string>

namespace ctodesk {

// Writes 2 * n characters to `out` (no terminator).
inline void HexInto(const unsigned char* bytes, std::size_t n, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
}

inline std::string Hex(const unsigned char* bytes, std::size_t n) {
  std::string out(2 * n, '0');
  HexInto(bytes, n, out.data());
  return out;
}

}  // namespace ctodesk
