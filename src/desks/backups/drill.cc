// Safety comes first in extraction: names are checked lexically here before
// libarchive sees them (absolute, "..", links escaping), and the folder is
// canonicalised so the written path contains no symlink we did not create.
// libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS then refuses to write through
// a symlink an earlier entry created, which covers "link -> ., then
// link/../../x" chains that a purely lexical check would miss.
#include "desks/backups/drill.h"

#include <algorithm>
#include <memory>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

namespace ctodesk::backups {

namespace {

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

std::string Shown(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (out.size() >= 120) {
      out += "…";
      break;
    }
    if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

}  // namespace

std::string UnsafeEntryReason(std::string_view name) {
  if (name.empty()) return "has an empty name";
  if (name.front() == '/') return "has an absolute path";
  std::filesystem::path p{std::string(name)};
  for (const auto& part : p) {
    if (part == "..") return "climbs out of the restore folder with \"..\"";
  }
  return "";
}

std::string UnsafeLinkReason(std::string_view entry_name, std::string_view target) {
  if (target.empty()) return "is a link with an empty target";
  if (target.front() == '/') return fmt::format("links to an absolute path ({})", Shown(target));
  std::filesystem::path resolved =
      (std::filesystem::path(std::string(entry_name)).parent_path() / std::string(target)).lexically_normal();
  auto first = resolved.begin();
  if (first != resolved.end() && *first == "..") {
    return fmt::format("links outside the restore folder ({})", Shown(target));
  }
  return "";
}

Result<RestoreStats> ExtractArchive(const std::filesystem::path& archive_file,
                                    const std::filesystem::path& dir, VerifyControl& control) {
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::canonical(dir, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: {}", dir.string(), ec.message())));

  std::unique_ptr<archive, ReadDeleter> in(archive_read_new());
  archive_read_support_filter_all(in.get());
  archive_read_support_format_all(in.get());
  std::unique_ptr<archive, WriteDeleter> out(archive_write_disk_new());
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                                ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                ARCHIVE_EXTRACT_NO_OVERWRITE);
  if (archive_read_open_filename(in.get(), archive_file.c_str(), 1 << 16) != ARCHIVE_OK) {
    return Fail(Error::Invalid(fmt::format("{}: cannot be opened: {}", archive_file.string(),
                                           archive_error_string(in.get()))));
  }
  RestoreStats stats;
  std::int64_t reported = 0;
  auto fail = [&](std::int64_t index, std::string_view name, const std::string& why) {
    return Fail(Error::Invalid(fmt::format("{}: entry {} ({}) {}", archive_file.filename().string(),
                                           index, Shown(name), why)));
  };
  for (std::int64_t index = 1;; ++index) {
    archive_entry* entry = nullptr;
    int rc = archive_read_next_header(in.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      return Fail(Error::Invalid(fmt::format("{}: cannot read entry {}: {}", archive_file.filename().string(),
                                             index, archive_error_string(in.get()))));
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name ? raw_name : "";
    if (std::string why = UnsafeEntryReason(name); !why.empty()) return fail(index, name, why);
    const mode_t type = archive_entry_filetype(entry);
    if (const char* hard = archive_entry_hardlink(entry)) {
      if (std::string why = UnsafeEntryReason(hard); !why.empty()) {
        return fail(index, name, fmt::format("is a hard link that {}", why));
      }
      archive_entry_set_hardlink(entry, (root / hard).c_str());
    } else if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
      return fail(index, name, "is a device, FIFO or socket; a drill restores files only");
    }
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (std::string why = UnsafeLinkReason(name, target ? target : ""); !why.empty()) {
        return fail(index, name, why);
      }
    }
    archive_entry_set_pathname(entry, (root / name).c_str());
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) {
      return fail(index, name, fmt::format("cannot be written: {}", archive_error_string(out.get())));
    }
    const void* buf = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    while ((rc = archive_read_data_block(in.get(), &buf, &size, &offset)) == ARCHIVE_OK) {
      if (archive_write_data_block(out.get(), buf, size, offset) < ARCHIVE_WARN) {
        return fail(index, name, fmt::format("cannot be written: {}", archive_error_string(out.get())));
      }
      stats.bytes += static_cast<std::int64_t>(size);
      std::int64_t raw = archive_filter_bytes(in.get(), -1);
      if (control.progress && raw > reported) control.progress->Add(raw - reported);
      reported = std::max(reported, raw);
    }
    if (rc != ARCHIVE_EOF && rc != ARCHIVE_WARN) {
      return fail(index, name, fmt::format("is unreadable: {}", archive_error_string(in.get())));
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) {
      return fail(index, name, fmt::format("cannot be finished: {}", archive_error_string(out.get())));
    }
    ++stats.entries;
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN) {
    return Fail(Error::Io(fmt::format("{}: {}", root.string(), archive_error_string(out.get()))));
  }
  if (stats.entries == 0) {
    return Fail(Error::Invalid(fmt::format("{}: the archive has no entries", archive_file.filename().string())));
  }
  return stats;
}

Result<RestoreStats> CopyInto(const std::filesystem::path& file, const std::filesystem::path& dir,
                              VerifyControl& control) {
  std::error_code ec;
  std::filesystem::path target = dir / file.filename();
  std::filesystem::copy_file(file, target, std::filesystem::copy_options::none, ec);
  if (ec) return Fail(Error::Io(fmt::format("{}: cannot copy to {}: {}", file.string(), target.string(), ec.message())));
  RestoreStats stats;
  stats.entries = 1;
  stats.bytes = static_cast<std::int64_t>(std::filesystem::file_size(target, ec));
  if (control.progress) control.progress->Add(stats.bytes);
  return stats;
}

}  // namespace ctodesk::backups
