// History walks. The calling thread reads the commits (depth first from the
// tip, as raw objects) and hands them in batches to workers, each with its
// own repository handle, which compare each commit's tree with its parent's.
// Trees are read as raw objects and compared entry by entry, an unchanged
// entry recognised by its bytes, descending only into subtrees whose ids
// differ (git_diff_tree_to_tree walks every entry of both trees, which on a
// large tree costs 10x more; parsing every tree into a git_tree cost a third
// of the walk). A tree that cannot be read gives a warning naming it.
// Only a commit that both adds and deletes files can hold a rename. When
// pairing blob ids (exact renames) leaves no add or no delete unpaired, that
// is the answer (ExactRenamesOnly, libgit2's rules and order). Otherwise
// SimilarRenames pairs them by libgit2's git_diff_find_similar rules, step
// for step, on the changes already found (blob sizes from object headers,
// libgit2's hashsig similarity from similarity.h). Where only libgit2 can
// answer as itself (a type change in the commit, a blob it cannot read) the
// comparison is redone with git_diff_tree_to_tree + git_diff_find_similar;
// rename detection that fails there (a blob missing from a partial clone)
// leaves that commit's changes unpaired, with a warning naming the commit
// and libgit2's message.
#include "git/history.h"

#include <fmt/format.h>
#include <git2.h>

#include "core/cores.h"
#include "git/libgit2_util.h"
#include "git/similarity.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace ctodesk::git {

using namespace internal;

namespace {

char StatusLetter(git_delta_t s) {
  switch (s) {
    case GIT_DELTA_ADDED:
      return 'A';
    case GIT_DELTA_DELETED:
      return 'D';
    case GIT_DELTA_MODIFIED:
      return 'M';
    case GIT_DELTA_RENAMED:
      return 'R';
    case GIT_DELTA_COPIED:
      return 'C';
    case GIT_DELTA_TYPECHANGE:
      return 'T';
    default:
      return 0;
  }
}

Result<TreePtr> CommitTree(git_repository* repo, const ObjectId& commit, const std::string& where) {
  git_oid oid = ToGit(commit);
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo, &oid) != 0) {
    return Fail(Error::Io(fmt::format("{}: commit {}: {}", where, commit.Hex(), LastError())));
  }
  CommitPtr cp(c);
  git_tree* t = nullptr;
  if (git_commit_tree(&t, c) != 0) {
    return Fail(
        Error::Io(fmt::format("{}: tree of commit {}: {}", where, commit.Hex(), LastError())));
  }
  return TreePtr(t);
}

// A tree object's raw bytes from the object database: entries of
// "<octal mode> <name>\0<20-byte id>" in git's order. Read this way, not as a
// git_tree, a tree is never parsed into an array of entries, and an entry
// both trees share is recognised by comparing its bytes.
using RawObject = OdbObjectPtr;

struct TreeEntry {
  std::string_view bytes;  // the whole entry
  std::string_view name;
  unsigned mode = 0;  // as stored (old trees hold modes such as 100664)
  const unsigned char* id = nullptr;

  bool IsTree() const { return (mode & 0170000) == 0040000; }
  bool IsSubmodule() const { return (mode & 0170000) == 0160000; }
  bool IsBlob() const { return !IsTree() && !IsSubmodule(); }
  // The mode git reports: a file is 100755 when any execute bit is set,
  // else 100644.
  git_filemode_t FileMode() const {
    if (IsTree()) return GIT_FILEMODE_TREE;
    if ((mode & 0111) != 0) return GIT_FILEMODE_BLOB_EXECUTABLE;
    if (IsSubmodule()) return GIT_FILEMODE_COMMIT;
    if ((mode & 0170000) == 0120000) return GIT_FILEMODE_LINK;
    return GIT_FILEMODE_BLOB;
  }
  git_oid Id() const {
    git_oid oid;
    std::memcpy(oid.id, id, sizeof oid.id);
    return oid;
  }
};

// The entries of a raw tree, in order; Next() is false at the end, and also
// (with malformed() set) at bytes that are not a tree entry.
class TreeEntries {
 public:
  explicit TreeEntries(git_odb_object* tree)
      : at_(tree != nullptr ? static_cast<const char*>(git_odb_object_data(tree)) : nullptr),
        end_(at_ != nullptr ? at_ + git_odb_object_size(tree) : nullptr) {}
  bool Next(TreeEntry& e) {
    if (at_ == end_) return false;
    const char* start = at_;
    unsigned mode = 0;
    const char* p = at_;
    for (; p < end_ && *p >= '0' && *p <= '7' && p - start < 7; ++p) mode = mode * 8 + unsigned(*p - '0');
    if (p == start || p >= end_ || *p != ' ') return Malformed();
    const char* name = p + 1;
    const void* nul = std::memchr(name, '\0', static_cast<std::size_t>(end_ - name));
    if (nul == nullptr || nul == name) return Malformed();
    const char* id = static_cast<const char*>(nul) + 1;
    if (end_ - id < GIT_OID_RAWSZ) return Malformed();
    at_ = id + GIT_OID_RAWSZ;
    e.bytes = std::string_view(start, static_cast<std::size_t>(at_ - start));
    e.name = std::string_view(name, static_cast<std::size_t>(static_cast<const char*>(nul) - name));
    e.mode = mode;
    e.id = reinterpret_cast<const unsigned char*>(id);
    return true;
  }
  bool malformed() const { return malformed_; }

 private:
  bool Malformed() {
    malformed_ = true;
    at_ = end_;
    return false;
  }
  const char* at_;
  const char* end_;
  bool malformed_ = false;
};

// The trees one commit's comparison read (both sides), kept for the next
// commit, which usually shares one side (a worker compares a commit and then
// its parent): each big tree is then read once, not twice.
// Looked up by id through a map: a commit that moves a large folder reads
// thousands of trees, and a linear search made that quadratic.
struct TreeMemo {
  std::vector<RawObject> current;
  std::unordered_map<git_oid, RawObject, OidHash, OidEqual> previous;
  RawObject Take(const git_oid& oid) {
    auto it = previous.find(oid);
    return it == previous.end() ? RawObject() : std::move(it->second);
  }
  void Keep(RawObject tree) {
    if (tree) current.push_back(std::move(tree));
  }
  void NextCommit() {
    previous.clear();
    for (RawObject& t : current) previous.try_emplace(*git_odb_object_id(t.get()), std::move(t));
    current.clear();
  }
};

// The tree `id`, from `memo` or the object database; null with a warning
// naming it and `path` when it cannot be read.
RawObject ReadTree(git_odb* odb, TreeMemo& memo, const git_oid& id, std::string_view path,
                   std::vector<std::string>& warnings) {
  if (RawObject kept = memo.Take(id)) return kept;
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, odb, &id) != 0) {
    warnings.push_back(fmt::format("tree {} ({}) unreadable: {}", FromGit(&id).Hex(), path, LastError()));
    return RawObject();
  }
  RawObject tree(raw);
  if (git_odb_object_type(raw) != GIT_OBJECT_TREE) {
    warnings.push_back(fmt::format("tree {} ({}) unreadable: not a tree", FromGit(&id).Hex(), path));
    return RawObject();
  }
  return tree;
}

// An added or deleted blob in a change list: where, its id and mode.
struct AddDel {
  std::size_t index;
  git_oid id;
  git_filemode_t mode;
};

// One commit's tree comparison: where trees are read from and kept, and
// what it found.
struct TreeDiff {
  git_odb* odb;
  TreeMemo& memo;
  std::vector<NameStatus>& out;
  std::vector<AddDel>& add_del;
  std::vector<std::string>& warnings;
  bool malformed = false;  // a tree held bytes that are not tree entries

  RawObject Read(const git_oid& id, std::string_view path) {
    return ReadTree(odb, memo, id, path, warnings);
  }
  void Add(const TreeEntry& e, std::string path, char status) {
    add_del.push_back({out.size(), e.Id(), e.FileMode()});
    out.push_back({status, "", std::move(path)});
  }
  void CheckWhole(const TreeEntries& entries, git_odb_object* tree, const std::string& prefix) {
    if (!entries.malformed()) return;
    malformed = true;
    warnings.push_back(fmt::format("tree {} ({}) unreadable: malformed entry",
                                   FromGit(git_odb_object_id(tree)).Hex(), prefix.empty() ? "/" : prefix));
  }
};

// Every blob under `tree`, listed with `status`. Submodules (commit
// entries) are skipped: they are not files of this repository.
void ListAll(TreeDiff& d, git_odb_object* tree, const std::string& prefix, char status) {
  TreeEntries entries(tree);
  for (TreeEntry e; entries.Next(e);) {
    std::string path = prefix;
    path += e.name;
    if (e.IsTree()) {
      if (RawObject sub = d.Read(e.Id(), path)) ListAll(d, sub.get(), path + "/", status);
    } else if (e.IsBlob()) {
      d.Add(e, std::move(path), status);
    }
  }
  d.CheckWhole(entries, tree, prefix);
}

// Blob changes between two trees (`before` may be null), by entry id only,
// descending only into subtrees whose ids differ. A blob that became a
// symlink or back is 'T'.
void DiffTrees(TreeDiff& d, git_odb_object* before, git_odb_object* now, const std::string& prefix) {
  auto one_side = [&](const TreeEntry& e, char status) {
    std::string path = prefix;
    path += e.name;
    if (e.IsBlob()) {
      d.Add(e, std::move(path), status);
    } else if (e.IsTree()) {
      if (RawObject sub = d.Read(e.Id(), path)) ListAll(d, sub.get(), path + "/", status);
    }
  };
  // Both entry lists are in git's tree order (a folder sorts as "name/"), so
  // one merge pass pairs them; a file and a folder of the same name do not
  // pair, which gives the D and A that git shows for that change.
  auto order = [](const TreeEntry& a, const TreeEntry& b) {
    std::size_t n = std::min(a.name.size(), b.name.size());
    if (int c = std::memcmp(a.name.data(), b.name.data(), n); c != 0) return c;
    // Where one name ends, a folder's continues with '/'.
    unsigned ca = a.name.size() > n ? static_cast<unsigned char>(a.name[n]) : (a.IsTree() ? '/' : 0);
    unsigned cb = b.name.size() > n ? static_cast<unsigned char>(b.name[n]) : (b.IsTree() ? '/' : 0);
    return ca < cb ? -1 : ca > cb ? 1 : 0;
  };
  TreeEntries old_entries(before), new_entries(now);
  TreeEntry p, e;
  bool has_p = old_entries.Next(p), has_e = new_entries.Next(e);
  while (has_p || has_e) {
    // The same bytes (name, mode and id): unchanged, as almost every pair is.
    if (has_p && has_e && p.bytes == e.bytes) {
      has_p = old_entries.Next(p);
      has_e = new_entries.Next(e);
      continue;
    }
    int c = !has_p ? 1 : !has_e ? -1 : order(p, e);
    if (c < 0) {
      one_side(p, 'D');
      has_p = old_entries.Next(p);
      continue;
    }
    if (c > 0) {
      one_side(e, 'A');
      has_e = new_entries.Next(e);
      continue;
    }
    git_filemode_t mode = e.FileMode(), pmode = p.FileMode();
    bool same_id = std::memcmp(e.id, p.id, GIT_OID_RAWSZ) == 0;
    if (!(same_id && mode == pmode)) {
      std::string path = prefix;
      path += e.name;
      if (e.IsTree()) {
        if (!same_id) {
          RawObject a = d.Read(p.Id(), path);
          RawObject b = d.Read(e.Id(), path);
          if (b) DiffTrees(d, a.get(), b.get(), path + "/");
          d.memo.Keep(std::move(a));
          d.memo.Keep(std::move(b));
        }
      } else if (e.IsBlob() && p.IsBlob()) {
        bool link = mode == GIT_FILEMODE_LINK, plink = pmode == GIT_FILEMODE_LINK;
        d.out.push_back({link != plink ? 'T' : 'M', "", std::move(path)});
      } else if (p.IsSubmodule() != e.IsSubmodule()) {  // a file became a submodule or back
        one_side(p, 'D');
        one_side(e, 'A');
      }
    }
    has_p = old_entries.Next(p);
    has_e = new_entries.Next(e);
  }
  if (before != nullptr) d.CheckWhole(old_entries, before, prefix);
  d.CheckWhole(new_entries, now, prefix);
}

// The changes between two trees with git's rename detection. Returns false
// (with a warning) when even the plain comparison fails.
bool RenameDiff(git_repository* repo, git_tree* before, git_tree* now, const ObjectId& commit,
                const git_diff_options& diff_opts, const git_diff_find_options& find_opts,
                std::vector<NameStatus>& out, std::vector<std::string>& warnings) {
  git_diff* d = nullptr;
  if (git_diff_tree_to_tree(&d, repo, before, now, &diff_opts) != 0) {
    warnings.push_back(
        fmt::format("commit {}: cannot compare trees: {}", commit.Hex(), LastError()));
    return false;
  }
  DiffPtr diff(d);
  if (git_diff_find_similar(d, &find_opts) != 0) {
    warnings.push_back(
        fmt::format("commit {}: rename detection skipped: {}", commit.Hex(), LastError()));
  }
  size_t n = git_diff_num_deltas(d);
  for (size_t i = 0; i < n; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(d, i);
    char letter = StatusLetter(delta->status);
    if (letter == 0 || delta->new_file.mode == GIT_FILEMODE_COMMIT ||
        (letter == 'D' && delta->old_file.mode == GIT_FILEMODE_COMMIT)) {
      continue;
    }
    NameStatus ns;
    ns.status = letter;
    if (letter == 'R' || letter == 'C') ns.old_path = delta->old_file.path;
    ns.path = letter == 'D' ? delta->old_file.path : delta->new_file.path;
    out.push_back(std::move(ns));
  }
  return true;
}

}  // namespace

History::History(git_repository* repo, std::filesystem::path path)
    : repo_(repo), path_(std::move(path)) {
  // A repository without .mailmap (or with an unreadable one) maps nothing.
  if (git_mailmap_from_repository(&mailmap_, repo_) != 0) mailmap_ = nullptr;
}

History::~History() {
  git_mailmap_free(mailmap_);
  git_repository_free(repo_);
}

Result<std::unique_ptr<History>> History::Open(const std::filesystem::path& path) {
  InitOnce();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return Fail(
        Error::Invalid(fmt::format("{}: not a git repository: {}", path.string(), LastError())));
  }
  return std::unique_ptr<History>(new History(repo, path));
}

bool History::Empty() const {
  return git_repository_head_unborn(repo_) == 1 || git_repository_is_empty(repo_) == 1;
}

bool History::Shallow() const { return git_repository_is_shallow(repo_) == 1; }

Result<ObjectId> History::Resolve(std::string_view rev) const {
  std::string spec = fmt::format("{}^{{commit}}", rev);
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo_, spec.c_str()) != 0) {
    return Fail(Error::Invalid(
        fmt::format("{}: unknown revision \"{}\": {}", path_.string(), rev, LastError())));
  }
  ObjectPtr p(obj);
  return FromGit(git_object_id(obj));
}

Result<std::int64_t> History::CommitTime(const ObjectId& commit) const {
  git_oid oid = ToGit(commit);
  git_commit* c = nullptr;
  if (git_commit_lookup(&c, repo_, &oid) != 0) {
    return Fail(Error::Io(fmt::format("{}: commit {}: {}", path_.string(), commit.Hex(), LastError())));
  }
  CommitPtr cp(c);
  return static_cast<std::int64_t>(git_commit_time(c));
}

bool History::IsAncestor(const ObjectId& ancestor, const ObjectId& descendant) const {
  if (ancestor == descendant) return true;
  git_oid a = ToGit(ancestor), d = ToGit(descendant);
  return git_graph_descendant_of(repo_, &d, &a) == 1;
}

namespace {

struct WalkSetup {
  git_diff_options diff_opts;
  git_diff_find_options find_opts;
  std::size_t rename_limit = 1000;
  bool libgit2_renames = false;
};

// Rewrites `changes` with each (add, delete) pair as one rename, in
// libgit2's order after rename detection: by path (a rename by its new
// path), then by git_delta_t.
void ApplyRenames(std::vector<NameStatus>& changes,
                  const std::vector<std::pair<std::size_t, std::size_t>>& renames) {
  std::vector<char> gone(changes.size(), 0);
  for (auto [a, d] : renames) {
    changes[a] = {'R', std::move(changes[d].path), std::move(changes[a].path)};
    gone[d] = 1;
  }
  std::vector<NameStatus> out;
  out.reserve(changes.size() - renames.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (!gone[i]) out.push_back(std::move(changes[i]));
  }
  auto letter_rank = [](char c) {  // git_delta_t order
    return c == 'A' ? 1 : c == 'D' ? 2 : c == 'M' ? 3 : c == 'R' ? 4 : c == 'C' ? 5 : 8;
  };
  std::stable_sort(out.begin(), out.end(), [&](const NameStatus& x, const NameStatus& y) {
    int c = x.path.compare(y.path);
    return c != 0 ? c < 0 : letter_rank(x.status) < letter_rank(y.status);
  });
  changes = std::move(out);
}

// The cheap case of rename detection, exactly as libgit2's
// git_diff_find_similar decides it: an added file whose blob id equals a
// deleted file's (same kind: file or symlink) is that file renamed (100%
// similar, nothing scores higher; each add in path order takes the first
// unused delete in path order). When that pairs every add or every delete,
// no similarity is left to measure, and the changes are rewritten here in
// libgit2's order (by path, a rename by its new path). Returns false, with
// `changes` untouched, when similarity would still be needed.
bool ExactRenamesOnly(std::vector<NameStatus>& changes, const std::vector<AddDel>& add_del,
                      std::size_t rename_limit) {
  std::vector<const AddDel*> adds, dels;
  for (const AddDel& x : add_del) (changes[x.index].status == 'A' ? adds : dels).push_back(&x);
  if (adds.size() > rename_limit || dels.size() > rename_limit) return false;
  auto by_path = [&](const AddDel* a, const AddDel* b) {
    return changes[a->index].path < changes[b->index].path;
  };
  std::sort(adds.begin(), adds.end(), by_path);
  std::sort(dels.begin(), dels.end(), by_path);
  auto kind = [](git_filemode_t m) { return static_cast<unsigned>(m) & 0170000u; };
  // The deletes of each (blob id, kind), in path order; each add takes the
  // next unused one (a map: commits that move thousands of files made the
  // add x delete scan quadratic).
  struct Key {
    git_oid id;
    unsigned kind;
    bool operator==(const Key& o) const {
      return kind == o.kind && git_oid_equal(&id, &o.id) != 0;
    }
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return OidHash{}(k.id) ^ k.kind; }
  };
  struct Queue {
    std::vector<std::size_t> dels;  // change indexes, path order
    std::size_t next = 0;
  };
  std::unordered_map<Key, Queue, KeyHash> by_id;
  by_id.reserve(dels.size());
  for (const AddDel* d : dels) by_id[Key{d->id, kind(d->mode)}].dels.push_back(d->index);
  std::vector<std::pair<std::size_t, std::size_t>> renames;  // add index, delete index
  std::size_t paired = 0;
  for (const AddDel* a : adds) {
    auto it = by_id.find(Key{a->id, kind(a->mode)});
    if (it == by_id.end() || it->second.next == it->second.dels.size()) continue;
    renames.emplace_back(a->index, it->second.dels[it->second.next++]);
    ++paired;
  }
  if (paired != adds.size() && paired != dels.size()) return false;
  ApplyRenames(changes, renames);
  return true;
}

// libgit2's git_diff_find_similar, step for step, for what a history walk
// asks of it (renames only, default threshold 50, trees on both sides):
// sources are deleted regular files, targets added ones, both in path
// order; each target measures the sources in order (at most rename_limit + 1
// of them), a pair's score being 100 for the same blob, none when both are
// over 127 bytes and one is over 8 times the other, else the hashsig
// similarity; a better score takes a pair over and bumps the old partners,
// and the whole loop runs again while anything was bumped; then every target
// whose best source scores at least 50 is that file renamed. Unlike
// libgit2, no full-tree comparison is redone (the walk already has the
// changes), blob sizes come from object headers, and scores are kept
// between the loop's rounds. Returns false, `changes` untouched, where only
// libgit2 can answer exactly as itself: a type change in the commit, a blob
// that cannot be read (libgit2 then warns), a rename limit of 0 (libgit2
// reads diff.renameLimit).
bool SimilarRenames(git_odb* odb, std::vector<NameStatus>& changes,
                    const std::vector<AddDel>& add_del, std::size_t rename_limit) {
  if (rename_limit == 0) return false;
  for (const NameStatus& c : changes) {
    if (c.status == 'T') return false;
  }
  auto regular = [](git_filemode_t m) { return (static_cast<unsigned>(m) & 0170000u) == 0100000u; };
  struct Side {
    const AddDel* change;
    std::uint64_t size = 0;
    bool sized = false;
    LineSignaturePtr sig;
  };
  std::vector<Side> srcs, tgts;
  for (const AddDel& x : add_del) {
    if (!regular(x.mode)) continue;
    (changes[x.index].status == 'A' ? tgts : srcs).push_back({&x});
  }
  if (srcs.empty() || tgts.empty()) return false;  // nothing to pair: libgit2's order then
  auto by_path = [&](const Side& a, const Side& b) {
    return changes[a.change->index].path < changes[b.change->index].path;
  };
  std::sort(srcs.begin(), srcs.end(), by_path);
  std::sort(tgts.begin(), tgts.end(), by_path);

  auto sized = [&](Side& x) {
    if (x.sized) return true;
    size_t len = 0;
    git_object_t type;
    if (git_odb_read_header(&len, &type, odb, &x.change->id) != 0) return false;
    x.size = len;
    x.sized = true;
    return true;
  };
  auto signed_ = [&](Side& x) {
    if (x.sig) return true;
    git_odb_object* raw = nullptr;
    if (git_odb_read(&raw, odb, &x.change->id) != 0) return false;
    OdbObjectPtr blob(raw);
    if (git_odb_object_type(raw) != GIT_OBJECT_BLOB) return false;
    x.size = git_odb_object_size(raw);
    x.sig = MakeLineSignature(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw));
    return x.sig != nullptr;
  };
  // Scores kept between rounds (-2: not measured yet), per target: every
  // round measures the same sources for a target, so its row stays short
  // (at most the rename limit of scores, plus the pairs that had none).
  const std::size_t ns = srcs.size(), nt = tgts.size();
  std::vector<std::vector<std::int8_t>> memo(nt);
  std::vector<std::uint64_t> src_key(ns);  // the first bytes of each blob id
  for (std::size_t i = 0; i < ns; ++i) std::memcpy(&src_key[i], srcs[i].change->id.id, 8);
  bool failed = false;
  auto measure = [&](std::size_t s, std::size_t t, std::uint64_t t_key) -> int {
    Side& a = srcs[s];
    Side& b = tgts[t];
    if (src_key[s] == t_key &&
        std::memcmp(a.change->id.id, b.change->id.id, sizeof a.change->id.id) == 0)
      return 100;
    std::vector<std::int8_t>& row = memo[t];
    if (s < row.size() && row[s] != -2) return row[s];
    int score = -1;
    if (!sized(a) || !sized(b)) {
      failed = true;
      return -1;
    }
    if (!(a.size > 127 && b.size > 127 && (a.size > (b.size << 3) || b.size > (a.size << 3)))) {
      if (!signed_(a) || !signed_(b)) {
        failed = true;
        return -1;
      }
      score = CompareLineSignatures(*a.sig, *b.sig);
    }
    if (s >= row.size()) row.resize(s + 1, -2);
    row[s] = static_cast<std::int8_t>(score);
    return score;
  };

  struct Match {
    std::size_t idx = 0;
    std::uint16_t similarity = 0;
  };
  std::vector<Match> tgt2src(nt), src2tgt(ns);
  std::size_t bumped;
  do {
    bumped = 0;
    for (std::size_t t = 0; t < nt; ++t) {
      std::size_t tried = 0;
      std::uint64_t t_key;
      std::memcpy(&t_key, tgts[t].change->id.id, 8);
      for (std::size_t s = 0; s < ns; ++s) {
        int result = measure(s, t, t_key);
        if (failed) return false;
        if (result < 0) continue;
        auto similarity = static_cast<std::uint16_t>(result);
        if (tgt2src[t].similarity < similarity && src2tgt[s].similarity < similarity) {
          if (src2tgt[s].similarity > 0) {
            tgt2src[src2tgt[s].idx].similarity = 0;
            ++bumped;
          }
          if (tgt2src[t].similarity > 0) {
            src2tgt[tgt2src[t].idx].similarity = 0;
            ++bumped;
          }
          tgt2src[t] = {s, similarity};
          src2tgt[s] = {t, similarity};
        }
        if (++tried >= ns) break;
        if (tried > rename_limit) break;
      }
    }
  } while (bumped > 0);

  constexpr std::uint16_t kThreshold = 50;  // libgit2's (and git's) default
  std::vector<std::pair<std::size_t, std::size_t>> renames;  // add index, delete index
  for (std::size_t t = 0; t < nt; ++t) {
    if (tgt2src[t].similarity == 0 || tgt2src[t].similarity < kThreshold) continue;
    renames.emplace_back(tgts[t].change->index, srcs[tgt2src[t].idx].change->index);
  }
  ApplyRenames(changes, renames);
  return true;
}

// One commit of a walk: read by the discovery (its author, parents and tree),
// then its tree compared with its parent's by a worker.
struct WalkEntry {
  HistoryCommit commit;
  git_oid tree{};
  git_oid parent_tree{};
  // kNone: a root commit, or a merge (no changes of its own); kMissing: its
  // parent could not be read, so its files count as added.
  enum class Base : char { kNone, kParent, kMissing } base = Base::kNone;
  std::vector<std::string> warnings;
};

// Reads one commit's author, times, parents and tree id into `e` from its
// raw object (a commit looked up through libgit2 stays in its object cache,
// and a walk reads each commit once: freeing 80,000 of them took 0.1 s);
// false, with a warning, when the commit cannot be read or parsed.
bool ReadCommitHead(git_odb* odb, const git_oid& oid, WalkEntry& e,
                    std::vector<std::string>& warnings) {
  e.commit.id = FromGit(&oid);
  auto unreadable = [&](const std::string& why) {
    warnings.push_back(fmt::format("commit {} unreadable: {}", e.commit.id.Hex(), why));
    return false;
  };
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, odb, &oid) != 0) return unreadable(LastError());
  OdbObjectPtr object(raw);
  if (git_odb_object_type(raw) != GIT_OBJECT_COMMIT) return unreadable("not a commit");
  std::string_view text(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw));
  // A signature's "Name <email> time zone"; null when it does not parse.
  auto signature = [](std::string_view value) {
    git_signature* sig = nullptr;
    return SignaturePtr(git_signature_from_buffer(&sig, std::string(value).c_str()) == 0 ? sig : nullptr);
  };
  auto id_of = [](std::string_view hex, git_oid& out) {
    return hex.size() == GIT_OID_HEXSZ && git_oid_fromstrn(&out, hex.data(), hex.size()) == 0;
  };
  // The header, up to the first empty line: tree, parents, author, committer.
  bool have_tree = false, have_author = false, have_committer = false;
  while (!text.empty()) {
    std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.empty()) break;
    std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::string_view field = line.substr(0, space), value = line.substr(space + 1);
    if (field == "tree" && !have_tree) {
      if (!id_of(value, e.tree)) return unreadable("bad tree line");
      have_tree = true;
    } else if (field == "parent") {
      git_oid parent;
      if (!id_of(value, parent)) return unreadable("bad parent line");
      e.commit.parents.push_back(FromGit(&parent));
    } else if (field == "author" && !have_author) {
      SignaturePtr sig = signature(value);
      if (!sig) return unreadable("bad author: " + LastError());
      e.commit.author_name = sig->name != nullptr ? sig->name : "";
      e.commit.author_email = sig->email != nullptr ? sig->email : "";
      e.commit.author_time = sig->when.time;
      have_author = true;
    } else if (field == "committer" && !have_committer) {
      SignaturePtr sig = signature(value);
      if (!sig) return unreadable("bad committer: " + LastError());
      e.commit.commit_time = sig->when.time;
      have_committer = true;
    }
  }
  if (!have_tree || !have_author || !have_committer) return unreadable("incomplete header");
  return true;
}

// The name-status changes of a non-merge commit, read through `repo` and
// its object database `odb` (one handle per thread): its tree against its
// parent's.
void CompareTrees(git_repository* repo, git_odb* odb, const WalkSetup& setup,
                  SimilarityMetric& metric, TreeMemo& memo, WalkEntry& e) {
  if (e.commit.parents.size() > 1) return;  // a merge: listed, no changes of its own
  memo.NextCommit();
  HistoryCommit& out = e.commit;
  std::vector<std::string> unread;
  RawObject tree = ReadTree(odb, memo, e.tree, "/", unread);
  if (!tree) {
    e.warnings.push_back(fmt::format("commit {}: {}", out.id.Hex(), unread.back()));
    return;
  }
  RawObject parent_tree;
  if (e.base == WalkEntry::Base::kParent) parent_tree = ReadTree(odb, memo, e.parent_tree, "/", unread);
  if (e.base == WalkEntry::Base::kMissing || (e.base == WalkEntry::Base::kParent && !parent_tree)) {
    // In a shallow clone the parent of the oldest commit is absent; git then
    // shows that commit as adding everything, and so do we.
    e.warnings.push_back(fmt::format("commit {}: parent {} unreadable; its files count as added",
                                     out.id.Hex(), out.parents[0].Hex()));
  }
  std::vector<AddDel> add_del;
  TreeDiff diff{odb, memo, out.changes, add_del, e.warnings};
  DiffTrees(diff, parent_tree.get(), tree.get(), "");
  if (diff.malformed) {
    // As when libgit2 cannot parse a tree: the commit shows no changes.
    out.changes.clear();
    memo.Keep(std::move(tree));
    memo.Keep(std::move(parent_tree));
    return;
  }
  bool adds = false, deletes = false;
  for (const NameStatus& ns : out.changes) {
    adds = adds || ns.status == 'A';
    deletes = deletes || ns.status == 'D';
  }
  if (adds && deletes && ExactRenamesOnly(out.changes, add_del, setup.rename_limit)) {
    // Every add or every delete paired by blob id: what libgit2 would find.
  } else if (adds && deletes && !setup.libgit2_renames &&
             SimilarRenames(odb, out.changes, add_del, setup.rename_limit)) {
    // Paired as libgit2 would, without its full-tree comparison.
  } else if (adds && deletes) {
    // libgit2 compares the trees itself, as git_tree objects.
    git_tree* now = nullptr;
    git_tree* before = nullptr;
    TreePtr now_ptr(git_tree_lookup(&now, repo, &e.tree) == 0 ? now : nullptr);
    TreePtr before_ptr(parent_tree && git_tree_lookup(&before, repo, &e.parent_tree) == 0 ? before
                                                                                            : nullptr);
    std::vector<NameStatus> paired;
    metric.NewDiff();
    if (now_ptr && RenameDiff(repo, before_ptr.get(), now_ptr.get(), out.id, setup.diff_opts,
                              setup.find_opts, paired, e.warnings)) {
      out.changes = std::move(paired);
    }
  }
  // Either side may be the next commit's other side (the discovery goes
  // from children to parents; a merge's side branch joins in between).
  memo.Keep(std::move(tree));
  memo.Keep(std::move(parent_tree));
}

// The order commits are handed out in: parents before children, otherwise
// the oldest commit (by commit date; ties by id) first. That is the order
// `git log --reverse` lists them in when no clock ran backwards, and so the
// order the published truck-factor tool reads history in; where renames on
// two branches meet, the model's answer depends on it. Depends only on the
// commits and their parents, never on the threads that read them.
std::vector<std::size_t> OldestFirst(const std::vector<WalkEntry*>& entries) {
  std::unordered_map<ObjectId, std::size_t, ObjectIdHash> index;
  index.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i]->commit.id, i);
  std::vector<std::size_t> waiting(entries.size(), 0);  // parents not listed yet
  std::vector<std::vector<std::size_t>> children(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    for (const ObjectId& p : entries[i]->commit.parents) {
      auto it = index.find(p);
      if (it == index.end()) continue;  // hidden or unreadable: not listed
      ++waiting[i];
      children[it->second].push_back(i);
    }
  }
  auto later = [&](std::size_t a, std::size_t b) {  // a after b: a min-heap
    const HistoryCommit& x = entries[a]->commit;
    const HistoryCommit& y = entries[b]->commit;
    if (x.commit_time != y.commit_time) return x.commit_time > y.commit_time;
    return x.id > y.id;
  };
  std::vector<std::size_t> ready;
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (waiting[i] == 0) ready.push_back(i);
  std::make_heap(ready.begin(), ready.end(), later);
  std::vector<std::size_t> order;
  order.reserve(entries.size());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), later);
    std::size_t next = ready.back();
    ready.pop_back();
    order.push_back(next);
    for (std::size_t c : children[next]) {
      if (--waiting[c] == 0) {
        ready.push_back(c);
        std::push_heap(ready.begin(), ready.end(), later);
      }
    }
  }
  return order;
}

// Walks of fewer commits stay on the calling thread (an incremental run
// reads a handful; a second repository handle would cost more).
constexpr std::size_t kParallelMinCommits = 1000;
// Workers take this many consecutive commits at a time: neighbours share
// most trees, so each worker's tree memo and object cache keep serving them.
constexpr std::size_t kBatch = 64;

// Commits discovered and not yet compared, handed from the discovery (the
// calling thread) to the workers in batches; compared batches come back.
class WalkQueue {
 public:
  void Push(std::vector<WalkEntry> batch) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      todo_.push_back(std::move(batch));
    }
    ready_.notify_one();
  }
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }
  // The next batch to compare; false once the queue is closed and empty.
  bool Pop(std::vector<WalkEntry>& batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [&] { return !todo_.empty() || closed_; });
    if (todo_.empty()) return false;
    batch = std::move(todo_.front());
    todo_.pop_front();
    return true;
  }
  void Done(std::vector<WalkEntry> batch) {
    std::lock_guard<std::mutex> lock(mutex_);
    done_.push_back(std::move(batch));
  }
  // Every compared batch; call once the workers are joined.
  std::vector<std::vector<WalkEntry>>& done() { return done_; }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::vector<WalkEntry>> todo_;
  std::vector<std::vector<WalkEntry>> done_;
  bool closed_ = false;
};

}  // namespace

Result<HistoryWalkStats> History::Walk(
    const ObjectId& tip, const HistoryWalkOptions& options,
    const std::function<void(HistoryCommit&&)>& on_commit) const {
  HistoryWalkStats stats;
  git_oid tip_oid = ToGit(tip);
  {
    git_commit* c = nullptr;
    if (git_commit_lookup(&c, repo_, &tip_oid) != 0) {
      return Fail(Error::Io(
          fmt::format("{}: cannot walk from {}: {}", path_.string(), tip.Hex(), LastError())));
    }
    git_commit_free(c);
  }
  // With commits to hide, libgit2's walk says which commits are left (it
  // knows how far back to go to prove a commit hidden); without, every
  // ancestor of the tip is walked and the discovery below finds them itself.
  std::optional<std::unordered_set<ObjectId, ObjectIdHash>> wanted;
  if (!options.hide.empty()) {
    git_revwalk* w = nullptr;
    if (git_revwalk_new(&w, repo_) != 0) {
      return Fail(Error::Io(fmt::format("{}: cannot walk history: {}", path_.string(), LastError())));
    }
    WalkPtr walk(w);
    if (git_revwalk_push(w, &tip_oid) != 0) {
      return Fail(Error::Io(
          fmt::format("{}: cannot walk from {}: {}", path_.string(), tip.Hex(), LastError())));
    }
    for (const ObjectId& h : options.hide) {
      git_oid oid = ToGit(h);
      git_revwalk_hide(w, &oid);  // a commit that no longer exists hides nothing
    }
    wanted.emplace();
    for (git_oid oid;;) {
      int rc = git_revwalk_next(&oid, w);
      if (rc == GIT_ITEROVER) break;
      if (rc != 0) {
        stats.warnings.push_back(fmt::format("history walk stopped early: {}", LastError()));
        break;
      }
      wanted->insert(FromGit(&oid));
    }
  }

  WalkSetup setup;
  git_diff_options_init(&setup.diff_opts, GIT_DIFF_OPTIONS_VERSION);
  setup.diff_opts.flags = GIT_DIFF_SKIP_BINARY_CHECK | GIT_DIFF_INCLUDE_TYPECHANGE;
  git_diff_find_options_init(&setup.find_opts, GIT_DIFF_FIND_OPTIONS_VERSION);
  setup.find_opts.flags = GIT_DIFF_FIND_RENAMES;
  setup.find_opts.rename_limit = static_cast<size_t>(std::max(0, options.rename_limit));
  setup.rename_limit = setup.find_opts.rename_limit;
  setup.libgit2_renames = options.libgit2_renames;

  git_odb* odb_raw = nullptr;
  if (git_repository_odb(&odb_raw, repo_) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot read objects: {}", path_.string(), LastError())));
  }
  OdbPtr odb(odb_raw);

  // Workers compare trees while this thread discovers commits; each extra
  // worker reads through its own repository handle (libgit2 objects belong
  // to one handle; handles may live on different threads). They start at
  // once when options.threads asks for some, else once the walk proves long.
  const bool forced = options.threads > 0;
  const std::size_t threads = forced ? static_cast<std::size_t>(options.threads)
                                     : std::clamp<std::size_t>(UsableCores(), 1, 4);
  const std::size_t batch_size = forced ? 4 : kBatch;
  WalkQueue queue;
  auto work = [&](git_repository* repo) {
    TreeMemo memo;
    // libgit2's similarity scores, computed faster (similarity.h); one per
    // worker, as it remembers scores.
    SimilarityMetric metric;
    WalkSetup mine = setup;
    mine.find_opts.metric = metric.metric();
    git_odb* raw = nullptr;
    if (git_repository_odb(&raw, repo) != 0) raw = nullptr;
    OdbPtr objects(raw);  // this worker's handle's
    for (std::vector<WalkEntry> batch; queue.Pop(batch);) {
      for (WalkEntry& e : batch) {
        if (objects)
          CompareTrees(repo, objects.get(), mine, metric, memo, e);
        else
          e.warnings.push_back(
              fmt::format("commit {}: objects unreadable: {}", e.commit.id.Hex(), LastError()));
      }
      queue.Done(std::move(batch));
    }
  };
  std::vector<git_repository*> handles;
  std::vector<std::thread> pool;
  auto start_workers = [&] {
    for (std::size_t t = 1; t < threads; ++t) {
      git_repository* r = nullptr;
      if (git_repository_open_ext(&r, path_.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0)
        break;  // fewer threads, same result
      handles.push_back(r);
      pool.emplace_back(work, r);
    }
  };
  if (forced) start_workers();

  // Discovery: depth first from the tip, first parents first, so a commit's
  // parent is usually read right after it and gives its tree to compare
  // against. A commit waits in `building` until then.
  // Every commit met so far: its tree, or nothing when it could not be read.
  std::unordered_map<ObjectId, std::optional<git_oid>, ObjectIdHash> met;
  std::vector<ObjectId> stack{tip};
  std::vector<WalkEntry> building;
  std::size_t resolved = 0;  // entries of `building` whose parent tree is known
  std::size_t discovered = 0;
  auto parent_tree = [&](WalkEntry& e) -> bool {  // false: not read yet
    if (e.commit.parents.size() != 1) return true;
    const ObjectId& p = e.commit.parents[0];
    auto it = met.find(p);
    if (it == met.end()) {
      if (!wanted || wanted->count(p)) return false;  // to be read next
      // Hidden (walked before): read here for its tree.
      WalkEntry hidden;
      std::vector<std::string> ignored;  // a missing parent is warned about below
      std::optional<git_oid> tree;
      if (ReadCommitHead(odb.get(), ToGit(p), hidden, ignored)) tree = hidden.tree;
      it = met.emplace(p, tree).first;
    }
    e.base = it->second ? WalkEntry::Base::kParent : WalkEntry::Base::kMissing;
    if (it->second) e.parent_tree = *it->second;
    return true;
  };
  auto flush = [&](bool all) {
    while (resolved < building.size() && parent_tree(building[resolved])) ++resolved;
    if (resolved >= batch_size || (all && resolved > 0)) {
      std::vector<WalkEntry> rest(std::make_move_iterator(building.begin() + resolved),
                                  std::make_move_iterator(building.end()));
      building.resize(resolved);
      queue.Push(std::move(building));
      building = std::move(rest);
      resolved = 0;
    }
  };
  while (!stack.empty()) {
    ObjectId id = stack.back();
    stack.pop_back();
    auto [at, first] = met.try_emplace(id);
    if (!first) continue;
    WalkEntry e;
    if (ReadCommitHead(odb.get(), ToGit(id), e, stats.warnings)) {
      at->second = e.tree;
      for (auto p = e.commit.parents.rbegin(); p != e.commit.parents.rend(); ++p) {
        if (!met.count(*p) && (!wanted || wanted->count(*p))) stack.push_back(*p);
      }
      building.push_back(std::move(e));
      if (++discovered == kParallelMinCommits && !forced) start_workers();
    }
    flush(false);
  }
  while (!building.empty()) flush(true);
  queue.Close();
  work(repo_);
  for (std::thread& t : pool) t.join();
  for (git_repository* r : handles) git_repository_free(r);

  // Handed over parents first, oldest first (OldestFirst).
  std::vector<WalkEntry*> entries;
  for (std::vector<WalkEntry>& b : queue.done())
    for (WalkEntry& e : b) entries.push_back(&e);
  for (std::size_t i : OldestFirst(entries)) {
    WalkEntry& e = *entries[i];
    for (std::string& m : e.warnings) stats.warnings.push_back(std::move(m));
    ++stats.commits;
    on_commit(std::move(e.commit));
  }
  return stats;
}

Result<std::vector<std::string>> History::Files(const ObjectId& commit) const {
  auto tree = CommitTree(repo_, commit, path_.string());
  if (!tree) return Fail(tree.error());
  std::vector<std::string> files;
  struct Payload {
    std::vector<std::string>* files;
  } payload{&files};
  int rc = git_tree_walk(
      tree->get(), GIT_TREEWALK_PRE,
      [](const char* root, const git_tree_entry* e, void* p) -> int {
        if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
          static_cast<Payload*>(p)->files->push_back(std::string(root) + git_tree_entry_name(e));
        }
        return 0;
      },
      &payload);
  if (rc != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot list the files of {}: {}", path_.string(),
                                      commit.Hex(), LastError())));
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::optional<std::string>> History::ReadFile(const ObjectId& commit,
                                                     const std::string& path) const {
  auto tree = CommitTree(repo_, commit, path_.string());
  if (!tree) return Fail(tree.error());
  git_tree_entry* e = nullptr;
  if (git_tree_entry_bypath(&e, tree->get(), path.c_str()) != 0)
    return std::optional<std::string>();
  TreeEntryPtr entry(e);
  if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) return std::optional<std::string>();
  git_blob* b = nullptr;
  if (git_blob_lookup(&b, repo_, git_tree_entry_id(e)) != 0) {
    return Fail(
        Error::Io(fmt::format("{}: {} at {}: blob {} unreadable: {}", path_.string(), path,
                              commit.Hex(), FromGit(git_tree_entry_id(e)).Hex(), LastError())));
  }
  BlobPtr blob(b);
  return std::optional<std::string>(std::string(static_cast<const char*>(git_blob_rawcontent(b)),
                                                static_cast<size_t>(git_blob_rawsize(b))));
}

Identity History::MapIdentity(const Identity& raw) const {
  if (mailmap_ == nullptr) return raw;
  const char* name = nullptr;
  const char* email = nullptr;
  if (git_mailmap_resolve(&name, &email, mailmap_, raw.name.c_str(), raw.email.c_str()) != 0) {
    return raw;
  }
  return {name != nullptr ? name : raw.name, email != nullptr ? email : raw.email};
}

// ------------------------------------------------------------------ RepoWriter

Result<std::unique_ptr<RepoWriter>> RepoWriter::Create(const std::filesystem::path& dir) {
  InitOnce();
  std::unique_ptr<RepoWriter> w(new RepoWriter());
  w->dir_ = dir;
  git_repository_init_options opts;
  git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
  opts.flags = GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
  opts.initial_head = "main";
  if (git_repository_init_ext(&w->repo_, dir.c_str(), &opts) != 0) {
    return Fail(
        Error::Io(fmt::format("{}: cannot create a repository: {}", dir.string(), LastError())));
  }
  return w;
}

RepoWriter::~RepoWriter() { git_repository_free(repo_); }

Result<ObjectId> RepoWriter::Commit(const Identity& who, std::int64_t time,
                                    const std::vector<Edit>& edits, const std::string& message) {
  for (const Edit& e : edits) {
    auto it = std::lower_bound(files_.begin(), files_.end(), e.path,
                               [](const auto& f, const std::string& p) { return f.first < p; });
    bool found = it != files_.end() && it->first == e.path;
    if (!e.content) {
      if (found) files_.erase(it);
    } else if (found) {
      it->second = *e.content;
    } else {
      files_.insert(it, {e.path, *e.content});
    }
  }
  git_index* idx = nullptr;
  if (git_index_new(&idx) != 0) {
    return Fail(
        Error::Internal(fmt::format("{}: cannot make an index: {}", dir_.string(), LastError())));
  }
  IndexPtr index(idx);
  for (const auto& [path, content] : files_) {
    git_index_entry entry{};
    entry.mode = GIT_FILEMODE_BLOB;
    entry.path = path.c_str();
    if (git_blob_create_from_buffer(&entry.id, repo_, content.data(), content.size()) != 0 ||
        git_index_add(idx, &entry) != 0) {
      return Fail(
          Error::Io(fmt::format("{}: cannot add {}: {}", dir_.string(), path, LastError())));
    }
  }
  git_oid tree_oid;
  if (git_index_write_tree_to(&tree_oid, idx, repo_) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot write a tree: {}", dir_.string(), LastError())));
  }
  git_tree* t = nullptr;
  if (git_tree_lookup(&t, repo_, &tree_oid) != 0) {
    return Fail(
        Error::Io(fmt::format("{}: cannot read the tree back: {}", dir_.string(), LastError())));
  }
  TreePtr tree(t);
  git_signature* s = nullptr;
  if (git_signature_new(&s, who.name.c_str(), who.email.c_str(), time, 0) != 0) {
    return Fail(Error::Invalid(fmt::format("{}: bad author {} <{}>: {}", dir_.string(), who.name,
                                           who.email, LastError())));
  }
  SignaturePtr sig(s);
  CommitPtr parent;
  if (head_) {
    git_oid p = ToGit(*head_);
    git_commit* pc = nullptr;
    if (git_commit_lookup(&pc, repo_, &p) != 0) {
      return Fail(Error::Io(fmt::format("{}: parent unreadable: {}", dir_.string(), LastError())));
    }
    parent.reset(pc);
  }
  const git_commit* parents[1] = {parent.get()};
  git_oid out;
  if (git_commit_create(&out, repo_, "HEAD", s, s, nullptr, message.c_str(), t, parent ? 1 : 0,
                        parents) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot commit: {}", dir_.string(), LastError())));
  }
  head_ = FromGit(&out);
  return *head_;
}

Result<void> RepoWriter::Checkout() {
  git_checkout_options opts;
  git_checkout_options_init(&opts, GIT_CHECKOUT_OPTIONS_VERSION);
  opts.checkout_strategy = GIT_CHECKOUT_FORCE;
  if (git_checkout_head(repo_, &opts) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot check out: {}", dir_.string(), LastError())));
  }
  return {};
}

}  // namespace ctodesk::git
