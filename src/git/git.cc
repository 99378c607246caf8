// libgit2 behind RAII handles. The history walk diffs trees itself rather
// than with git_diff: git_diff may load blobs (binary detection, rename
// scoring), while all we need is "which entries have a new id", which tree ids
// answer without touching any blob.
#include "git/git.h"
#include "core/hex.h"

#include <git2.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "git/libgit2_util.h"

namespace ctodesk::git {

using namespace internal;

namespace {


struct Change {
  std::string path;
  ObjectId blob;
  bool operator==(const Change&) const = default;
};

// Blob entries of `now` that `before` (may be null) does not have at the same
// path with the same id. Recurses only into subtrees whose ids differ.
void DiffTrees(git_repository* repo, const git_tree* before, const git_tree* now,
               const std::string& prefix, const std::function<bool(const ObjectId&)>& want,
               std::vector<Change>& out, std::vector<std::string>& warnings) {
  std::unordered_map<std::string_view, const git_tree_entry*> old;
  if (before != nullptr) {
    size_t n = git_tree_entrycount(before);
    old.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const git_tree_entry* e = git_tree_entry_byindex(before, i);
      old.emplace(git_tree_entry_name(e), e);
    }
  }
  size_t n = git_tree_entrycount(now);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(now, i);
    const char* name = git_tree_entry_name(e);
    git_object_t type = git_tree_entry_type(e);
    const git_oid* oid = git_tree_entry_id(e);
    auto it = old.find(name);
    const git_tree_entry* prev = it == old.end() ? nullptr : it->second;
    bool same_type = prev != nullptr && git_tree_entry_type(prev) == type;
    if (same_type && git_oid_equal(git_tree_entry_id(prev), oid)) continue;
    if (type == GIT_OBJECT_BLOB) {
      ObjectId id = FromGit(oid);
      if (want(id)) out.push_back({prefix + name, id});
    } else if (type == GIT_OBJECT_TREE) {
      git_tree* sub = nullptr;
      if (git_tree_lookup(&sub, repo, oid) != 0) {
        warnings.push_back(fmt::format("tree {} ({}{}) unreadable: {}", FromGit(oid).Hex(), prefix,
                                       name, LastError()));
        continue;
      }
      TreePtr sub_ptr(sub);
      TreePtr old_sub;
      if (same_type) {
        git_tree* o = nullptr;
        if (git_tree_lookup(&o, repo, git_tree_entry_id(prev)) == 0) old_sub.reset(o);
      }
      DiffTrees(repo, old_sub.get(), sub, prefix + name + "/", want, out, warnings);
    }
    // GIT_OBJECT_COMMIT: a submodule; its content lives elsewhere.
  }
}

void ListTree(git_repository* repo, const git_tree* tree, const std::string& prefix,
              std::vector<PathBlob>& out) {
  size_t n = git_tree_entrycount(tree);
  for (size_t i = 0; i < n; ++i) {
    const git_tree_entry* e = git_tree_entry_byindex(tree, i);
    std::string path = prefix + git_tree_entry_name(e);
    if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) {
      out.push_back({path, FromGit(git_tree_entry_id(e))});
    } else if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
      git_tree* sub = nullptr;
      if (git_tree_lookup(&sub, repo, git_tree_entry_id(e)) != 0) continue;
      TreePtr sub_ptr(sub);
      ListTree(repo, sub, path + "/", out);
    }
  }
}

Result<TreePtr> HeadTree(git_repository* repo) {
  git_object* obj = nullptr;
  int rc = git_revparse_single(&obj, repo, "HEAD^{tree}");
  if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH || git_repository_head_unborn(repo) == 1) {
    if (obj != nullptr) git_object_free(obj);
    return TreePtr();
  }
  if (rc != 0) return Fail(Error::Io(fmt::format("HEAD: {}", LastError())));
  return TreePtr(reinterpret_cast<git_tree*>(obj));
}

}  // namespace

std::string ObjectId::Hex() const { return ctodesk::Hex(bytes.data(), bytes.size()); }

std::optional<ObjectId> ObjectId::FromHex(std::string_view hex) {
  if (hex.size() != 40) return std::nullopt;
  git_oid oid;
  std::string h(hex);
  if (git_oid_fromstr(&oid, h.c_str()) != 0) return std::nullopt;
  return FromGit(&oid);
}

std::size_t ObjectIdHash::operator()(const ObjectId& id) const {
  std::size_t h;
  std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are uniformly random already
  return h;
}

BlobData::BlobData(git_odb_object* obj) : obj_(obj) {}
BlobData::~BlobData() {
  if (obj_ != nullptr) git_odb_object_free(obj_);
}
BlobData::BlobData(BlobData&& other) noexcept : obj_(std::exchange(other.obj_, nullptr)) {}
BlobData& BlobData::operator=(BlobData&& other) noexcept {
  if (this != &other) {
    if (obj_ != nullptr) git_odb_object_free(obj_);
    obj_ = std::exchange(other.obj_, nullptr);
  }
  return *this;
}
std::string_view BlobData::view() const {
  if (obj_ == nullptr) return {};
  return {static_cast<const char*>(git_odb_object_data(obj_)), git_odb_object_size(obj_)};
}

namespace {
std::mutex whole_pack_mu;
int whole_pack_holders = 0;
}  // namespace

WholePackReads::WholePackReads() {
  internal::InitOnce();
  std::lock_guard lock(whole_pack_mu);
  if (whole_pack_holders++ == 0) internal::SetPackWindows(true);
}

WholePackReads::~WholePackReads() {
  std::lock_guard lock(whole_pack_mu);
  if (--whole_pack_holders == 0) internal::SetPackWindows(false);
}

Result<std::unique_ptr<Repository>> Repository::Open(const std::filesystem::path& path) {
  InitOnce();
  git_repository* repo = nullptr;
  if (git_repository_open_ext(&repo, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return Fail(Error::Invalid(fmt::format("{}: not a git repository: {}", path.string(), LastError())));
  }
  return std::unique_ptr<Repository>(new Repository(repo, path));
}

bool Repository::IsRepository(const std::filesystem::path& path) {
  InitOnce();
  return git_repository_open_ext(nullptr, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) == 0;
}

Repository::~Repository() { git_repository_free(repo_); }

Result<std::vector<ObjectId>> Repository::AllObjectIds() {
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo_) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot open the object database: {}", path_.string(), LastError())));
  }
  OdbPtr odb_ptr(odb);
  std::vector<ObjectId> ids;
  int rc = git_odb_foreach(
      odb,
      [](const git_oid* oid, void* payload) {
        static_cast<std::vector<ObjectId>*>(payload)->push_back(FromGit(oid));
        return 0;
      },
      &ids);
  if (rc != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot list objects: {}", path_.string(), LastError())));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

BlobRead Repository::ReadBlob(const ObjectId& id, std::uint64_t max_size) {
  BlobRead r;
  git_odb* odb = nullptr;
  if (git_repository_odb(&odb, repo_) != 0) {
    r.error = LastError();
    return r;
  }
  OdbPtr odb_ptr(odb);
  git_oid oid = ToGit(id);
  size_t len = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (git_odb_read_header(&len, &type, odb, &oid) != 0) {
    r.error = LastError();
    return r;
  }
  r.size = len;
  if (type != GIT_OBJECT_BLOB) {
    r.status = BlobStatus::kNotBlob;
    return r;
  }
  if (len > max_size) {
    r.status = BlobStatus::kTooLarge;
    return r;
  }
  git_odb_object* obj = nullptr;
  if (git_odb_read(&obj, odb, &oid) != 0) {
    r.error = LastError();
    return r;
  }
  r.data = BlobData(obj);
  r.status = BlobStatus::kOk;
  return r;
}

Result<WalkResult> Repository::WalkIntroductions(
    const WalkOptions& options, const std::function<bool(const ObjectId&)>& want,
    const std::function<void(const Introduction&)>& on_intro) {
  WalkResult result;
  git_revwalk* walk = nullptr;
  if (git_revwalk_new(&walk, repo_) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot walk history: {}", path_.string(), LastError())));
  }
  WalkPtr walk_ptr(walk);
  git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
  // refs/* (branches, tags, remotes, stash, notes) and a detached HEAD.
  if (git_revwalk_push_glob(walk, "*") != 0) {
    result.warnings.push_back(fmt::format("some refs could not be walked: {}", LastError()));
  }
  git_revwalk_push_head(walk);  // fails only when HEAD is unborn, which is fine
  for (const ObjectId& h : options.hide) {
    git_oid oid = ToGit(h);
    git_revwalk_hide(walk, &oid);  // a tip that no longer exists hides nothing
  }
  // Collect the ids first: libgit2 1.5's revwalk gives up on a shallow clone
  // (its boundary commits name parents that are not there), and then a walk
  // of our own that skips missing parents takes over.
  std::vector<git_oid> order;
  git_oid next;
  while (true) {
    int rc = git_revwalk_next(&next, walk);
    if (rc == GIT_ITEROVER) break;
    if (rc != 0) {
      std::string why = LastError();
      auto fallback = ReachableCommits(options.hide);
      if (!fallback) return Fail(fallback.error());
      order.clear();
      for (const ObjectId& id : *fallback) order.push_back(ToGit(id));
      if (git_repository_is_shallow(repo_) != 1) {
        result.warnings.push_back(fmt::format("history walk fell back to a slower order: {}", why));
      }
      break;
    }
    order.push_back(next);
  }
  for (const git_oid& oid : order) {
    git_commit* commit = nullptr;
    if (git_commit_lookup(&commit, repo_, &oid) != 0) {
      result.warnings.push_back(fmt::format("commit {} unreadable: {}", FromGit(&oid).Hex(), LastError()));
      continue;
    }
    CommitPtr commit_ptr(commit);
    ++result.commits;
    git_tree* tree = nullptr;
    if (git_commit_tree(&tree, commit) != 0) {
      result.warnings.push_back(fmt::format("tree of commit {} unreadable: {}", FromGit(&oid).Hex(), LastError()));
      continue;
    }
    TreePtr tree_ptr(tree);
    std::vector<Change> changes;
    unsigned parents = git_commit_parentcount(commit);
    if (parents == 0) {
      DiffTrees(repo_, nullptr, tree, "", want, changes, result.warnings);
    }
    for (unsigned p = 0; p < parents; ++p) {
      git_commit* parent = nullptr;
      TreePtr parent_tree;
      if (git_commit_parent(&parent, commit, p) == 0) {
        CommitPtr parent_ptr(parent);
        git_tree* pt = nullptr;
        if (git_commit_tree(&pt, parent) == 0) parent_tree.reset(pt);
      } else {
        // A shallow clone's boundary, or a missing object: compare with nothing.
        if (git_repository_is_shallow(repo_) != 1) {
          result.warnings.push_back(fmt::format("parent {} of commit {} unreadable: {}", p, FromGit(&oid).Hex(),
                                                LastError()));
        }
      }
      std::vector<Change> vs_parent;
      DiffTrees(repo_, parent_tree.get(), tree, "", want, vs_parent, result.warnings);
      if (p == 0) {
        changes = std::move(vs_parent);
      } else {
        // A merge introduces only what differs from every parent.
        std::erase_if(changes, [&](const Change& c) {
          return std::find(vs_parent.begin(), vs_parent.end(), c) == vs_parent.end();
        });
      }
      if (changes.empty()) break;
    }
    if (changes.empty()) continue;
    const git_signature* author = git_commit_author(commit);
    std::string who = author != nullptr ? fmt::format("{} <{}>", author->name ? author->name : "",
                                                      author->email ? author->email : "")
                                        : "";
    std::int64_t when = author != nullptr ? author->when.time : git_commit_time(commit);
    for (Change& c : changes) {
      on_intro({c.blob, FromGit(&oid), std::move(c.path), who, when});
    }
  }
  return result;
}

Result<std::vector<ObjectId>> Repository::ReachableCommits(const std::vector<ObjectId>& hide) {
  auto walk_from = [&](std::vector<git_oid> stack, std::unordered_set<ObjectId, ObjectIdHash>& seen,
                       const std::unordered_set<ObjectId, ObjectIdHash>* stop, std::vector<ObjectId>* out) {
    while (!stack.empty()) {
      git_oid oid = stack.back();
      stack.pop_back();
      ObjectId id = FromGit(&oid);
      if ((stop != nullptr && stop->contains(id)) || !seen.insert(id).second) continue;
      git_commit* commit = nullptr;
      if (git_commit_lookup(&commit, repo_, &oid) != 0) continue;  // missing: a shallow boundary's parent
      CommitPtr commit_ptr(commit);
      if (out != nullptr) out->push_back(id);
      for (unsigned p = 0; p < git_commit_parentcount(commit); ++p) stack.push_back(*git_commit_parent_id(commit, p));
    }
  };
  std::unordered_set<ObjectId, ObjectIdHash> hidden;
  std::vector<git_oid> hide_stack;
  for (const ObjectId& h : hide) hide_stack.push_back(ToGit(h));
  walk_from(hide_stack, hidden, nullptr, nullptr);
  auto tips = RefTips();
  if (!tips) return Fail(tips.error());
  std::vector<git_oid> stack;
  for (const ObjectId& t : *tips) stack.push_back(ToGit(t));
  std::unordered_set<ObjectId, ObjectIdHash> seen;
  std::vector<ObjectId> out;
  walk_from(stack, seen, &hidden, &out);
  std::reverse(out.begin(), out.end());  // roughly parents first
  return out;
}

Result<std::vector<PathBlob>> Repository::HeadBlobs() {
  auto tree = HeadTree(repo_);
  if (!tree) return Fail(Error::Io(fmt::format("{}: {}", path_.string(), tree.error().message)));
  std::vector<PathBlob> out;
  if (*tree) ListTree(repo_, tree->get(), "", out);
  return out;
}

Result<std::vector<PathBlob>> Repository::StagedBlobs() {
  git_index* index = nullptr;
  if (git_repository_index(&index, repo_) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot read the index: {}", path_.string(), LastError())));
  }
  IndexPtr index_ptr(index);
  auto head = HeadTree(repo_);
  if (!head) return Fail(Error::Io(fmt::format("{}: {}", path_.string(), head.error().message)));
  std::vector<PathBlob> out;
  size_t n = git_index_entrycount(index);
  for (size_t i = 0; i < n; ++i) {
    const git_index_entry* e = git_index_get_byindex(index, i);
    if (e == nullptr || GIT_INDEX_ENTRY_STAGE(e) != 0) continue;
    if ((e->mode & 0170000) == 0160000) continue;  // submodule
    if (*head) {
      git_tree_entry* te = nullptr;
      if (git_tree_entry_bypath(&te, head->get(), e->path) == 0) {
        TreeEntryPtr te_ptr(te);
        if (git_oid_equal(git_tree_entry_id(te), &e->id)) continue;
      }
    }
    out.push_back({e->path, FromGit(&e->id)});
  }
  return out;
}

Result<std::vector<ObjectId>> Repository::RefTips() {
  git_reference_iterator* it = nullptr;
  if (git_reference_iterator_new(&it, repo_) != 0) {
    return Fail(Error::Io(fmt::format("{}: cannot list refs: {}", path_.string(), LastError())));
  }
  RefIterPtr it_ptr(it);
  std::vector<ObjectId> tips;
  git_reference* ref = nullptr;
  while (git_reference_next(&ref, it) == 0) {
    RefPtr ref_ptr(ref);
    git_object* obj = nullptr;
    if (git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT) == 0) {
      ObjectPtr obj_ptr(obj);
      tips.push_back(FromGit(git_object_id(obj)));
    }
  }
  if (auto head = ResolveCommit("HEAD")) tips.push_back(*head);
  std::sort(tips.begin(), tips.end());
  tips.erase(std::unique(tips.begin(), tips.end()), tips.end());
  return tips;
}

Result<ObjectId> Repository::ResolveCommit(std::string_view rev) {
  std::string spec = fmt::format("{}^{{commit}}", rev);
  git_object* obj = nullptr;
  if (git_revparse_single(&obj, repo_, spec.c_str()) != 0) {
    return Fail(Error::Invalid(fmt::format("{}: unknown revision \"{}\": {}", path_.string(), rev, LastError())));
  }
  ObjectPtr obj_ptr(obj);
  return FromGit(git_object_id(obj));
}

}  // namespace ctodesk::git
