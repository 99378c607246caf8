// The scan engine behind scanner.h. Work is split by blob, not by commit:
// history is mostly the same blobs over and over, so the unit of work that
// never repeats is the blob. Results are sorted by blob id before they are
// merged, so the output does not depend on thread timing.
#include "desks/leaks/scanner.h"

#include <fnmatch.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/cores.h"
#include "core/progress.h"
#include "git/git.h"

namespace ctodesk::leaks {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBinaryProbe = 8000;  // git's own heuristic: a NUL in the first 8000 bytes

struct BlobHit {
  int detector;
  std::string secret;
  Confidence confidence;
  int line;
  int column;
  bool config_only;
};

// One scanned unit (a blob or a file) that had hits.
struct Scanned {
  std::string key;  // blob id (git) or path (folders)
  std::vector<BlobHit> hits;
};

bool IsBinary(std::string_view data) {
  return std::memchr(data.data(), 0, std::min(data.size(), kBinaryProbe)) != nullptr;
}

Result<std::vector<BlobHit>> HitsIn(const DetectorSet& set, std::string_view data, scan::Scratch& scratch) {
  auto hits = set.Find(data, scratch);
  if (!hits) return Fail(hits.error());
  std::vector<BlobHit> out;
  int line = 1;
  std::size_t line_start = 0;
  std::size_t at = 0;
  for (Hit& h : *hits) {  // sorted by position: count newlines once
    for (; at < h.from; ++at) {
      if (data[at] == '\n') {
        ++line;
        line_start = at + 1;
      }
    }
    out.push_back({h.detector, std::move(h.secret), h.confidence, line,
                   static_cast<int>(h.from - line_start) + 1, h.config_only});
  }
  return out;
}

int ThreadCount(const ScanOptions& o, std::size_t work) {
  int n = o.threads > 0 ? o.threads : static_cast<int>(UsableCores());
  return static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(n), work)));
}

// Runs `body(worker)` on `threads` threads (the caller's thread is one of them).
void RunWorkers(int threads, const std::function<void(int)>& body) {
  std::vector<std::thread> pool;
  for (int w = 1; w < threads; ++w) pool.emplace_back(body, w);
  body(0);
  for (auto& t : pool) t.join();
}

bool IsLockOrMinified(std::string_view path) {
  std::string_view base = path.substr(path.rfind('/') == std::string_view::npos ? 0 : path.rfind('/') + 1);
  static constexpr std::string_view kLockfiles[] = {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock",
                                                    "go.sum", "poetry.lock", "Gemfile.lock", "composer.lock",
                                                    "Pipfile.lock", "bun.lockb", "flake.lock"};
  for (std::string_view l : kLockfiles) {
    if (base == l) return true;
  }
  return base.ends_with(".min.js") || base.ends_with(".min.css") || base.ends_with(".map");
}

// Source code, where an unquoted value after `password =` is a variable.
bool IsCodePath(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string ext(base.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::string_view kCode[] = {"py", "js", "mjs", "cjs", "jsx", "ts", "tsx", "go", "java", "kt",
                                               "kts", "scala", "cs", "rb", "php", "c", "h", "cc", "cpp", "hpp",
                                               "cxx", "m", "mm", "swift", "rs", "dart", "lua", "pl", "groovy",
                                               "ex", "exs", "erl", "hs", "clj", "fs", "vb", "r", "jl", "vue"};
  for (std::string_view e : kCode) {
    if (ext == e) return true;
  }
  return false;
}

bool IsTestPath(std::string_view path) {
  if (path.starts_with("t/")) return true;  // git's and Perl's test folder
  for (std::string_view part : {"test/", "tests/", "testdata/", "fixture/", "fixtures/", "__tests__/", "spec/", "specs/",
                                "mock/", "mocks/", "__mocks__/"}) {
    if (path.starts_with(part) || path.find(std::string("/") + std::string(part)) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// Merges hits into distinct secrets, keyed by fingerprint.
class SecretTable {
 public:
  SecretTable(const DetectorSet& set, const ScanOptions& options) : set_(set), options_(options) {}

  void Add(const BlobHit& hit, Occurrence occ) {
    if (!occ.path.empty() && occ.path != "-") {
      for (const std::string& g : options_.allow_paths) {
        if (PathMatches(g, occ.path)) return;
      }
    }
    Confidence c = hit.confidence;
    if (hit.config_only && IsCodePath(occ.path)) return;
    if (IsLockOrMinified(occ.path) && c == Confidence::kLow) return;
    if (IsTestPath(occ.path)) {
      if (c == Confidence::kLow && !options_.include_test_guesses) return;
      c = std::min(Confidence::kLow, static_cast<Confidence>(static_cast<int>(c) + 1));
    }
    std::string fp = Fingerprint(hit.secret);
    if (options_.allow_fingerprints.contains(fp)) return;
    auto [it, fresh] = secrets_.try_emplace(fp);
    Secret& s = it->second;
    const Detector& d = set_.detectors()[static_cast<std::size_t>(hit.detector)];
    // The most confident, then most specific (earliest in the table) detector names it.
    if (fresh || c < s.confidence || (c == s.confidence && hit.detector < detector_[fp])) {
      s.rule = d.id;
      s.description = d.description;
      s.confidence = c;
      detector_[fp] = hit.detector;
    }
    if (fresh) {
      s.fingerprint = fp;
      s.value = hit.secret;
      s.redacted = Redact(hit.secret);
    }
    if (!occ.blob.empty() && std::find(s.blobs.begin(), s.blobs.end(), occ.blob) == s.blobs.end()) {
      s.blobs.push_back(occ.blob);
    }
    s.occurrences.push_back(std::move(occ));
  }

  std::vector<Secret> Take(const std::unordered_set<std::string>* head_blobs) {
    std::vector<Secret> out;
    for (auto& [fp, s] : secrets_) {
      auto key = [](const Occurrence& o) { return std::tie(o.time, o.commit, o.path, o.line, o.column, o.blob); };
      std::sort(s.occurrences.begin(), s.occurrences.end(),
                [&](const Occurrence& a, const Occurrence& b) { return key(a) < key(b); });
      s.occurrences.erase(std::unique(s.occurrences.begin(), s.occurrences.end(),
                                      [&](const Occurrence& a, const Occurrence& b) { return key(a) == key(b); }),
                          s.occurrences.end());
      std::sort(s.blobs.begin(), s.blobs.end());
      if (head_blobs == nullptr) {
        s.at_head = true;
      } else {
        s.at_head = std::any_of(s.blobs.begin(), s.blobs.end(),
                                [&](const std::string& b) { return head_blobs->contains(b); });
      }
      out.push_back(std::move(s));
    }
    // Most urgent first: at HEAD, confidence, then oldest.
    std::sort(out.begin(), out.end(), [](const Secret& a, const Secret& b) {
      return std::make_tuple(!a.at_head, a.confidence, a.introduced().time, a.introduced().path, a.fingerprint) <
             std::make_tuple(!b.at_head, b.confidence, b.introduced().time, b.introduced().path, b.fingerprint);
    });
    return out;
  }

 private:
  const DetectorSet& set_;
  const ScanOptions& options_;
  std::map<std::string, Secret> secrets_;
  std::map<std::string, int> detector_;
};

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

const Occurrence& Secret::introduced() const {
  for (const Occurrence& o : occurrences) {
    if (!o.commit.empty()) return o;
  }
  return occurrences.front();
}

std::string Fingerprint(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string input = fmt::format("ctodesk-leaks-v1\n{}", secret);
  EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < 8; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string Redact(std::string_view secret) {
  // Short secrets show less: four characters of an 8-character password is half of it.
  std::size_t show = std::min<std::size_t>(4, secret.size() / 4);
  std::string prefix(secret.substr(0, show));
  for (char& c : prefix) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return fmt::format("{}… ({} chars)", prefix, secret.size());
}

bool PathMatches(std::string_view glob, std::string_view path) {
  std::string g(glob);
  for (std::size_t at; (at = g.find("**")) != std::string::npos;) g.replace(at, 2, "*");
  std::string p(path);
  if (g.find('/') == std::string::npos) {
    std::size_t slash = p.rfind('/');
    std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
    return fnmatch(g.c_str(), base.c_str(), 0) == 0;
  }
  // Without FNM_PATHNAME, "*" also crosses "/", which is what "docs/*" should mean.
  if (g.starts_with("*/") && fnmatch(g.c_str() + 2, p.c_str(), 0) == 0) return true;
  return fnmatch(g.c_str(), p.c_str(), 0) == 0;
}

Result<std::unique_ptr<Scanner>> Scanner::Create(const std::vector<std::string>& own_key_prefixes) {
  std::vector<Detector> detectors = BuiltinDetectors();
  for (const std::string& p : own_key_prefixes) detectors.push_back(OwnKeyDetector(p));
  auto set = DetectorSet::Build(std::move(detectors));
  if (!set) return Fail(set.error());
  return std::unique_ptr<Scanner>(new Scanner(std::move(*set)));
}

Result<ScanReport> Scanner::Scan(const std::string& target, const ScanOptions& options) const {
  if (target == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return ScanText(text, "-", options);
  }
  std::error_code ec;
  fs::path p(target);
  if (!fs::exists(p, ec)) return Fail(Error::NotFound(fmt::format("{}: no such file or folder", target)));
  if (fs::is_directory(p, ec) && git::Repository::IsRepository(p)) return ScanGit(p, options);
  if (fs::is_directory(p, ec)) return ScanFolder(p, options);
  if (options.since) {
    return Fail(Error::Invalid(fmt::format("{}: --since needs a git repository", target)));
  }
  auto start = std::chrono::steady_clock::now();
  std::ifstream in(p, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return Fail(Error::Io(fmt::format("{}: cannot read", target)));
  auto r = ScanText(text, target, options);
  if (r) {
    r->kind = "file";
    r->stats.seconds = SecondsSince(start);
  }
  return r;
}

Result<ScanReport> Scanner::ScanText(std::string_view text, const std::string& name,
                                     const ScanOptions& options) const {
  auto start = std::chrono::steady_clock::now();
  ScanReport r{name, "stdin", {}, {}, {}, {}};
  SecretTable table(*set_, options);
  if (text.size() > options.max_blob_size) {
    ++r.stats.skipped_large;
    r.warnings.push_back(fmt::format("{}: {} bytes, over the limit of {}; not scanned", name, text.size(),
                                     options.max_blob_size));
  } else if (IsBinary(text)) {
    ++r.stats.skipped_binary;
  } else {
    auto scratch = set_->NewScratch();
    if (!scratch) return Fail(scratch.error());
    auto hits = HitsIn(*set_, text, **scratch);
    if (!hits) return Fail(hits.error());
    ++r.stats.blobs;
    r.stats.bytes += static_cast<std::int64_t>(text.size());
    for (const BlobHit& h : *hits) table.Add(h, {name, "", "", 0, "", h.line, h.column});
  }
  r.secrets = table.Take(nullptr);
  r.stats.seconds = SecondsSince(start);
  return r;
}

Result<ScanReport> Scanner::ScanFolder(const fs::path& dir, const ScanOptions& options) const {
  auto start = std::chrono::steady_clock::now();
  if (options.since) return Fail(Error::Invalid(fmt::format("{}: --since needs a git repository", dir.string())));
  ScanReport r{dir.string(), "folder", {}, {}, {}, {}};
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot list: {}", dir.string(), ec.message())));
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      r.warnings.push_back(fmt::format("{}: {}", dir.string(), ec.message()));
      break;
    }
    if (it->is_directory(ec) && it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::vector<Scanned> scanned;
  std::optional<Error> failure;
  Progress progress("leaks: scanning files", 0, options.progress && Progress::StderrIsTty());
  RunWorkers(ThreadCount(options, files.size()), [&](int) {
    auto scratch = set_->NewScratch();
    if (!scratch) {
      std::lock_guard lock(mu);
      failure = scratch.error();
      return;
    }
    std::string buffer;
    for (std::size_t i; (i = next++) < files.size();) {
      const fs::path& f = files[i];
      std::string rel = f.lexically_relative(dir).string();
      std::error_code size_ec;
      auto size = fs::file_size(f, size_ec);
      if (size_ec) continue;
      if (size > options.max_blob_size) {
        std::lock_guard lock(mu);
        ++r.stats.skipped_large;
        continue;
      }
      // One read of the whole file (an istreambuf_iterator copy went a byte
      // at a time: a third of a working-tree scan).
      std::ifstream in(f, std::ios::binary);
      buffer.resize(static_cast<std::size_t>(size));
      in.read(buffer.data(), static_cast<std::streamsize>(size));
      buffer.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
      if (in.bad()) {
        std::lock_guard lock(mu);
        ++r.stats.unreadable;
        r.warnings.push_back(fmt::format("{}: cannot read", f.string()));
        continue;
      }
      progress.Add(static_cast<std::int64_t>(buffer.size()));
      if (IsBinary(buffer)) {
        std::lock_guard lock(mu);
        ++r.stats.skipped_binary;
        continue;
      }
      auto hits = HitsIn(*set_, buffer, **scratch);
      std::lock_guard lock(mu);
      ++r.stats.blobs;
      r.stats.bytes += static_cast<std::int64_t>(buffer.size());
      if (!hits) {
        r.warnings.push_back(fmt::format("{}: {}", f.string(), hits.error().message));
      } else if (!hits->empty()) {
        scanned.push_back({rel, std::move(*hits)});
      }
    }
  });
  if (failure) return Fail(*failure);
  std::sort(scanned.begin(), scanned.end(), [](const Scanned& a, const Scanned& b) { return a.key < b.key; });
  SecretTable table(*set_, options);
  for (const Scanned& s : scanned) {
    for (const BlobHit& h : s.hits) table.Add(h, {s.key, "", "", 0, "", h.line, h.column});
  }
  r.secrets = table.Take(nullptr);
  r.stats.seconds = SecondsSince(start);
  return r;
}

Result<ScanReport> Scanner::ScanGit(const fs::path& path, const ScanOptions& options) const {
  auto start = std::chrono::steady_clock::now();
  auto repo = git::Repository::Open(path);
  if (!repo) return Fail(repo.error());
  ScanReport r{path.string(), "git", {}, {}, {}, {}};

  std::vector<git::ObjectId> hide;
  for (const std::string& h : options.hide) {
    if (auto id = git::ObjectId::FromHex(h)) hide.push_back(*id);
  }
  if (options.since) {
    auto id = (*repo)->ResolveCommit(*options.since);
    if (!id) return Fail(id.error());
    hide.push_back(*id);
  }
  const bool incremental = !hide.empty();

  // 1. What to read: every object, or (incremental) the blobs new commits bring.
  std::vector<git::ObjectId> todo;
  std::unordered_map<git::ObjectId, std::vector<git::Introduction>, git::ObjectIdHash> intros;
  if (incremental) {
    auto walk = (*repo)->WalkIntroductions({hide}, [](const git::ObjectId&) { return true; },
                                           [&](const git::Introduction& i) { intros[i.blob].push_back(i); });
    if (!walk) return Fail(walk.error());
    r.stats.commits = walk->commits;
    r.warnings.insert(r.warnings.end(), walk->warnings.begin(), walk->warnings.end());
    for (auto& [id, list] : intros) todo.push_back(id);
    std::sort(todo.begin(), todo.end());
  } else {
    auto ids = (*repo)->AllObjectIds();
    if (!ids) return Fail(ids.error());
    todo = std::move(*ids);
  }
  r.stats.objects = static_cast<std::int64_t>(todo.size());

  // 2. Inflate and scan each blob once, on every core.
  git::WholePackReads whole_pack;
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::vector<Scanned> scanned;
  std::optional<Error> failure;
  Progress progress(fmt::format("leaks: {}", path.filename().string()), 0,
                    options.progress && Progress::StderrIsTty());
  RunWorkers(ThreadCount(options, todo.size() / 64 + 1), [&](int) {
    auto own = git::Repository::Open(path);
    auto scratch = set_->NewScratch();
    if (!own || !scratch) {
      std::lock_guard lock(mu);
      failure = !own ? own.error() : scratch.error();
      return;
    }
    ScanStats local;
    std::vector<std::string> warnings;
    std::vector<Scanned> found;
    for (std::size_t i; (i = next++) < todo.size();) {
      git::BlobRead b = (*own)->ReadBlob(todo[i], options.max_blob_size);
      switch (b.status) {
        case git::BlobStatus::kNotBlob: continue;
        case git::BlobStatus::kTooLarge: ++local.skipped_large; continue;
        case git::BlobStatus::kUnreadable:
          ++local.unreadable;
          warnings.push_back(fmt::format("object {} unreadable, skipped: {}", todo[i].Hex(), b.error));
          continue;
        case git::BlobStatus::kOk: break;
      }
      std::string_view data = b.data.view();
      progress.Add(static_cast<std::int64_t>(data.size()));
      if (IsBinary(data)) {
        ++local.skipped_binary;
        continue;
      }
      ++local.blobs;
      local.bytes += static_cast<std::int64_t>(data.size());
      auto hits = HitsIn(*set_, data, **scratch);
      if (!hits) {
        warnings.push_back(fmt::format("object {}: {}", todo[i].Hex(), hits.error().message));
      } else if (!hits->empty()) {
        found.push_back({todo[i].Hex(), std::move(*hits)});
      }
    }
    std::lock_guard lock(mu);
    r.stats.blobs += local.blobs;
    r.stats.bytes += local.bytes;
    r.stats.skipped_large += local.skipped_large;
    r.stats.skipped_binary += local.skipped_binary;
    r.stats.unreadable += local.unreadable;
    r.warnings.insert(r.warnings.end(), warnings.begin(), warnings.end());
    std::move(found.begin(), found.end(), std::back_inserter(scanned));
  });
  if (failure) return Fail(*failure);
  std::sort(scanned.begin(), scanned.end(), [](const Scanned& a, const Scanned& b) { return a.key < b.key; });
  std::sort(r.warnings.begin(), r.warnings.end());

  // 3. Attribute only the blobs with hits: which commit brought each in, where.
  if (!incremental && !scanned.empty()) {
    std::unordered_set<git::ObjectId, git::ObjectIdHash> wanted;
    for (const Scanned& s : scanned) wanted.insert(*git::ObjectId::FromHex(s.key));
    auto walk = (*repo)->WalkIntroductions({}, [&](const git::ObjectId& id) { return wanted.contains(id); },
                                           [&](const git::Introduction& i) { intros[i.blob].push_back(i); });
    if (!walk) return Fail(walk.error());
    r.stats.commits = walk->commits;
    r.warnings.insert(r.warnings.end(), walk->warnings.begin(), walk->warnings.end());
  }
  auto head = (*repo)->HeadBlobs();
  if (!head) return Fail(head.error());
  std::unordered_set<std::string> head_blobs;
  for (const git::PathBlob& pb : *head) head_blobs.insert(pb.blob.Hex());

  SecretTable table(*set_, options);
  for (const Scanned& s : scanned) {
    auto it = intros.find(*git::ObjectId::FromHex(s.key));
    for (const BlobHit& h : s.hits) {
      if (it == intros.end() || it->second.empty()) {
        // In the object database but on no branch: a dropped stash, a rewritten commit.
        table.Add(h, {"", "", "", 0, s.key, h.line, h.column});
        continue;
      }
      for (const git::Introduction& i : it->second) {
        table.Add(h, {i.path, i.commit.Hex(), i.author, i.time, s.key, h.line, h.column});
      }
    }
  }
  r.secrets = table.Take(&head_blobs);
  auto tips = (*repo)->RefTips();
  if (tips) {
    for (const git::ObjectId& t : *tips) r.ref_tips.push_back(t.Hex());
  }
  r.stats.seconds = SecondsSince(start);
  return r;
}

Result<ScanReport> Scanner::ScanStaged(const fs::path& path, const ScanOptions& options) const {
  auto start = std::chrono::steady_clock::now();
  auto repo = git::Repository::Open(path);
  if (!repo) return Fail(repo.error());
  auto staged = (*repo)->StagedBlobs();
  if (!staged) return Fail(staged.error());
  ScanReport r{path.string(), "staged", {}, {}, {}, {}};
  auto scratch = set_->NewScratch();
  if (!scratch) return Fail(scratch.error());
  SecretTable table(*set_, options);
  for (const git::PathBlob& pb : *staged) {
    git::BlobRead b = (*repo)->ReadBlob(pb.blob, options.max_blob_size);
    if (b.status == git::BlobStatus::kTooLarge) {
      ++r.stats.skipped_large;
      continue;
    }
    if (b.status != git::BlobStatus::kOk) {
      ++r.stats.unreadable;
      r.warnings.push_back(fmt::format("{} (object {}) unreadable: {}", pb.path, pb.blob.Hex(), b.error));
      continue;
    }
    if (IsBinary(b.data.view())) {
      ++r.stats.skipped_binary;
      continue;
    }
    ++r.stats.blobs;
    r.stats.bytes += static_cast<std::int64_t>(b.data.view().size());
    auto hits = HitsIn(*set_, b.data.view(), **scratch);
    if (!hits) return Fail(hits.error());
    for (const BlobHit& h : *hits) table.Add(h, {pb.path, "", "", 0, pb.blob.Hex(), h.line, h.column});
  }
  r.secrets = table.Take(nullptr);
  r.stats.seconds = SecondsSince(start);
  return r;
}

}  // namespace ctodesk::leaks
