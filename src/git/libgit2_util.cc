#include "git/libgit2_util.h"

#include <cstring>
#include <mutex>

namespace ctodesk::git::internal {

void InitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // libgit2 caches parsed trees and commits (256 MiB by default). A history
    // walk revisits few of them, so a smaller cache keeps memory flat at
    // little cost in time.
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(64) * 1024 * 1024);
    // Every desk only reads history. Checking each object's hash on read
    // (collision-detecting SHA-1) took 40% of a history walk's CPU; zlib's
    // checksums still catch a damaged pack.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    // Packs are read through mmap windows (by default one 1 GiB window and
    // no practical limit on 64-bit), and mapped pages count as resident
    // memory: the whole of git.git's pack stayed mapped during a walk. Small
    // windows with a 128 MiB cap cut the walk's peak by 230 MB, same speed.
    SetPackWindows(false);
  });
}

void SetPackWindows(bool whole_pack) {
  // libgit2's own defaults on 64-bit: 1 GiB windows, 8 GiB mapped at most.
  const size_t window = static_cast<size_t>(whole_pack ? 1024 : 32) * 1024 * 1024;
  const size_t limit = static_cast<size_t>(whole_pack ? 8192 : 128) * 1024 * 1024;
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, window);
  git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, limit);
}

std::string LastError() {
  const git_error* e = git_error_last();
  return e != nullptr && e->message != nullptr ? e->message : "unknown libgit2 error";
}

ObjectId FromGit(const git_oid* oid) {
  ObjectId id;
  std::memcpy(id.bytes.data(), oid->id, id.bytes.size());
  return id;
}

git_oid ToGit(const ObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), id.bytes.size());
  return oid;
}

}  // namespace ctodesk::git::internal
