// Fuzz target: any bytes as a dependency manifest (the first byte picks the
// format) and as a radar file. Parsing must never crash, hang or throw; every
// issue names the file it was given and a line inside the text; a radar file
// either parses or fails with an Error that names the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "desks/radar/manifest.h"
#include "desks/radar/radar_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using ctodesk::radar::ManifestKind;
  const auto kind = static_cast<ManifestKind>(data[0] % (static_cast<int>(ManifestKind::kPipfile) + 1));
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  auto parsed = ctodesk::radar::ParseManifest(kind, text, "fuzz");
  for (const auto& issue : parsed.issues) {
    if (issue.file != "fuzz" || issue.line < 0 || issue.line > lines + 1) std::abort();
  }
  for (const auto& dep : parsed.deps) {
    if (dep.file != "fuzz" || dep.line < 0 || dep.line > lines + 1) std::abort();
    (void)ctodesk::radar::MajorVersion(dep.version);
  }
  auto radar = ctodesk::radar::ParseRadar(text, "fuzz.csv");
  if (!radar && radar.error().message.rfind("fuzz.csv", 0) != 0) std::abort();
  if (radar) {
    auto again = ctodesk::radar::ParseRadar(ctodesk::radar::RadarToCsv(*radar), "fuzz.csv");
    if (!again || *again != *radar) std::abort();  // export then import gives the same radar
  }
  return 0;
}
