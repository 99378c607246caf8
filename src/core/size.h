// Byte sizes as people write and read them: "10MB", "1.5 GiB", "512k" in
// config files, "4.1 GB" and "120 MB" in reports. Decimal units (kB, MB, GB,
// TB) are powers of 1000, binary ones (KiB, MiB, GiB, TiB) powers of 1024.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ctodesk {

// "10MB", "10 MB", "1.5GiB", "512k", "42" (bytes), "42B". Case-insensitive
// units. Returns nullopt on anything else, on negative values and on sizes
// above 2^62.
std::optional<std::int64_t> ParseSize(std::string_view text);

// A human approximation: one decimal below 10 units, none above: "0 B", "512 B",
// "4.1 GB", "120 MB", "12 kB".
std::string HumanSize(std::int64_t bytes);

}  // namespace ctodesk
