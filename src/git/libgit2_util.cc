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
  });
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
