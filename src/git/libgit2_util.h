// Private to src/git: RAII deleters for libgit2 handles, one-time library
// set-up, and id conversions, shared by git.cc and history.cc. Not part of
// the module's contract (include git.h / history.h from outside).
#pragma once

#include <git2.h>

#include <cstring>
#include <memory>
#include <string>

#include "git/git.h"

namespace ctodesk::git::internal {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const {
    if (p != nullptr) F(p);
  }
};
using TreePtr = std::unique_ptr<git_tree, Free<git_tree, git_tree_free>>;
using CommitPtr = std::unique_ptr<git_commit, Free<git_commit, git_commit_free>>;
using WalkPtr = std::unique_ptr<git_revwalk, Free<git_revwalk, git_revwalk_free>>;
using OdbPtr = std::unique_ptr<git_odb, Free<git_odb, git_odb_free>>;
using IndexPtr = std::unique_ptr<git_index, Free<git_index, git_index_free>>;
using RefIterPtr = std::unique_ptr<git_reference_iterator,
                                   Free<git_reference_iterator, git_reference_iterator_free>>;
using RefPtr = std::unique_ptr<git_reference, Free<git_reference, git_reference_free>>;
using ObjectPtr = std::unique_ptr<git_object, Free<git_object, git_object_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, Free<git_tree_entry, git_tree_entry_free>>;
using DiffPtr = std::unique_ptr<git_diff, Free<git_diff, git_diff_free>>;
using BlobPtr = std::unique_ptr<git_blob, Free<git_blob, git_blob_free>>;
using SignaturePtr = std::unique_ptr<git_signature, Free<git_signature, git_signature_free>>;
using OdbObjectPtr = std::unique_ptr<git_odb_object, Free<git_odb_object, git_odb_object_free>>;

// git_oid as a hash-map key: an object id is already a uniform hash.
struct OidHash {
  std::size_t operator()(const git_oid& id) const {
    std::size_t h;
    std::memcpy(&h, id.id, sizeof h);
    return h;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const { return git_oid_equal(&a, &b) != 0; }
};

// Initialises libgit2 once per process, with the process-wide options every
// desk shares: a 64 MiB object cache and 128 MiB of mapped pack windows keep
// memory flat; objects' hashes are not re-checked on read (read-only use).
void InitOnce();
// Small capped pack windows (history walks), or libgit2's large defaults
// (reading every object in id order: see WholePackReads in git.h).
void SetPackWindows(bool whole_pack);
// libgit2's last error message for this thread.
std::string LastError();
ObjectId FromGit(const git_oid* oid);
git_oid ToGit(const ObjectId& id);

}  // namespace ctodesk::git::internal
