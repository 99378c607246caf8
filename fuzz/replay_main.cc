// Runs a fuzz target without libFuzzer, so the ordinary test build (g++,
// sanitizers) exercises it: every file of the seed corpus, then a fixed
// number of deterministic mutations of them (byte flips, truncations,
// splices). With clang, `make fuzz` runs the real libFuzzer instead.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR MUTATIONS\n", argv[0]);
    return 2;
  }
  std::vector<std::string> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    seeds.push_back(buf.str());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds in %s\n", argv[1]);
    return 2;
  }
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  for (const auto& s : seeds) run(s);
  std::mt19937 rng(20261127);
  const long mutations = std::atol(argv[2]);
  const std::string tokens[] = {"[", "]", "[[", "]]", "=", "\"", "'''", "\n", "{", "}", ",",
                                "name", "url", "health", "probes", "type", "1e999", "\\u0000",
                                "\xff", "-", "timeout", "\"5s\"", "9999999999999999999"};
  for (long i = 0; i < mutations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 4) {
        case 0: if (!s.empty() && pos < s.size()) s[pos] = static_cast<char>(rng()); break;
        case 1: s.resize(pos); break;
        case 2: s.insert(pos, tokens[rng() % std::size(tokens)]); break;
        case 3: s.insert(pos, seeds[rng() % seeds.size()].substr(0, 64)); break;
      }
    }
    run(s);
  }
  std::printf("%zu seeds and %ld mutations ran clean\n", seeds.size(), mutations);
  return 0;
}
