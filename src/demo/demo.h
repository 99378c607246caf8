// The demo company: a small, realistic company on this machine that every
// desk can brief on. Creating it writes ctodesk.toml and each desk's sources
// into a folder, and starts the company's "systems" — loopback HTTP(S)
// servers with a healthy, a slow and a failing endpoint and a certificate
// that expires in 5 days. The servers live as long as the DemoCompany.
//
// Not thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "loopback/loopback_server.h"

namespace ctodesk {

class DemoCompany {
 public:
  // Creates (or re-creates) the demo in `dir`. Refuses a non-empty folder that
  // is not an earlier demo, so it never overwrites a user's files. Clears the
  // demo's store so each run starts fresh.
  static Result<std::unique_ptr<DemoCompany>> Create(const std::filesystem::path& dir,
                                                     TimePoint now);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config_path() const { return dir_ / "ctodesk.toml"; }

  // Switches the systems to how they were the day before: the website was
  // down then, and has since been fixed.
  void SetYesterday();
  void SetToday();

 private:
  DemoCompany() = default;
  std::filesystem::path dir_;
  std::unique_ptr<LoopbackServer> web_;
  std::unique_ptr<LoopbackServer> portal_;
};

}  // namespace ctodesk
