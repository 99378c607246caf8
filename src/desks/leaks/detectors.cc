// Detector definitions and validators. The table in BuiltinDetectors() is
// data: a provider's published token format as prefix + segments (+ tail,
// checksum). Formats that need context (AWS secret keys, passwords in
// assignments, private key blocks, URLs with passwords, credential files)
// have a validator function below the shape reader.
//
// Why the anchors are literals: the matcher then runs on its literal engine,
// which is what keeps a full-history scan near the cost of inflating the
// blobs. Every candidate is re-read here exactly, so a loose anchor costs a
// little validation time, never a false positive.
#include "desks/leaks/detectors.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace ctodesk::leaks {

namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool LeftBoundary(std::string_view data, std::size_t from) {
  return from == 0 || !IsAlnum(data[from - 1]);
}
bool RightBoundary(std::string_view data, std::size_t to) {
  return to >= data.size() || !IsAlnum(data[to]);
}

// Length of the run of `chars` starting at `at`, stopping after max + 1.
int Run(std::string_view data, std::size_t at, Chars chars, int max) {
  int n = 0;
  while (at + n < data.size() && n <= max && InClass(chars, data[at + n])) ++n;
  return n;
}

double MinEntropy(std::size_t len) {
  return std::min(3.0, 0.6 * std::log2(static_cast<double>(std::max<std::size_t>(len, 2))));
}

std::optional<Candidate> ReadShape(const TokenShape& shape, std::string_view data, std::size_t from,
                                   std::size_t to) {
  if (!LeftBoundary(data, from)) return std::nullopt;
  std::size_t at = to;
  std::size_t body_from = to;
  std::size_t last_from = to;
  for (const Segment& seg : shape.body) {
    if (!seg.lead.empty()) {
      if (data.substr(at, seg.lead.size()) != seg.lead) return std::nullopt;
      at += seg.lead.size();
    }
    int n = Run(data, at, seg.chars, seg.max);
    if (n < seg.min || n > seg.max) return std::nullopt;
    last_from = at;
    at += static_cast<std::size_t>(n);
  }
  std::string_view last = data.substr(last_from, at - last_from);
  if (!shape.ends_with.empty() && !last.ends_with(shape.ends_with)) return std::nullopt;
  if (!shape.tail.empty()) {
    if (data.substr(at, shape.tail.size()) != shape.tail) return std::nullopt;
    at += shape.tail.size();
  }
  if (!RightBoundary(data, at)) return std::nullopt;
  std::string_view body = data.substr(body_from, at - body_from);
  if (LooksLikePlaceholder(body) || Entropy(body) < MinEntropy(body.size())) return std::nullopt;
  if (shape.checksum == Checksum::kCrc32Base62) {
    if (last.size() <= 6) return std::nullopt;
    std::string_view random = last.substr(0, last.size() - 6);
    if (Base62(Crc32(random), 6) != last.substr(last.size() - 6)) return std::nullopt;
  } else if (shape.checksum == Checksum::kCrc32Base62WholeToken) {
    std::string_view covered = data.substr(from, at - shape.tail.size() - 6 - from);
    if (Base62(Crc32(covered), 6) != data.substr(at - shape.tail.size() - 6, 6)) return std::nullopt;
  }
  std::size_t secret_from = shape.secret_includes_prefix ? from : body_from;
  return Candidate{secret_from, at, std::string(data.substr(secret_from, at - secret_from)), {}};
}

// --- assignments: key = "value", key: value, "key": "value", key => 'value' ---

struct Assignment {
  std::string key;  // the whole identifier around the anchor, lower case
  std::size_t value_from = 0;
  std::size_t value_to = 0;
  bool quoted = false;
};

std::optional<Assignment> ReadAssignment(std::string_view data, std::size_t from, std::size_t to) {
  auto ident = [](char c) { return IsAlnum(c) || c == '_' || c == '-' || c == '.'; };
  std::size_t key_from = from;
  while (key_from > 0 && from - key_from < 64 && ident(data[key_from - 1])) --key_from;
  std::size_t at = to;
  while (at < data.size() && at - to < 64 && ident(data[at])) ++at;
  Assignment a;
  a.key = Lower(data.substr(key_from, at - key_from));
  if (at < data.size() && (data[at] == '"' || data[at] == '\'' || data[at] == ']')) ++at;
  while (at < data.size() && IsSpace(data[at])) ++at;
  // The operator: = : := => ?= (but not == or ::, which compare or scope).
  std::string_view rest = data.substr(at, 3);
  if (rest.starts_with("==") || rest.starts_with("::")) return std::nullopt;
  if (rest.starts_with(":=") || rest.starts_with("=>") || rest.starts_with("?=")) {
    at += 2;
  } else if (rest.starts_with("=") || rest.starts_with(":")) {
    at += 1;
  } else {
    return std::nullopt;
  }
  while (at < data.size() && IsSpace(data[at])) ++at;
  if (at >= data.size()) return std::nullopt;
  char q = data[at];
  if (q == '"' || q == '\'' || q == '`') {
    std::size_t end = at + 1;
    while (end < data.size() && end - at < 512 && data[end] != q && data[end] != '\n') ++end;
    if (end >= data.size() || data[end] != q) return std::nullopt;
    a.value_from = at + 1;
    a.value_to = end;
    a.quoted = true;
  } else {
    std::size_t end = at;
    while (end < data.size() && end - at < 512 && !std::isspace(static_cast<unsigned char>(data[end])) &&
           std::string_view(",;)}]#\"'<&").find(data[end]) == std::string_view::npos) {
      ++end;
    }
    a.value_from = at;
    a.value_to = end;
  }
  if (a.value_to <= a.value_from) return std::nullopt;
  return a;
}

std::function<std::optional<Candidate>(std::string_view, std::size_t, std::size_t)> AssignedValue(
    Chars chars, int min, int max) {
  return [=](std::string_view data, std::size_t from, std::size_t to) -> std::optional<Candidate> {
    auto a = ReadAssignment(data, from, to);
    if (!a) return std::nullopt;
    std::string_view v = data.substr(a->value_from, a->value_to - a->value_from);
    if (static_cast<int>(v.size()) < min || static_cast<int>(v.size()) > max) return std::nullopt;
    if (!std::all_of(v.begin(), v.end(), [&](char c) { return InClass(chars, c); })) return std::nullopt;
    if (LooksLikePlaceholder(v) || Entropy(v) < MinEntropy(v.size()) + 0.3) return std::nullopt;
    return Candidate{a->value_from, a->value_to, std::string(v), {}};
  };
}

// What an assignment's key says its value is.
enum class KeyKind { kOther, kPassword, kSecret };

KeyKind KindOfKey(std::string_view key) {
  // Keys that name something about a secret rather than the secret itself.
  static constexpr std::string_view kNotSecrets[] = {
      "url", "uri", "path", "file", "field", "name", "length", "len", "min", "max", "type",
      "regex", "pattern", "prompt", "label", "hint", "reset", "expir", "header", "policy",
      "endpoint", "count", "size", "format", "enabled", "required", "placeholder", "input",
      "message", "error", "id", "env", "param", "column", "key_id", "ttl", "timeout", "store",
      "hash", "digest", "salt_rounds", "strength", "confirm", "confirmation", "changed", "valid",
      "class", "mode", "method", "provider", "command", "cmd", "dir", "prefix", "suffix", "char",
      "chars", "rule", "rules", "text", "title", "icon", "style", "flag", "option", "options"};
  for (std::string_view w : kNotSecrets) {
    if (key.ends_with(w)) return KeyKind::kOther;
  }
  // A file name, not a setting: a Makefile rule "credential-cache.o: ...".
  if (std::size_t dot = key.rfind('.'); dot != std::string_view::npos && key.size() - dot <= 6 && dot + 1 < key.size() &&
      std::all_of(key.begin() + static_cast<std::ptrdiff_t>(dot) + 1, key.end(),
                  [](char c) { return c >= 'a' && c <= 'z'; })) {
    return KeyKind::kOther;
  }
  // User-interface strings about passwords: LABEL_PASSWORD, forgot_password.
  for (std::string_view w : {"label", "title", "tooltip", "mandatory", "forgot", "invalid", "show_", "hide_",
                             "description", "help", "msg", "placeholder", "expected", "wrong", "incorrect", "mock",
                             "fake", "dummy", "example", "sample", "publickey", "public_key", "nopasswd"}) {
    if (key.find(w) != std::string_view::npos) return KeyKind::kOther;
  }
  if (key.find("bypass") != std::string_view::npos || key.find("compass") != std::string_view::npos ||
      key.find("passthrough") != std::string_view::npos || key.find("pass_through") != std::string_view::npos) {
    return KeyKind::kOther;
  }
  for (std::string_view w : {"password", "passwd", "passphrase", "pwd"}) {
    if (key.find(w) != std::string_view::npos) return KeyKind::kPassword;
  }
  // "pass" and "pw" as words of their own: db_pass, pass, smtp-pass, pw.
  for (std::string_view word : {"pass", "pw"}) {
    for (std::size_t at = key.find(word); at != std::string_view::npos; at = key.find(word, at + 1)) {
      bool left = at == 0 || !IsAlnum(key[at - 1]);
      bool right = at + word.size() >= key.size() || !IsAlnum(key[at + word.size()]);
      if (left && right) return KeyKind::kPassword;
    }
  }
  for (std::string_view w : {"secret", "token", "apikey", "api_key", "api-key", "access_key", "private_key",
                             "credential"}) {
    if (key.find(w) != std::string_view::npos) return KeyKind::kSecret;
  }
  return KeyKind::kOther;
}

// Demonstration values: "admin123", "test123456", "letmein", "123456".
bool IsDemoValue(std::string_view v) {
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) return true;
  std::string raw = Lower(v);
  // Read as words too: "p4ssw0rd", "s3cr3t" and "$ecret" are demo values.
  std::string l = raw;
  for (char& c : l) {
    switch (c) {
      case '4': case '@': c = 'a'; break;
      case '3': c = 'e'; break;
      case '0': c = 'o'; break;
      case '1': c = 'i'; break;
      case '5': case '$': c = 's'; break;
      case '7': c = 't'; break;
      default: break;
    }
  }
  for (std::string_view w : {"pass", "pwd", "secret", "admin", "test", "demo", "letmein", "let_me_in", "wrong",
                             "invalid", "dummy", "mock", "sample", "example", "default", "guest", "qwerty",
                             "123456", "012345", "abcdef", "abc123", "foobar", "secure", "oracle_", "changeit",
                             "asdf", "qwer", "zxcv", "..."}) {
    if (raw.find(w) != std::string::npos || l.find(w) != std::string::npos) return true;
  }
  return false;
}

// Values that are words about passwords, not passwords.
bool IsStopValue(std::string_view v) {
  static constexpr std::string_view kWords[] = {
      "password", "passwd", "pass", "secret", "token", "none", "null", "nil", "true", "false", "yes", "no",
      "required", "optional", "string", "str", "text", "hidden", "empty", "undefined", "default", "admin",
      "root", "test", "testing", "guest", "user", "username", "value", "bool", "boolean", "int", "integer",
      "number", "sensitive", "redacted", "mask", "masked", "encrypted", "plain", "plaintext", "hash",
      "bcrypt", "scrypt", "argon2", "foo", "bar", "baz", "qux", "foobar", "abc", "abcd", "xyz", "letmein",
      "password1", "password123", "qwerty", "welcome", "private", "public", "string", "object", "array",
      "unknown", "invalid", "missing", "disabled", "enabled", "off", "on", "auto", "random", "generated",
      "prompt", "ask", "env", "file", "vault", "keyring", "keychain", "inherit", "same", "blank", "nopass",
      "nopassword", "wrong", "incorrect", "bad", "good", "new", "old", "current", "confirm", "md5", "sha1",
      "sha256", "sha512", "base64", "hex", "utf8", "ascii", "binary", "bytes", "char", "varchar", "secure",
      "auth", "bogus", "login", "logout", "username", "email"};
  std::string l = Lower(v);
  for (std::string_view w : kWords) {
    if (l == w) return true;
  }
  return false;
}

std::optional<Candidate> GenericSecret(std::string_view data, std::size_t from, std::size_t to) {
  auto a = ReadAssignment(data, from, to);
  if (!a) return std::nullopt;
  KeyKind kind = KindOfKey(a->key);
  if (kind == KeyKind::kOther) return std::nullopt;
  std::string_view v = data.substr(a->value_from, a->value_to - a->value_from);
  std::size_t min_size = kind == KeyKind::kPassword ? 4 : 8;
  if (v.size() < min_size || v.size() > 200) return std::nullopt;
  if (LooksLikePlaceholder(v) || IsStopValue(v)) return std::nullopt;
  // Translations and prose ("Contraseña", "パスワード") are not secrets.
  if (std::any_of(v.begin(), v.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) return std::nullopt;
  if (IsDemoValue(v) || v.ends_with("*")) return std::nullopt;
  // Version numbers and object identifiers: 1.2.840.113549.1.9.7
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; })) {
    return std::nullopt;
  }
  // References, templates, code and paths, not literal secrets.
  for (std::string_view bad : {"${", "$(", "#{", "{{", "}}", "%s", "%d", "%v", "%(", "{", "}", "<", ">", " ",
                               "\\", "://", "os.", "env.", "process.", "getenv", "settings.", "config.", "[",
                               "]"}) {
    if (v.find(bad) != std::string_view::npos) return std::nullopt;
  }
  if (v.starts_with("$") || v.starts_with("%") || v.ends_with("%")) return std::nullopt;  // $VAR, %VAR%
  // A call, not a value: getpass(), Secret.from(x).
  if (std::string_view::size_type paren = v.find('('); paren != std::string_view::npos &&
      (paren > 0 && (IsAlnum(v[paren - 1]) || v[paren - 1] == '_') && v.ends_with(")"))) {
    if (std::all_of(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(paren),
                    [](char c) { return IsAlnum(c) || c == '_' || c == '.'; })) {
      return std::nullopt;
    }
  }
  if (v.starts_with("/") || v.starts_with("./") || v.starts_with("~") || v.starts_with("@") ||
      v.starts_with("!") || v.starts_with("-") || v.starts_with("&") || v.starts_with("*")) {
    return std::nullopt;
  }
  std::string lv = Lower(v);
  // The value names a secret instead of being one: "db_password", "api-token".
  for (std::string_view w : {"pass", "secret", "token", "apikey", "api_key", "credential"}) {
    if (lv.find(w) != std::string::npos) return std::nullopt;
  }
  int lower = 0, upper = 0, digit = 0, other = 0;
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::islower(u)) ++lower;
    else if (std::isupper(u)) ++upper;
    else if (std::isdigit(u)) ++digit;
    else ++other;
  }
  int classes = (lower > 0) + (upper > 0) + (digit > 0) + (other > 0);
  bool dotted_name = other > 0 && std::all_of(v.begin(), v.end(), [](char c) {
                       return std::isalpha(static_cast<unsigned char>(c)) || c == '.' || c == '_';
                     }) && v.find('.') != std::string_view::npos;
  if (dotted_name) return std::nullopt;  // this.password, form.secret_value
  // A type or class name in quotes: "_DSAPrivateKey", "PasswordField".
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }) &&
      (v.find('_') != std::string_view::npos ||
       (upper > 0 && lower > 0 && std::isupper(static_cast<unsigned char>(v[0]))))) {
    return std::nullopt;
  }
  double h = Entropy(v);
  if (kind == KeyKind::kPassword) {
    // Passwords are often short and plain; what matters is that the value is
    // a literal, not a word about passwords, and not a keyboard pattern.
    if (h < 1.9) return std::nullopt;
  } else {
    // Keyboard-mash examples in docs ("askfjh234as9sd8") have two classes and
    // modest entropy; generated secrets have three classes, or length and
    // entropy, or are hex.
    bool hex = digit > 0 && std::all_of(v.begin(), v.end(), [](char c) {
                 return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
               });
    bool strong = (classes >= 3 && h >= 3.0) || (classes == 2 && v.size() >= 16 && h >= 3.5) ||
                  (hex && v.size() >= 12 && h >= 3.0) || (classes == 1 && v.size() >= 16 && h >= 3.6);
    if (!strong) return std::nullopt;
  }
  if (!a->quoted) {
    // Unquoted, it is a .env/ini/YAML value only when it has no code in it:
    // keypair[:32], typing.Optional[str], self.password, a&b.
    bool plain = std::all_of(v.begin(), v.end(), [](char c) {
      return IsAlnum(c) || std::string_view("_-+/!@#^*~=.").find(c) != std::string_view::npos;
    });
    if (!plain) return std::nullopt;
    Candidate c{a->value_from, a->value_to, std::string(v), {}};
    c.config_only = true;
    return c;
  }
  return Candidate{a->value_from, a->value_to, std::string(v), {}};
}

// --- private keys ---

std::optional<Candidate> PemBlock(std::string_view data, std::size_t /*from*/, std::size_t to) {
  std::size_t end = data.find("-----END", to);
  if (end == std::string_view::npos || end - to > 64 * 1024) return std::nullopt;
  std::string_view raw = data.substr(to, end - to);
  if (raw.starts_with("-----")) raw.remove_prefix(5);
  // The body may be a PEM file, or one line of JSON/code with "\n" escapes.
  std::string text;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == 'n' || raw[i + 1] == 'r')) {
      text += '\n';
      ++i;
    } else {
      text += raw[i];
    }
  }
  std::string body;
  std::size_t other = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line = std::string_view(text).substr(pos, nl - pos);
    if (line.find(':') == std::string_view::npos) {  // skip Proc-Type: and DEK-Info: headers
      for (char c : line) {
        if (InClass(Chars::kBase64, c) || c == '=') {
          body += c;
        } else if (!std::isspace(static_cast<unsigned char>(c)) && c != '"' && c != '\'' && c != '+' && c != ',') {
          ++other;
        }
      }
    }
    pos = nl + 1;
  }
  if (body.size() < 64 || other * 10 > body.size()) return std::nullopt;
  if (LooksLikePlaceholder(body) || Entropy(body) < 4.0) return std::nullopt;
  return Candidate{to, end, body, {}};
}

std::optional<Candidate> PuttyKey(std::string_view data, std::size_t /*from*/, std::size_t to) {
  std::size_t lines_at = data.find("Private-Lines:", to);
  if (lines_at == std::string_view::npos || lines_at - to > 16 * 1024) return std::nullopt;
  std::size_t at = data.find('\n', lines_at);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t end = data.find("Private-", at);  // Private-MAC: follows the key
  if (end == std::string_view::npos) end = std::min(data.size(), at + 8192);
  std::string body;
  for (std::size_t i = at; i < end; ++i) {
    if (InClass(Chars::kBase64, data[i]) || data[i] == '=') body += data[i];
  }
  if (body.size() < 32 || LooksLikePlaceholder(body) || Entropy(body) < 4.0) return std::nullopt;
  std::string_view header = data.substr(to, lines_at - to);
  std::optional<Confidence> c;
  if (header.find("Encryption: none") == std::string_view::npos) c = Confidence::kMedium;
  return Candidate{at + 1, end, body, c};
}

// --- JWT ---

std::optional<Candidate> Jwt(std::string_view data, std::size_t from, std::size_t /*to*/) {
  if (!LeftBoundary(data, from)) return std::nullopt;
  std::size_t at = from;
  int lens[3] = {0, 0, 0};
  for (int part = 0; part < 3; ++part) {
    if (part > 0) {
      if (at >= data.size() || data[at] != '.') return std::nullopt;
      ++at;
    }
    lens[part] = Run(data, at, Chars::kBase64Url, 8192);
    at += static_cast<std::size_t>(lens[part]);
  }
  if (lens[0] < 10 || lens[1] < 10 || lens[2] < 16 || lens[2] > 8192) return std::nullopt;
  if (!RightBoundary(data, at) && data[at] != '=') return std::nullopt;
  auto header = DecodeBase64(data.substr(from, static_cast<std::size_t>(lens[0])));
  if (!header || header->find("\"alg\"") == std::string::npos) return std::nullopt;
  auto payload = DecodeBase64(data.substr(from + lens[0] + 1, static_cast<std::size_t>(lens[1])));
  if (!payload || payload->empty() || (*payload)[0] != '{') return std::nullopt;
  std::string token(data.substr(from, at - from));
  if (LooksLikePlaceholder(token)) return std::nullopt;
  return Candidate{from, at, token, {}};
}

// --- URLs with a password: scheme://user:password@host ---

bool IsLocalHost(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "0.0.0.0" || host == "[::1]" ||
         host == "db" || host == "postgres" || host == "mysql" || host == "redis";
}

std::optional<Candidate> UrlPassword(std::string_view data, std::size_t from, std::size_t to,
                                     bool database) {
  if (from > 0 && (IsAlnum(data[from - 1]) && !database)) return std::nullopt;
  std::size_t at = to;
  if (data[to - 1] == '+') {  // a driver-qualified scheme: postgresql+psycopg2://
    while (at < data.size() && at - to < 32 && (IsAlnum(data[at]) || data[at] == '_')) ++at;
    if (data.substr(at, 3) != "://") return std::nullopt;
    at += 3;
  }
  auto user_char = [](char c) {
    return !std::isspace(static_cast<unsigned char>(c)) && std::string_view(":@/'\"<>`").find(c) == std::string_view::npos;
  };
  std::size_t user_from = at;
  while (at < data.size() && at - user_from < 128 && user_char(data[at])) ++at;
  if (at >= data.size() || data[at] != ':') return std::nullopt;
  std::string_view user = data.substr(user_from, at - user_from);
  ++at;
  std::size_t pass_from = at;
  auto pass_char = [](char c) {
    return !std::isspace(static_cast<unsigned char>(c)) && std::string_view("@/'\"<>`").find(c) == std::string_view::npos;
  };
  while (at < data.size() && at - pass_from < 256 && pass_char(data[at])) ++at;
  if (at >= data.size() || data[at] != '@' || at == pass_from) return std::nullopt;
  std::string_view pass = data.substr(pass_from, at - pass_from);
  std::size_t host_from = at + 1;
  std::size_t h = host_from;
  while (h < data.size() && (IsAlnum(data[h]) || data[h] == '.' || data[h] == '-' || data[h] == '[' ||
                             data[h] == ']' || data[h] == ':')) {
    ++h;
  }
  std::string_view host = data.substr(host_from, h - host_from);
  if (auto colon = host.find(':'); colon != std::string_view::npos && host[0] != '[') host = host.substr(0, colon);
  // A host filled in at run time ("@%s:%d", "@{host}", "@${DB_HOST}") still
  // leaves the user and password literal.
  bool templated_host = host.empty() && host_from < data.size() &&
                        std::string_view("%{$#").find(data[host_from]) != std::string_view::npos;
  if (host.empty() && !templated_host) return std::nullopt;
  std::string lp = Lower(pass);
  static constexpr std::string_view kPlaceholders[] = {"password", "pass", "passwd", "secret", "pwd",
                                                       "changeme", "user", "username", "admin", "root",
                                                       "guest", "test", "x-oauth-basic", "token"};
  for (std::string_view p : kPlaceholders) {
    if (lp == p) return std::nullopt;
  }
  if (pass == user || LooksLikePlaceholder(pass) || pass.find('$') != std::string_view::npos ||
      pass.find('{') != std::string_view::npos || pass.find('%') == 0 || pass.starts_with("*")) {
    return std::nullopt;
  }
  if (pass.size() < 4 || IsDemoValue(pass)) return std::nullopt;
  std::string lhost = Lower(host);
  if (lhost.find("example") != std::string::npos || lhost.ends_with(".test") || lhost.ends_with(".invalid")) {
    return std::nullopt;
  }
  std::optional<Confidence> c;
  if (IsLocalHost(Lower(host))) c = Confidence::kLow;
  return Candidate{pass_from, at, std::string(pass), c};
}

// --- files and formats with credentials in context ---

// "type": "service_account" with a private key: the key id names the secret.
std::optional<Candidate> GcpServiceAccount(std::string_view data, std::size_t from, std::size_t to) {
  std::size_t lo = from > 8192 ? from - 8192 : 0;
  std::string_view window = data.substr(lo, std::min<std::size_t>(data.size() - lo, to - lo + 8192));
  if (window.find("PRIVATE KEY") == std::string_view::npos) return std::nullopt;
  std::size_t k = window.find("\"private_key_id\"");
  if (k == std::string_view::npos) return std::nullopt;
  std::size_t at = k + 16;
  while (at < window.size() && (IsSpace(window[at]) || window[at] == ':')) ++at;
  if (at >= window.size() || window[at] != '"') return std::nullopt;
  ++at;
  int n = Run(window, at, Chars::kHexLower, 40);
  if (n != 40 || window.substr(at + 40, 1) != "\"") return std::nullopt;
  std::string_view id = window.substr(at, 40);
  if (LooksLikePlaceholder(id) || Entropy(id) < 3.0) return std::nullopt;
  return Candidate{lo + at, lo + at + 40, std::string(id), {}};
}

// Azure shared access signature: sig=... in a URL that also has sv= and se=/sp=.
std::optional<Candidate> AzureSas(std::string_view data, std::size_t from, std::size_t to) {
  if (from == 0 || (data[from - 1] != '?' && data[from - 1] != '&')) return std::nullopt;
  std::size_t at = to;
  while (at < data.size() && at - to < 200 &&
         (InClass(Chars::kBase64, data[at]) || data[at] == '%' || data[at] == '=')) {
    ++at;
  }
  std::string_view sig = data.substr(to, at - to);
  if (sig.size() < 40 || !(sig.ends_with("%3D") || sig.ends_with("%3d") || sig.ends_with("="))) return std::nullopt;
  std::size_t lo = from;
  while (lo > 0 && from - lo < 1024 && !std::isspace(static_cast<unsigned char>(data[lo - 1])) &&
         data[lo - 1] != '"' && data[lo - 1] != '\'') {
    --lo;
  }
  std::size_t hi = at;
  while (hi < data.size() && hi - at < 1024 && !std::isspace(static_cast<unsigned char>(data[hi])) &&
         data[hi] != '"' && data[hi] != '\'') {
    ++hi;
  }
  std::string_view url = data.substr(lo, hi - lo);
  if (url.find("sv=") == std::string_view::npos ||
      (url.find("se=") == std::string_view::npos && url.find("sp=") == std::string_view::npos)) {
    return std::nullopt;
  }
  if (LooksLikePlaceholder(sig) || Entropy(sig) < 3.5) return std::nullopt;
  return Candidate{to, at, std::string(sig), {}};
}

// .netrc: machine HOST login USER password SECRET
std::optional<Candidate> Netrc(std::string_view data, std::size_t from, std::size_t to) {
  if (!LeftBoundary(data, from) || to >= data.size() || !IsSpace(data[to])) return std::nullopt;
  std::string_view window = data.substr(to, std::min<std::size_t>(data.size() - to, 512));
  std::size_t login = window.find("login");
  std::size_t pw = window.find("password");
  if (login == std::string_view::npos || pw == std::string_view::npos) return std::nullopt;
  std::size_t next_machine = window.find("machine");
  if (next_machine != std::string_view::npos && next_machine < pw) return std::nullopt;
  std::size_t at = pw + 8;
  if (at >= window.size() || !std::isspace(static_cast<unsigned char>(window[at]))) return std::nullopt;
  while (at < window.size() && std::isspace(static_cast<unsigned char>(window[at]))) ++at;
  std::size_t end = at;
  while (end < window.size() && !std::isspace(static_cast<unsigned char>(window[end]))) ++end;
  std::string_view v = window.substr(at, end - at);
  if (v.size() < 8 || LooksLikePlaceholder(v) || v.find_first_of("${}%<") != std::string_view::npos) return std::nullopt;
  return Candidate{to + at, to + end, std::string(v), {}};
}

// .pgpass: host:5432:database:user:password
std::optional<Candidate> Pgpass(std::string_view data, std::size_t from, std::size_t to) {
  std::size_t line_from = from;
  while (line_from > 0 && data[line_from - 1] != '\n' && from - line_from < 256) --line_from;
  if (line_from > 0 && data[line_from - 1] != '\n') return std::nullopt;
  std::string_view host = data.substr(line_from, from - line_from);
  if (host.empty() || host.find_first_of(" \t=\"'") != std::string_view::npos) return std::nullopt;
  std::size_t line_to = data.find('\n', to);
  if (line_to == std::string_view::npos) line_to = data.size();
  std::string_view rest = data.substr(to, line_to - to);
  if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
  std::size_t c1 = rest.find(':');
  if (c1 == std::string_view::npos) return std::nullopt;
  std::size_t c2 = rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  std::string_view pass = rest.substr(c2 + 1);
  if (pass.size() < 6 || pass.find_first_of(" \t") != std::string_view::npos || LooksLikePlaceholder(pass) ||
      pass == "*") {
    return std::nullopt;
  }
  std::size_t at = to + c2 + 1;
  return Candidate{at, at + pass.size(), std::string(pass), {}};
}

// Docker config.json: "auths": { "registry": { "auth": "base64(user:password)" } }
std::optional<Candidate> DockerAuth(std::string_view data, std::size_t from, std::size_t to) {
  std::size_t lo = from > 4096 ? from - 4096 : 0;
  if (data.substr(lo, from - lo).find("\"auths\"") == std::string_view::npos) return std::nullopt;
  std::size_t at = to;
  while (at < data.size() && (IsSpace(data[at]) || data[at] == ':')) ++at;
  if (at >= data.size() || data[at] != '"') return std::nullopt;
  ++at;
  std::size_t end = at;
  while (end < data.size() && (InClass(Chars::kBase64, data[end]) || data[end] == '=')) ++end;
  if (end >= data.size() || data[end] != '"' || end - at < 8) return std::nullopt;
  std::string_view value = data.substr(at, end - at);
  auto decoded = DecodeBase64(value);
  if (!decoded) return std::nullopt;
  std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon + 1 >= decoded->size()) return std::nullopt;
  if (LooksLikePlaceholder(*decoded)) return std::nullopt;
  return Candidate{at, end, std::string(value), {}};
}

// user:HASH lines of .htpasswd and /etc/shadow.
std::optional<Candidate> PasswordHashLine(std::string_view data, std::size_t from, std::size_t to, bool shadow) {
  std::size_t line_from = from;
  while (line_from > 0 && data[line_from - 1] != '\n' && from - line_from < 64) --line_from;
  if (line_from > 0 && data[line_from - 1] != '\n') return std::nullopt;
  std::string_view user = data.substr(line_from, from - line_from);
  if (user.size() < 2 || user.back() != ':') return std::nullopt;
  user.remove_suffix(1);
  if (!std::all_of(user.begin(), user.end(), [](char c) { return IsAlnum(c) || c == '_' || c == '-' || c == '.'; })) {
    return std::nullopt;
  }
  std::size_t end = to;
  while (end < data.size() && (InClass(Chars::kBase64, data[end]) || data[end] == '.' || data[end] == '$' || data[end] == '=')) ++end;
  if (shadow && (end >= data.size() || data[end] != ':')) return std::nullopt;
  if (!shadow && end < data.size() && data[end] != '\n' && data[end] != '\r') return std::nullopt;
  std::string_view hash = data.substr(from, end - from);
  if (end - to < 20 || LooksLikePlaceholder(hash)) return std::nullopt;
  return Candidate{from, end, std::string(hash), {}};
}

// kubeconfig: client-key-data: base64 of a PEM private key.
std::optional<Candidate> KubeClientKey(std::string_view data, std::size_t /*from*/, std::size_t to) {
  std::size_t at = to;
  while (at < data.size() && (IsSpace(data[at]) || data[at] == ':' || data[at] == '"')) ++at;
  std::size_t end = at;
  while (end < data.size() && (InClass(Chars::kBase64, data[end]) || data[end] == '=')) ++end;
  std::string_view v = data.substr(at, end - at);
  if (v.size() < 100 || !v.starts_with("LS0tLS1CRUdJTi")) return std::nullopt;
  auto decoded = DecodeBase64(v);
  if (!decoded || decoded->find("PRIVATE KEY") == std::string::npos) return std::nullopt;
  return Candidate{at, end, std::string(v), {}};
}

// A token that the anchor (a short regex) matched whole: check boundaries,
// placeholders and entropy only.
// SQL that sets a password: CREATE USER u WITH PASSWORD 'x', ALTER ROLE ...,
// CREATE USER u IDENTIFIED BY 'x' (MySQL, Oracle).
std::optional<Candidate> SqlPassword(std::string_view data, std::size_t from, std::size_t to) {
  std::size_t line_from = data.rfind('\n', from);
  line_from = line_from == std::string_view::npos ? 0 : line_from + 1;
  std::string before = Lower(data.substr(line_from, from - line_from));
  // Prose says "identified by" and "password" too: the line must be SQL
  // about a user or a role.
  if (before.find("user") == std::string::npos && before.find("role") == std::string::npos &&
      before.find("grant") == std::string::npos) {
    return std::nullopt;
  }
  char q = data[to - 1];
  std::size_t end = to;
  while (end < data.size() && end - to < 256 && data[end] != q && data[end] != '\n') ++end;
  if (end >= data.size() || data[end] != q) return std::nullopt;
  std::string_view v = data.substr(to, end - to);
  if (v.size() < 4 || LooksLikePlaceholder(v) || IsStopValue(v) || IsDemoValue(v)) return std::nullopt;
  if (v.find_first_of("{}:` ") != std::string_view::npos || v.find("%s") != std::string_view::npos ||
      v.starts_with("$") || v.starts_with("md5") || v.starts_with("SCRAM-")) {
    return std::nullopt;
  }
  return Candidate{to, end, std::string(v), {}};
}

// otpauth://totp/Issuer:alice?secret=BASE32...: the seed of someone's
// second factor, as a QR code or an authenticator app receives it.
std::optional<Candidate> OtpauthSecret(std::string_view data, std::size_t /*from*/, std::size_t to) {
  std::size_t end = to;
  while (end < data.size() && end - to < 2048 && !std::isspace(static_cast<unsigned char>(data[end])) &&
         std::string_view("\"'<>`").find(data[end]) == std::string_view::npos) {
    ++end;
  }
  std::string_view url = data.substr(to, end - to);
  std::size_t at = url.find("secret=");
  if (at == std::string_view::npos || (at > 0 && url[at - 1] != '?' && url[at - 1] != '&')) return std::nullopt;
  at += 7;
  std::size_t n = 0;
  while (at + n < url.size() && ((url[at + n] >= 'A' && url[at + n] <= 'Z') || (url[at + n] >= '2' && url[at + n] <= '7') ||
                                 (url[at + n] >= 'a' && url[at + n] <= 'z'))) {
    ++n;
  }
  if (n < 16) return std::nullopt;
  std::string_view secret = url.substr(at, n);
  if (LooksLikePlaceholder(secret) || Entropy(secret) < 3.0) return std::nullopt;
  return Candidate{to + at, to + at + n, std::string(secret), {}};
}

// "Basic dXNlcjpwYXNz": an HTTP Basic credential, base64 of user:password.
std::optional<Candidate> BasicAuth(std::string_view data, std::size_t from, std::size_t to) {
  if (!LeftBoundary(data, from)) return std::nullopt;
  std::size_t at = to;
  while (at < data.size() && at - to < 1024 && (InClass(Chars::kBase64, data[at]) || data[at] == '=')) ++at;
  if (at - to < 8 || !RightBoundary(data, at)) return std::nullopt;
  std::string_view token = data.substr(to, at - to);
  auto decoded = DecodeBase64(token);
  if (!decoded) return std::nullopt;
  std::size_t colon = decoded->find(':');
  if (colon == 0 || colon == std::string::npos) return std::nullopt;
  if (!std::all_of(decoded->begin(), decoded->end(),
                   [](char c) { return c >= 0x21 && c <= 0x7e; })) {
    return std::nullopt;
  }
  std::string_view password = std::string_view(*decoded).substr(colon + 1);
  if (password.size() < 3 || LooksLikePlaceholder(*decoded) || IsStopValue(password)) return std::nullopt;
  return Candidate{to, at, std::string(token), {}};
}

// "Bearer <token>" in a header, a curl command or a recorded HTTP exchange.
std::optional<Candidate> BearerToken(std::string_view data, std::size_t from, std::size_t to) {
  if (!LeftBoundary(data, from)) return std::nullopt;
  std::size_t at = to;
  while (at < data.size() && at - to < 4096 &&
         (IsAlnum(data[at]) || std::string_view("-._~+/").find(data[at]) != std::string_view::npos)) {
    ++at;
  }
  while (at < data.size() && at - to < 4100 && data[at] == '=') ++at;
  std::string_view token = data.substr(to, at - to);
  if (token.size() < 20 || token.starts_with("eyJ") || !RightBoundary(data, at)) return std::nullopt;
  if (LooksLikePlaceholder(token) || Entropy(token) < 3.5) return std::nullopt;
  bool letters = std::any_of(token.begin(), token.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  bool digits = std::any_of(token.begin(), token.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (!letters || !digits) return std::nullopt;
  return Candidate{to, at, std::string(token), {}};
}

// A NATS nkey seed: "S" + the key type, 56 base32 characters, and a CRC-16
// (XMODEM) of the decoded bytes in its last two bytes.
std::optional<Candidate> NkeySeed(std::string_view data, std::size_t from, std::size_t to) {
  if (!LeftBoundary(data, from) || !RightBoundary(data, to) || to - from != 58) return std::nullopt;
  std::string_view seed = data.substr(from, 58);
  std::string raw;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : seed) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      raw += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  if (raw.size() < 4) return std::nullopt;
  unsigned crc = 0;
  for (std::size_t i = 0; i + 2 < raw.size(); ++i) {
    crc ^= static_cast<unsigned>(static_cast<unsigned char>(raw[i])) << 8;
    for (int k = 0; k < 8; ++k) crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  unsigned stored = static_cast<unsigned char>(raw[raw.size() - 2]) |
                    (static_cast<unsigned>(static_cast<unsigned char>(raw[raw.size() - 1])) << 8);
  if (crc != stored) return std::nullopt;
  return Candidate{from, to, std::string(seed), {}};
}

std::optional<Candidate> WholeAnchor(std::string_view data, std::size_t from, std::size_t to) {
  if (!LeftBoundary(data, from) || !RightBoundary(data, to)) return std::nullopt;
  std::string_view v = data.substr(from, to - from);
  if (LooksLikePlaceholder(v) || Entropy(v) < MinEntropy(v.size())) return std::nullopt;
  return Candidate{from, to, std::string(v), {}};
}

// An anchor regex followed by a run of `chars`.
std::function<std::optional<Candidate>(std::string_view, std::size_t, std::size_t)> AnchorThen(
    Chars chars, int min, int max) {
  return [=](std::string_view data, std::size_t from, std::size_t to) -> std::optional<Candidate> {
    if (!LeftBoundary(data, from)) return std::nullopt;
    int n = Run(data, to, chars, max);
    if (n < min || n > max) return std::nullopt;
    std::size_t end = to + static_cast<std::size_t>(n);
    if (!RightBoundary(data, end)) return std::nullopt;
    std::string_view v = data.substr(from, end - from);
    if (LooksLikePlaceholder(v) || Entropy(v) < MinEntropy(v.size())) return std::nullopt;
    return Candidate{from, end, std::string(v), {}};
  };
}

Detector Custom(std::string id, std::string description, Confidence confidence,
                std::vector<std::string> literals, bool caseless,
                std::function<std::optional<Candidate>(std::string_view, std::size_t, std::size_t)> validate) {
  Detector d;
  d.id = std::move(id);
  d.description = std::move(description);
  d.confidence = confidence;
  for (auto& l : literals) d.anchors.push_back({0, scan::Literal(l), caseless});
  d.validate = std::move(validate);
  return d;
}

Detector Regex(std::string id, std::string description, Confidence confidence, std::string regex,
               std::function<std::optional<Candidate>(std::string_view, std::size_t, std::size_t)> validate) {
  Detector d;
  d.id = std::move(id);
  d.description = std::move(description);
  d.confidence = confidence;
  d.anchors.push_back({0, std::move(regex), false});
  d.validate = std::move(validate);
  return d;
}

}  // namespace

std::string_view ConfidenceName(Confidence c) {
  switch (c) {
    case Confidence::kHigh: return "high";
    case Confidence::kMedium: return "medium";
    case Confidence::kLow: return "low";
  }
  return "low";
}

bool InClass(Chars c, char ch) {
  unsigned char u = static_cast<unsigned char>(ch);
  switch (c) {
    case Chars::kAlnum: return std::isalnum(u) != 0;
    case Chars::kAlpha: return std::isalpha(u) != 0;
    case Chars::kUpperAlnum: return std::isupper(u) != 0 || std::isdigit(u) != 0;
    case Chars::kLowerAlnum: return std::islower(u) != 0 || std::isdigit(u) != 0;
    case Chars::kHexLower: return std::isdigit(u) != 0 || (ch >= 'a' && ch <= 'f');
    case Chars::kHex: return std::isxdigit(u) != 0;
    case Chars::kDigits: return std::isdigit(u) != 0;
    case Chars::kBase32Upper: return std::isupper(u) != 0 || (ch >= '2' && ch <= '7');
    case Chars::kBase64: return std::isalnum(u) != 0 || ch == '+' || ch == '/';
    case Chars::kBase64Url: return std::isalnum(u) != 0 || ch == '-' || ch == '_';
    case Chars::kBech32Upper: return ClassChars(Chars::kBech32Upper).find(ch) != std::string_view::npos;
  }
  return false;
}

std::string_view ClassChars(Chars c) {
  switch (c) {
    case Chars::kAlnum: return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    case Chars::kAlpha: return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    case Chars::kUpperAlnum: return "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    case Chars::kLowerAlnum: return "abcdefghijklmnopqrstuvwxyz0123456789";
    case Chars::kHexLower: return "0123456789abcdef";
    case Chars::kHex: return "0123456789abcdefABCDEF";
    case Chars::kDigits: return "0123456789";
    case Chars::kBase32Upper: return "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    case Chars::kBase64: return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    case Chars::kBase64Url: return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    case Chars::kBech32Upper: return "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";
  }
  return "";
}

std::uint32_t Crc32(std::string_view data) {
  return static_cast<std::uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

std::string Base62(std::uint32_t value, std::size_t width) {
  static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value % 62]);
    value /= 62;
  } while (value != 0);
  while (out.size() < width) out.insert(out.begin(), '0');
  return out;
}

double Entropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<int, 256> counts{};
  for (unsigned char c : s) ++counts[c];
  double h = 0;
  for (int n : counts) {
    if (n == 0) continue;
    double p = static_cast<double>(n) / static_cast<double>(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

bool LooksLikePlaceholder(std::string_view value) {
  std::string v = Lower(value);
  static constexpr std::string_view kWords[] = {
      "example", "xxxx", "placeholder", "dummy", "sample", "changeme", "change_me", "your_",
      "your-", "yourkey", "redacted", "insert", "replace", "fake", "****", "....", "<", ">",
      "${", "{{", "0123456", "1234567", "abcdefg", "notreal", "not_real", "secret_here", "todo",
      // Published example values (RFC 6749, RFC 6750).
      "2yotnfzfejr1zcsicmwpaa", "tgzv3jokf0xg5qx2tlkwia", "mf_9.b5f-4.1jqm"};
  for (std::string_view w : kWords) {
    if (v.find(w) != std::string::npos) return true;
  }
  // A long run of one character.
  int run = 1;
  for (std::size_t i = 1; i < v.size(); ++i) {
    run = v[i] == v[i - 1] ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

Detector ShapeDetector(std::string id, std::string description, Confidence confidence, TokenShape shape) {
  Detector d;
  d.id = std::move(id);
  d.description = std::move(description);
  d.confidence = confidence;
  for (const std::string& p : shape.prefixes) d.anchors.push_back({0, scan::Literal(p), false});
  d.shape = shape;
  d.validate = [shape](std::string_view data, std::size_t from, std::size_t to) {
    return ReadShape(shape, data, from, to);
  };
  return d;
}

Detector OwnKeyDetector(const std::string& prefix) {
  return ShapeDetector(fmt::format("own-key-{}", prefix), fmt::format("Our own API key ({}_...)", prefix),
                       Confidence::kHigh,
                       {{prefix + "_"}, {{"", Chars::kAlnum, 38, 38}}, "", "", Checksum::kCrc32Base62WholeToken});
}

std::vector<Detector> BuiltinDetectors() {
  using C = Chars;
  constexpr Confidence kHigh = Confidence::kHigh;
  constexpr Confidence kMedium = Confidence::kMedium;
  constexpr Confidence kLow = Confidence::kLow;
  std::vector<Detector> d;
  auto token = [&](std::string id, std::string description, Confidence c, TokenShape shape) {
    d.push_back(ShapeDetector(std::move(id), std::move(description), c, std::move(shape)));
  };
  auto crc = Checksum::kCrc32Base62;

  // --- cloud providers ---
  token("aws-access-key-id", "AWS access key id", kHigh,
        {{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"}, {{"", C::kBase32Upper, 16, 16}}});
  d.push_back(Custom("aws-secret-access-key", "AWS secret access key", kHigh,
                     {"aws_secret_access_key", "aws_secret_key", "aws-secret-access-key",
                      "secretaccesskey", "secret_access_key", "aws_secret"},
                     true, AssignedValue(C::kBase64, 40, 40)));
  token("google-api-key", "Google API key", kHigh, {{"AIza"}, {{"", C::kBase64Url, 35, 35}}});
  token("google-oauth-client-secret", "Google OAuth client secret", kHigh, {{"GOCSPX-"}, {{"", C::kBase64Url, 28, 28}}});
  token("google-oauth-access-token", "Google OAuth access token", kMedium, {{"ya29."}, {{"", C::kBase64Url, 30, 2048}}});
  token("google-oauth-refresh-token", "Google OAuth refresh token", kMedium, {{"1//0"}, {{"", C::kBase64Url, 40, 512}}});
  d.push_back(Custom("gcp-service-account", "Google Cloud service account key (JSON)", kHigh,
                     {"\"service_account\""}, false, &GcpServiceAccount));
  token("azure-storage-account-key", "Azure storage account key", kHigh,
        {{"AccountKey="}, {{"", C::kBase64, 86, 86}}, "==", "", Checksum::kNone, false});
  d.push_back(Custom("azure-sas-token", "Azure shared access signature (SAS) URL", kHigh, {"sig="}, false, &AzureSas));
  d.push_back(Regex("azure-ad-client-secret", "Azure AD (Entra ID) client secret", kMedium,
                    "[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}", &WholeAnchor));
  token("alibaba-access-key-id", "Alibaba Cloud access key id", kMedium, {{"LTAI"}, {{"", C::kAlnum, 20, 20}}});
  token("digitalocean-pat", "DigitalOcean personal access token", kHigh, {{"dop_v1_"}, {{"", C::kHexLower, 64, 64}}});
  token("digitalocean-oauth-token", "DigitalOcean OAuth token", kHigh, {{"doo_v1_"}, {{"", C::kHexLower, 64, 64}}});
  token("digitalocean-refresh-token", "DigitalOcean refresh token", kHigh, {{"dor_v1_"}, {{"", C::kHexLower, 64, 64}}});
  token("yandex-api-key", "Yandex Cloud API key", kMedium, {{"AQVN"}, {{"", C::kBase64Url, 35, 38}}});
  token("flyio-token", "Fly.io access token", kHigh, {{"fo1_"}, {{"", C::kBase64Url, 43, 43}}});
  token("heroku-api-key", "Heroku API key", kHigh, {{"HRKU-"}, {{"", C::kBase64Url, 60, 60}}});
  token("netlify-token", "Netlify personal access token", kHigh, {{"nfp_"}, {{"", C::kAlnum, 36, 36}}});
  token("render-api-key", "Render API key", kHigh, {{"rnd_"}, {{"", C::kAlnum, 32, 32}}});
  token("planetscale-token", "PlanetScale service token", kHigh, {{"pscale_tkn_"}, {{"", C::kBase64Url, 43, 43}}});
  token("planetscale-password", "PlanetScale database password", kHigh, {{"pscale_pw_"}, {{"", C::kBase64Url, 43, 43}}});
  token("planetscale-oauth-token", "PlanetScale OAuth token", kHigh, {{"pscale_oauth_"}, {{"", C::kBase64Url, 43, 43}}});
  token("supabase-token", "Supabase access token", kHigh, {{"sbp_"}, {{"", C::kHexLower, 40, 40}}});
  token("databricks-token", "Databricks access token", kHigh, {{"dapi"}, {{"", C::kHexLower, 32, 32}}});
  token("vault-service-token", "HashiCorp Vault service token", kHigh, {{"hvs."}, {{"", C::kBase64Url, 90, 120}}});
  token("vault-batch-token", "HashiCorp Vault batch token", kHigh, {{"hvb."}, {{"", C::kBase64Url, 90, 250}}});
  d.push_back(Regex("terraform-cloud-token", "Terraform Cloud / HCP API token", kHigh,
                    "[A-Za-z0-9]{14}\\.atlasv1\\.", AnchorThen(C::kBase64Url, 60, 70)));
  token("doppler-token", "Doppler token", kHigh, {{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim."}, {{"", C::kAlnum, 40, 44}}});
  token("pulumi-token", "Pulumi access token", kHigh, {{"pul-"}, {{"", C::kHexLower, 40, 40}}});
  token("scalingo-token", "Scalingo API token", kHigh, {{"tk-us-"}, {{"", C::kBase64Url, 48, 48}}});
  token("dynatrace-token", "Dynatrace API token", kHigh,
        {{"dt0c01."}, {{"", C::kUpperAlnum, 24, 24}, {".", C::kUpperAlnum, 64, 64}}});
  token("new-relic-user-key", "New Relic user API key", kHigh, {{"NRAK-"}, {{"", C::kUpperAlnum, 27, 27}}});
  token("new-relic-insert-key", "New Relic insert key", kHigh, {{"NRII-"}, {{"", C::kBase64Url, 32, 32}}});
  token("grafana-service-account-token", "Grafana service account token", kHigh,
        {{"glsa_"}, {{"", C::kAlnum, 32, 32}, {"_", C::kHexLower, 8, 8}}});
  token("grafana-cloud-token", "Grafana Cloud API token", kHigh, {{"glc_eyJ"}, {{"", C::kBase64, 32, 400}}});
  token("sentry-org-token", "Sentry organisation auth token", kHigh,
        {{"sntrys_eyJ"}, {{"", C::kBase64, 40, 600}, {"_", C::kBase64, 43, 43}}});
  token("sentry-user-token", "Sentry user auth token", kHigh, {{"sntryu_"}, {{"", C::kHexLower, 64, 64}}});

  // --- source hosting and CI ---
  token("github-pat", "GitHub personal access token (classic)", kHigh, {{"ghp_"}, {{"", C::kAlnum, 36, 36}}, "", "", crc});
  token("github-oauth-token", "GitHub OAuth access token", kHigh, {{"gho_"}, {{"", C::kAlnum, 36, 36}}, "", "", crc});
  token("github-user-to-server-token", "GitHub App user-to-server token", kHigh, {{"ghu_"}, {{"", C::kAlnum, 36, 36}}, "", "", crc});
  token("github-app-installation-token", "GitHub App installation (server-to-server) token", kHigh,
        {{"ghs_"}, {{"", C::kAlnum, 36, 36}}, "", "", crc});
  token("github-refresh-token", "GitHub refresh token", kHigh, {{"ghr_"}, {{"", C::kAlnum, 36, 36}}, "", "", crc});
  token("github-fine-grained-pat", "GitHub fine-grained personal access token", kHigh,
        {{"github_pat_"}, {{"", C::kAlnum, 22, 22}, {"_", C::kAlnum, 59, 59}}});
  token("gitlab-pat", "GitLab personal access token", kHigh, {{"glpat-"}, {{"", C::kBase64Url, 20, 64}}});
  token("gitlab-deploy-token", "GitLab deploy token", kHigh, {{"gldt-"}, {{"", C::kBase64Url, 20, 64}}});
  token("gitlab-runner-token", "GitLab runner authentication token", kHigh, {{"glrt-"}, {{"", C::kBase64Url, 20, 64}}});
  token("gitlab-runner-registration-token", "GitLab runner registration token", kHigh, {{"GR1348941"}, {{"", C::kBase64Url, 20, 20}}});
  token("gitlab-pipeline-trigger-token", "GitLab pipeline trigger token", kHigh, {{"glptt-"}, {{"", C::kHexLower, 40, 40}}});
  token("gitlab-oauth-secret", "GitLab OAuth application secret", kHigh, {{"gloas-"}, {{"", C::kHexLower, 64, 64}}});
  token("gitlab-feed-token", "GitLab feed token", kMedium, {{"glft-"}, {{"", C::kBase64Url, 20, 20}}});
  token("gitlab-incoming-mail-token", "GitLab incoming mail token", kMedium, {{"glimt-"}, {{"", C::kBase64Url, 25, 25}}});
  token("gitlab-agent-token", "GitLab agent for Kubernetes token", kHigh, {{"glagent-"}, {{"", C::kBase64Url, 50, 64}}});
  token("bitbucket-app-password", "Atlassian / Bitbucket API token", kHigh,
        {{"ATATT3"}, {{"", C::kBase64Url, 150, 300}, {"=", C::kHex, 8, 8}}});
  token("buildkite-token", "Buildkite API access token", kHigh, {{"bkua_"}, {{"", C::kHexLower, 40, 40}}});
  token("circleci-pat", "CircleCI personal API token", kHigh, {{"CCIPAT_"}, {{"", C::kAlnum, 22, 22}, {"_", C::kHexLower, 40, 40}}});
  token("sourcegraph-token", "Sourcegraph access token", kHigh, {{"sgp_"}, {{"", C::kHexLower, 40, 40}}});
  token("docker-hub-pat", "Docker Hub personal access token", kHigh, {{"dckr_pat_"}, {{"", C::kBase64Url, 27, 27}}});
  token("docker-hub-org-token", "Docker Hub organisation access token", kHigh, {{"dckr_oat_"}, {{"", C::kBase64Url, 32, 32}}});
  token("jfrog-api-key", "JFrog Artifactory API key", kMedium, {{"AKCp"}, {{"", C::kAlnum, 69, 69}}});
  d.push_back(Regex("octopus-deploy-api-key", "Octopus Deploy API key", kMedium, "API-[A-Z0-9]{26}",
                    AnchorThen(C::kUpperAlnum, 0, 6)));
  token("infracost-api-key", "Infracost API key", kHigh, {{"ico-"}, {{"", C::kAlnum, 32, 32}}});

  // --- package registries ---
  token("npm-token", "npm access token", kHigh, {{"npm_"}, {{"", C::kAlnum, 36, 36}}, "", "", crc});
  token("pypi-token", "PyPI upload token", kHigh, {{"pypi-AgEIcHlwaS5vcmc"}, {{"", C::kBase64Url, 50, 512}}});
  token("pypi-test-token", "TestPyPI upload token", kMedium, {{"pypi-AgENdGVzdC5weXBpLm9yZw"}, {{"", C::kBase64Url, 50, 512}}});
  token("rubygems-api-key", "RubyGems API key", kHigh, {{"rubygems_"}, {{"", C::kHexLower, 48, 48}}});
  token("clojars-token", "Clojars deploy token", kHigh, {{"CLOJARS_"}, {{"", C::kAlnum, 60, 60}}});
  d.push_back(Regex("nuget-api-key", "NuGet API key", kMedium, "oy2[a-z0-9]{43}", &WholeAnchor));
  token("readme-api-key", "ReadMe API key", kHigh, {{"rdme_"}, {{"", C::kAlnum, 70, 70}}});
  token("prefect-api-key", "Prefect API key", kHigh, {{"pnu_"}, {{"", C::kAlnum, 36, 36}}});

  // --- messaging and chat ---
  token("slack-bot-token", "Slack bot token", kHigh,
        {{"xoxb-"}, {{"", C::kDigits, 10, 13}, {"-", C::kDigits, 10, 13}, {"-", C::kAlnum, 24, 24}}});
  token("slack-user-token", "Slack user token", kHigh,
        {{"xoxp-"}, {{"", C::kDigits, 10, 13}, {"-", C::kDigits, 10, 13}, {"-", C::kDigits, 10, 13}, {"-", C::kHexLower, 32, 32}}});
  token("slack-app-token", "Slack app-level token", kHigh,
        {{"xapp-"}, {{"", C::kDigits, 1, 1}, {"-", C::kUpperAlnum, 9, 12}, {"-", C::kDigits, 10, 14}, {"-", C::kHexLower, 64, 64}}});
  token("slack-legacy-token", "Slack legacy workspace token", kHigh,
        {{"xoxa-2-", "xoxr-"}, {{"", C::kDigits, 10, 13}, {"-", C::kDigits, 10, 13}, {"-", C::kDigits, 10, 13}, {"-", C::kHexLower, 32, 32}}});
  token("slack-webhook", "Slack incoming webhook URL", kHigh,
        {{"hooks.slack.com/services/"}, {{"T", C::kUpperAlnum, 8, 12}, {"/B", C::kUpperAlnum, 8, 12}, {"/", C::kAlnum, 24, 24}}});
  token("discord-webhook", "Discord webhook URL", kHigh,
        {{"discord.com/api/webhooks/", "discordapp.com/api/webhooks/"}, {{"", C::kDigits, 17, 20}, {"/", C::kBase64Url, 60, 70}}});
  d.push_back(Regex("telegram-bot-token", "Telegram bot token", kMedium, "\\d{8,10}:AA",
                    AnchorThen(C::kBase64Url, 33, 33)));
  d.push_back(Regex("twilio-api-key", "Twilio API key SID", kMedium, "SK[0-9a-f]{32}", &WholeAnchor));
  d.push_back(Custom("twilio-auth-token", "Twilio auth token", kHigh,
                     {"twilio_auth_token", "twilio_token", "twilio_secret", "twilioauthtoken"}, true,
                     AssignedValue(C::kHexLower, 32, 32)));
  token("sendgrid-api-key", "SendGrid API key", kHigh, {{"SG."}, {{"", C::kBase64Url, 22, 22}, {".", C::kBase64Url, 43, 43}}});
  d.push_back(Regex("mailgun-api-key", "Mailgun API key", kMedium, "key-[0-9a-f]{32}", &WholeAnchor));
  d.push_back(Regex("mailchimp-api-key", "Mailchimp API key", kMedium, "[0-9a-f]{32}-us", AnchorThen(C::kDigits, 1, 2)));
  token("brevo-api-key", "Brevo (Sendinblue) API key", kHigh, {{"xkeysib-"}, {{"", C::kHexLower, 64, 64}, {"-", C::kAlnum, 16, 16}}});
  token("postman-api-key", "Postman API key", kHigh, {{"PMAK-"}, {{"", C::kHexLower, 24, 24}, {"-", C::kHexLower, 34, 34}}});
  d.push_back(Regex("firebase-cloud-messaging-key", "Firebase Cloud Messaging server key", kHigh,
                    "AAAA[A-Za-z0-9_-]{7}:APA91b", AnchorThen(C::kBase64Url, 130, 200)));
  token("linear-api-key", "Linear API key", kHigh, {{"lin_api_"}, {{"", C::kAlnum, 40, 40}}});
  token("figma-pat", "Figma personal access token", kHigh, {{"figd_"}, {{"", C::kBase64Url, 40, 40}}});
  token("notion-integration-token", "Notion integration token", kMedium, {{"ntn_"}, {{"", C::kAlnum, 46, 46}}});
  token("hubspot-private-app-token", "HubSpot private app token", kHigh,
        {{"pat-na1-", "pat-eu1-"}, {{"", C::kHexLower, 8, 8}, {"-", C::kHexLower, 4, 4}, {"-", C::kHexLower, 4, 4}, {"-", C::kHexLower, 4, 4}, {"-", C::kHexLower, 12, 12}}});
  d.push_back(Regex("airtable-pat", "Airtable personal access token", kHigh, "pat[A-Za-z0-9]{14}\\.",
                    AnchorThen(C::kHexLower, 64, 64)));
  token("typeform-token", "Typeform personal token", kHigh, {{"tfp_"}, {{"", C::kBase64Url, 44, 60}}});
  token("contentful-pat", "Contentful personal access token", kHigh, {{"CFPAT-"}, {{"", C::kBase64Url, 43, 43}}});
  token("frameio-token", "Frame.io API token", kHigh, {{"fio-u-"}, {{"", C::kBase64Url, 64, 64}}});
  token("adobe-client-secret", "Adobe client secret", kMedium, {{"p8e-"}, {{"", C::kAlnum, 32, 32}}});
  token("mapbox-secret-token", "Mapbox secret token", kHigh, {{"sk.eyJ"}, {{"", C::kBase64Url, 50, 300}, {".", C::kBase64Url, 22, 22}}});

  // --- payments and commerce ---
  token("stripe-secret-key", "Stripe live secret key", kHigh, {{"sk_live_"}, {{"", C::kAlnum, 24, 247}}});
  token("stripe-restricted-key", "Stripe live restricted key", kHigh, {{"rk_live_"}, {{"", C::kAlnum, 24, 247}}});
  token("stripe-test-secret-key", "Stripe test-mode secret key", kLow, {{"sk_test_"}, {{"", C::kAlnum, 24, 247}}});
  token("stripe-webhook-secret", "Stripe webhook signing secret", kHigh, {{"whsec_"}, {{"", C::kAlnum, 32, 64}}});
  token("square-access-token", "Square access token", kHigh, {{"sq0atp-"}, {{"", C::kBase64Url, 22, 22}}});
  token("square-oauth-secret", "Square OAuth secret", kHigh, {{"sq0csp-"}, {{"", C::kBase64Url, 43, 43}}});
  token("braintree-access-token", "Braintree / PayPal access token", kHigh,
        {{"access_token$production$"}, {{"", C::kLowerAlnum, 16, 16}, {"$", C::kHexLower, 32, 32}}});
  token("shopify-access-token", "Shopify admin API access token", kHigh, {{"shpat_"}, {{"", C::kHex, 32, 32}}});
  token("shopify-custom-app-token", "Shopify custom app access token", kHigh, {{"shpca_"}, {{"", C::kHex, 32, 32}}});
  token("shopify-private-app-token", "Shopify private app password", kHigh, {{"shppa_"}, {{"", C::kHex, 32, 32}}});
  token("shopify-shared-secret", "Shopify app shared secret", kHigh, {{"shpss_"}, {{"", C::kHex, 32, 32}}});
  token("shippo-api-token", "Shippo live API token", kHigh, {{"shippo_live_"}, {{"", C::kHexLower, 40, 40}}});
  token("flutterwave-secret-key", "Flutterwave secret key", kHigh, {{"FLWSECK-"}, {{"", C::kHexLower, 32, 32}}, "-X"});
  token("easypost-api-key", "EasyPost production API key", kHigh, {{"EZAK"}, {{"", C::kAlnum, 54, 54}}});
  token("duffel-api-token", "Duffel live API token", kHigh, {{"duffel_live_"}, {{"", C::kBase64Url, 43, 43}}});

  // --- AI providers ---
  token("openai-project-key", "OpenAI project API key", kHigh, {{"sk-proj-"}, {{"", C::kBase64Url, 40, 200}}});
  token("openai-service-account-key", "OpenAI service account key", kHigh, {{"sk-svcacct-"}, {{"", C::kBase64Url, 40, 200}}});
  token("openai-admin-key", "OpenAI admin key", kHigh, {{"sk-admin-"}, {{"", C::kBase64Url, 40, 200}}});
  d.push_back(Regex("openai-legacy-key", "OpenAI API key (legacy format)", kHigh,
                    "sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", &WholeAnchor));
  token("anthropic-api-key", "Anthropic API key", kHigh, {{"sk-ant-api03-"}, {{"", C::kBase64Url, 95, 95}}, "", "AA"});
  token("anthropic-admin-key", "Anthropic admin key", kHigh, {{"sk-ant-admin01-"}, {{"", C::kBase64Url, 95, 95}}, "", "AA"});
  token("huggingface-token", "Hugging Face access token", kHigh, {{"hf_"}, {{"", C::kAlpha, 34, 34}}});
  token("replicate-token", "Replicate API token", kHigh, {{"r8_"}, {{"", C::kAlnum, 37, 37}}});
  token("groq-api-key", "Groq API key", kHigh, {{"gsk_"}, {{"", C::kAlnum, 52, 52}}});

  // --- keys and tokens in generic formats ---
  for (auto [id, kind, c] : {std::tuple{"private-key-rsa", "RSA", kHigh}, {"private-key-ec", "EC", kHigh},
                             {"private-key-dsa", "DSA", kHigh}, {"private-key-openssh", "OPENSSH", kHigh},
                             {"private-key-pkcs8", "", kHigh}, {"private-key-encrypted", "ENCRYPTED", kMedium}}) {
    std::string marker = std::string("-----BEGIN ") + kind + (std::string_view(kind).empty() ? "" : " ") + "PRIVATE KEY-----";
    d.push_back(Custom(id, fmt::format("{} private key", std::string_view(kind).empty() ? "PKCS#8" : kind), c,
                       {marker}, false, &PemBlock));
  }
  d.push_back(Custom("private-key-pgp", "PGP private key block", kHigh, {"-----BEGIN PGP PRIVATE KEY BLOCK-----"},
                     false, &PemBlock));
  d.push_back(Custom("private-key-putty", "PuTTY private key", kHigh, {"PuTTY-User-Key-File-"}, false, &PuttyKey));
  token("age-secret-key", "age encryption secret key", kHigh, {{"AGE-SECRET-KEY-1"}, {{"", C::kBech32Upper, 58, 58}}});
  d.push_back(Custom("jwt", "JSON Web Token", kMedium, {"eyJ"}, false, &Jwt));
  d.push_back(Custom("otpauth-secret", "Two-factor (TOTP/HOTP) seed in an otpauth:// URL", kMedium, {"otpauth://"},
                     false, &OtpauthSecret));
  d.push_back(Custom("sql-password", "Password set in SQL (CREATE/ALTER USER or ROLE)", kMedium,
                     {"password '", "identified by '", "identified by \""}, true, &SqlPassword));
  d.push_back(Custom("http-basic-auth", "HTTP Basic credentials (base64 of user:password)", kMedium, {"Basic "},
                     false, &BasicAuth));
  d.push_back(Custom("http-bearer-token", "Bearer token in an HTTP Authorization header", kLow,
                     {"Bearer "}, true, &BearerToken));
  d.push_back(Regex("nats-nkey-seed", "NATS nkey seed (private key)", kHigh, "S[UAONCX][A-Z2-7]{56}", &NkeySeed));
  d.push_back(Custom("database-url", "Database URL with a password", kHigh,
                     {"postgres://", "postgresql://", "mysql://", "mariadb://", "mongodb://", "mongodb+srv://",
                      "redis://", "rediss://", "amqp://", "amqps://", "mssql://", "sqlserver://", "clickhouse://",
                      "cockroachdb://", "jdbc:postgresql://", "jdbc:mysql://", "pgx://", "postgresql+", "mysql+",
                      "mssql+", "oracle://", "oracle+", "neo4j://", "bolt://", "couchdb://", "cassandra://",
                      "influxdb://", "memcached://", "elasticsearch://"},
                     true, [](std::string_view data, std::size_t from, std::size_t to) {
                       return UrlPassword(data, from, to, true);
                     }));
  d.push_back(Custom("url-credentials", "URL with a user and password (.git-credentials, basic auth)", kMedium,
                     {"https://", "http://", "ftp://", "sftp://", "smtp://", "smtps://", "ldap://", "ldaps://",
                      "nats://", "tls://", "ssh://", "git://", "svn://", "ws://", "wss://", "smb://", "imap://",
                      "imaps://", "pop3://", "mqtt://", "mqtts://", "kafka://", "socks5://", "rtsp://"},
                     true, [](std::string_view data, std::size_t from, std::size_t to) {
                       return UrlPassword(data, from, to, false);
                     }));

  // --- credentials in well-known files ---
  d.push_back(Custom("netrc-password", ".netrc machine password", kHigh, {"machine"}, false, &Netrc));
  d.push_back(Custom("pgpass-password", ".pgpass password", kMedium, {":5432:"}, false, &Pgpass));
  d.push_back(Custom("docker-config-auth", "Docker config.json registry auth", kHigh, {"\"auth\""}, false, &DockerAuth));
  d.push_back(Custom("htpasswd-hash", ".htpasswd password hash", kMedium, {"$apr1$", "$2y$", "{SHA}"}, false,
                     [](std::string_view data, std::size_t from, std::size_t to) {
                       return PasswordHashLine(data, from, to, false);
                     }));
  d.push_back(Custom("shadow-hash", "/etc/shadow password hash", kMedium, {"$6$", "$5$", "$y$"}, false,
                     [](std::string_view data, std::size_t from, std::size_t to) {
                       return PasswordHashLine(data, from, to, true);
                     }));
  d.push_back(Custom("kubeconfig-client-key", "kubeconfig client key", kHigh, {"client-key-data"}, false, &KubeClientKey));
  d.push_back(Custom("rails-secret-key-base", "Rails secret_key_base", kHigh, {"secret_key_base"}, false,
                     AssignedValue(C::kHexLower, 64, 256)));
  d.push_back(Custom("django-secret-key", "Django SECRET_KEY", kMedium, {"SECRET_KEY"}, false,
                     [](std::string_view data, std::size_t from, std::size_t to) -> std::optional<Candidate> {
                       auto a = ReadAssignment(data, from, to);
                       if (!a || a->key != "secret_key" || !a->quoted) return std::nullopt;
                       std::string_view v = data.substr(a->value_from, a->value_to - a->value_from);
                       if (v.size() < 40 || LooksLikePlaceholder(v) || Entropy(v) < 4.0) return std::nullopt;
                       if (v.find_first_of(" ${}") != std::string_view::npos) return std::nullopt;
                       return Candidate{a->value_from, a->value_to, std::string(v), {}};
                     }));
  d.push_back(Custom("generic-secret", "Password, secret or token assigned in code or config", kLow,
                     {"pass", "pw", "secret", "token", "apikey", "api_key", "api-key", "access_key",
                      "private_key", "credential"},
                     true, &GenericSecret));
  return d;
}

Result<std::unique_ptr<DetectorSet>> DetectorSet::Build(std::vector<Detector> detectors) {
  auto set = std::make_unique<DetectorSet>();
  scan::MatcherBuilder builder;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < detectors.size(); ++i) {
    if (!ids.insert(detectors[i].id).second) {
      return Fail(Error::Internal(fmt::format("two detectors are named {}", detectors[i].id)));
    }
    for (scan::Pattern p : detectors[i].anchors) {
      p.id = static_cast<unsigned>(set->pattern_detector_.size());
      set->pattern_detector_.push_back(static_cast<int>(i));
      builder.Add(std::move(p));
    }
  }
  auto matcher = builder.Compile();
  if (!matcher) return Fail(matcher.error());
  set->matcher_ = std::move(*matcher);
  set->detectors_ = std::move(detectors);
  return set;
}

Result<std::vector<Hit>> DetectorSet::Find(std::string_view data, scan::Scratch& scratch) const {
  std::vector<scan::Match> anchors;
  auto scanned = matcher_->Scan(data, scratch, [&](const scan::Match& m) {
    anchors.push_back(m);
    return anchors.size() < 1000000;  // a pathological blob: stop collecting, keep what we have
  });
  if (!scanned) return Fail(scanned.error());
  std::vector<Hit> hits;
  for (const scan::Match& m : anchors) {
    int di = pattern_detector_[m.id];
    const Detector& det = detectors_[static_cast<std::size_t>(di)];
    auto c = det.validate(data, m.from, m.to);
    if (!c) continue;
    hits.push_back({di, c->from, c->to, std::move(c->secret), c->confidence.value_or(det.confidence), c->config_only});
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.from, a.detector, a.to) < std::tie(b.from, b.detector, b.to);
  });
  // One hit per detector and start: an anchor with a variable-length tail
  // (Hyperscan reports every end) keeps its longest reading.
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.from, a.detector) < std::tie(b.from, b.detector) ||
           (a.from == b.from && a.detector == b.detector && a.to > b.to);
  });
  hits.erase(std::unique(hits.begin(), hits.end(),
                         [](const Hit& a, const Hit& b) { return a.detector == b.detector && a.from == b.from; }),
             hits.end());
  // Inline allow: "ctodesk:allow" anywhere on the secret's line.
  std::erase_if(hits, [&](const Hit& h) {
    std::size_t lo = h.from;
    while (lo > 0 && h.from - lo < 4096 && data[lo - 1] != '\n') --lo;
    std::size_t hi = h.to;
    while (hi < data.size() && hi - h.to < 4096 && data[hi] != '\n') ++hi;
    return data.substr(lo, hi - lo).find("ctodesk:allow") != std::string_view::npos;
  });
  return hits;
}

}  // namespace ctodesk::leaks
