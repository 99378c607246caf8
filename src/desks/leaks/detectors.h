// The leaks desk's detectors: what a secret of each provider looks like, and
// the exact check that turns an anchor match into a finding.
//
// Each detector gives the matcher (scan/matcher.h) a few anchors — the
// provider's literal prefix ("ghp_", "AKIA", "-----BEGIN RSA PRIVATE KEY") or
// a context keyword ("aws_secret_access_key") — and a validator that reads
// the candidate at the anchor in C++: its shape (segments of a given alphabet
// and length, separators, boundaries), its checksum where the format has one
// (GitHub and npm tokens end in a base62 CRC32 of their random part),
// placeholders (EXAMPLE, XXXX, <...>, ${...}) and entropy. Most detectors are a
// TokenShape (data, not code); the rest have a validator of their own.
//
// DetectorSet compiles every anchor into one matcher and is immutable after
// Build(): share it between threads, one Scratch per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "scan/matcher.h"

namespace ctodesk::leaks {

enum class Confidence { kHigh = 0, kMedium = 1, kLow = 2 };
std::string_view ConfidenceName(Confidence c);  // "high", "medium", "low"

// Character classes of token segments.
enum class Chars {
  kAlnum,        // A-Z a-z 0-9
  kAlpha,        // A-Z a-z
  kUpperAlnum,   // A-Z 0-9
  kLowerAlnum,   // a-z 0-9
  kHexLower,     // 0-9 a-f
  kHex,          // 0-9 a-f A-F
  kDigits,       // 0-9
  kBase32Upper,  // A-Z 2-7
  kBase64,       // A-Z a-z 0-9 + /
  kBase64Url,    // A-Z a-z 0-9 - _
  kBech32Upper,  // the bech32 alphabet, upper case
};
bool InClass(Chars c, char ch);
std::string_view ClassChars(Chars c);  // every member, for generating test tokens

struct Segment {
  std::string_view lead;  // literal text before the run ("" for none)
  Chars chars;
  int min;
  int max;
};

enum class Checksum {
  kNone,
  kCrc32Base62,  // last 6 chars of the last segment: base62(CRC32(the rest)), GitHub/npm style
  kCrc32Base62WholeToken,  // the same over everything before it, prefix included (our own keys)
};

// A token: an anchor (literal prefix), then segments, then an optional tail.
struct TokenShape {
  std::vector<std::string> prefixes;  // literal anchors; the token starts with one
  std::vector<Segment> body;
  std::string_view tail;       // literal after the body ("==")
  std::string_view ends_with;  // the body's last segment must end with this ("AA")
  Checksum checksum = Checksum::kNone;
  bool secret_includes_prefix = true;  // false for "AccountKey=" style keys
};

// A validated secret. [from, to) is where it sits in the scanned bytes (for
// line and column); `secret` is its normalised value (a PEM key's base64 body
// without line breaks), which is what fingerprints are computed from.
struct Hit {
  int detector = 0;  // index into DetectorSet::detectors()
  std::size_t from = 0;
  std::size_t to = 0;
  std::string secret;
  Confidence confidence = Confidence::kHigh;
  bool config_only = false;  // see Candidate
};

struct Candidate {
  std::size_t from = 0;
  std::size_t to = 0;
  std::string secret;
  std::optional<Confidence> confidence;  // overrides the detector's
  // An unquoted value (`password: hunter22`) is a literal in config, env,
  // YAML or shell, but a variable in source code: the scanner drops it in
  // files whose extension names a programming language.
  bool config_only = false;
};

struct Detector {
  std::string id;           // "github-pat", stable: used in SARIF rules and baselines
  std::string description;  // "GitHub personal access token (classic)"
  Confidence confidence = Confidence::kHigh;
  std::vector<scan::Pattern> anchors;  // ids are filled in by DetectorSet
  std::optional<TokenShape> shape;     // set for shape detectors (anchors come from it)
  // Checks the candidate whose anchor matched data[from, to).
  std::function<std::optional<Candidate>(std::string_view data, std::size_t from, std::size_t to)> validate;
};

// The built-in detectors, in a stable order.
std::vector<Detector> BuiltinDetectors();
// The company's own key format (keys/key_format.h): "<prefix>_" + 32 base62 +
// 6 base62 digits of CRC32("<prefix>_<random>").
Detector OwnKeyDetector(const std::string& prefix);
// A detector that validates a TokenShape.
Detector ShapeDetector(std::string id, std::string description, Confidence confidence, TokenShape shape);

class DetectorSet {
 public:
  // Compiles every detector's anchors into one matcher.
  static Result<std::unique_ptr<DetectorSet>> Build(std::vector<Detector> detectors);
  const std::vector<Detector>& detectors() const { return detectors_; }
  Result<std::unique_ptr<scan::Scratch>> NewScratch() const { return matcher_->NewScratch(); }
  // Every validated secret in `data`, sorted by position, without duplicates
  // and without those on a line carrying "ctodesk:allow".
  Result<std::vector<Hit>> Find(std::string_view data, scan::Scratch& scratch) const;

 private:
  std::vector<Detector> detectors_;
  std::vector<int> pattern_detector_;  // matcher pattern id -> detector index
  std::unique_ptr<scan::Matcher> matcher_;
};

// Building blocks, exposed for tests.
std::uint32_t Crc32(std::string_view data);
std::string Base62(std::uint32_t value, std::size_t width);  // zero-padded on the left
double Entropy(std::string_view s);                          // Shannon, bits per character
bool LooksLikePlaceholder(std::string_view value);
std::optional<std::string> DecodeBase64(std::string_view text);  // standard or URL alphabet, padding optional

}  // namespace ctodesk::leaks
