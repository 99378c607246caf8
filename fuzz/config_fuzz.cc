// Fuzz target: any bytes as ctodesk.toml. Loading must either succeed or
// return an Error whose every line names the file — never crash, hang or
// throw. Also feeds the time and duration parsers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "brief/brief.h"
#include "core/clock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto setup = ctodesk::LoadSetupFromString(text, "fuzz.toml", "/nonexistent");
  if (!setup) {
    std::string_view message = setup.error().message;
    if (message.rfind("fuzz.toml:", 0) != 0) std::abort();  // every error says where
  }
  (void)ctodesk::ParseDuration(text);
  (void)ctodesk::ParseTime(text);
  return 0;
}
