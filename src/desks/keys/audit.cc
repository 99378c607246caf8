#include "desks/keys/audit.h"
#include "core/hex.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/json_text.h"

namespace ctodesk::keys {

ChainVerdict VerifyAuditChain(const std::vector<AuditEntry>& trail,
                              const std::optional<std::pair<std::int64_t, std::string>>& head) {
  ChainVerdict v;
  v.entries = static_cast<std::int64_t>(trail.size());
  auto problem = [&](std::int64_t seq, std::string what) {
    v.ok = false;
    if (v.problems.size() < 20) v.problems.push_back({seq, std::move(what)});
  };
  std::string prev(64, '0');
  std::int64_t expected_seq = 1;
  for (const AuditEntry& e : trail) {
    if (e.seq != expected_seq) {
      problem(e.seq, e.seq > expected_seq
                         ? fmt::format("entries {}..{} are missing (deleted)", expected_seq, e.seq - 1)
                         : fmt::format("entry {} appears again (inserted or renumbered)", e.seq));
    }
    if (!HashesEqual(e.prev_hash, prev)) {
      problem(e.seq, "its prev_hash does not match the entry before it (an entry was inserted "
                     "or removed before it)");
    }
    if (!HashesEqual(AuditEntryHash(e), e.hash)) {
      problem(e.seq, "its content does not match its hash (the entry was edited)");
    }
    prev = e.hash;
    expected_seq = e.seq + 1;
  }
  v.head_hash = trail.empty() ? "" : trail.back().hash;
  if (head) {
    if (trail.empty()) {
      problem(0, fmt::format("the trail is empty but the head says {} entries", head->first));
    } else if (head->first != trail.back().seq || !HashesEqual(head->second, trail.back().hash)) {
      problem(0, fmt::format("the last entry is {} but the head says {} (entries were added or "
                             "removed at the end)",
                             trail.back().seq, head->first));
    }
  } else if (!trail.empty()) {
    problem(0, "the trail has entries but no head");
  }
  return v;
}

Result<ChainVerdict> VerifyAuditChain(Store& store) {
  auto trail = store.AuditTrail();
  if (!trail) return Fail(trail.error());
  auto head = store.AuditHead();
  if (!head) return Fail(head.error());
  return VerifyAuditChain(*trail, *head);
}

namespace {

constexpr const char* kAnchorNs = "keys";
constexpr const char* kAnchorKey = "audit_anchor";

}  // namespace

Result<std::string> LoadOrCreateAuditKey(const std::filesystem::path& key_file, bool* created) {
  *created = false;
  auto valid = [](const std::string& k) {
    return k.size() == 64 && k.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  std::error_code ec;
  if (!std::filesystem::exists(key_file, ec)) {
    if (key_file.has_parent_path()) std::filesystem::create_directories(key_file.parent_path(), ec);
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
      return Fail(Error::Io(fmt::format("{}: no randomness for the audit key", key_file.string())));
    }
    std::string secret = Hex(raw, sizeof raw);
    // O_EXCL: two processes creating it at once cannot both win.
    int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string text = secret + "\n";
      bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      ok = ::fsync(fd) == 0 && ok;
      ::close(fd);
      if (!ok) {
        return Fail(Error::Io(fmt::format("{}: cannot write the audit key", key_file.string())));
      }
      *created = true;
      return secret;
    }
    if (errno != EEXIST) {
      return Fail(Error::Io(fmt::format("{}: cannot create the audit key: {}", key_file.string(),
                                        std::strerror(errno))));
    }
  }
  std::ifstream in(key_file);
  std::string secret;
  if (!in || !std::getline(in, secret)) {
    return Fail(Error::Io(fmt::format("{}: cannot read the audit key", key_file.string())));
  }
  if (!valid(secret)) {
    return Fail(Error::Io(fmt::format("{}:1: expected the audit key (64 hex characters)", key_file.string())));
  }
  return secret;
}

std::string AnchorMac(std::string_view secret, std::int64_t seq, std::string_view hash) {
  std::string message = fmt::format("{}:{}", seq, hash);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return Hex(mac, len);
}

Result<ChainVerdict> VerifyAuditChain(Store& store, const std::filesystem::path& key_file) {
  bool created = false;
  auto secret = LoadOrCreateAuditKey(key_file, &created);
  if (!secret) return Fail(secret.error());
  auto trail = store.AuditTrail();
  if (!trail) return Fail(trail.error());
  auto head = store.AuditHead();
  if (!head) return Fail(head.error());
  ChainVerdict v = VerifyAuditChain(*trail, *head);
  auto problem = [&](std::int64_t seq, std::string what) {
    v.ok = false;
    if (v.problems.size() < 20) v.problems.push_back({seq, std::move(what)});
  };
  auto saved = store.GetState(kAnchorNs, kAnchorKey);
  if (!saved) return Fail(saved.error());
  if (*saved) {
    auto j = nlohmann::json::parse(**saved, nullptr, false);
    std::int64_t seq = 0;
    std::string hash, mac;
    if (j.is_object() && j.value("seq", nlohmann::json()).is_number_integer() &&
        j.value("hash", nlohmann::json()).is_string() && j.value("mac", nlohmann::json()).is_string()) {
      seq = j["seq"].get<std::int64_t>();
      hash = j["hash"].get<std::string>();
      mac = j["mac"].get<std::string>();
    }
    if (!HashesEqual(AnchorMac(*secret, seq, hash), mac)) {
      problem(0, fmt::format("the audit anchor does not match its HMAC: it was written without the "
                             "audit key {} (forged), or that key file was replaced",
                             key_file.string()));
    } else {
      const AuditEntry* anchored = nullptr;
      for (const AuditEntry& e : *trail) {
        if (e.seq == seq) anchored = &e;
      }
      if (!anchored) {
        problem(seq, fmt::format("entry {}, anchored by the audit key, is gone (the trail was "
                                 "cut or rewritten)", seq));
      } else if (!HashesEqual(anchored->hash, hash)) {
        problem(seq, fmt::format("entry {} is not the entry the audit key anchored (hash {} now, {} "
                                 "anchored): the whole trail was rewritten",
                                 seq, anchored->hash.substr(0, 16), hash.substr(0, 16)));
      }
    }
  } else if (!created && !trail->empty()) {
    problem(0, fmt::format("the audit anchor is missing although the audit key {} exists: it was "
                           "removed from the database", key_file.string()));
  }
  if (v.ok && !trail->empty()) {
    const AuditEntry& last = trail->back();
    std::string anchor = JsonText(nlohmann::ordered_json{
        {"seq", last.seq}, {"hash", last.hash}, {"mac", AnchorMac(*secret, last.seq, last.hash)}});
    if (!*saved || **saved != anchor) {
      if (auto w = store.PutState(kAnchorNs, kAnchorKey, anchor); !w) return Fail(w.error());
    }
  }
  return v;
}

}  // namespace ctodesk::keys
