// Helpers shared by the keys desk's tests: temp folders and stores.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/store.h"

namespace ctodesk::keys::testing {

inline std::filesystem::path TempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             ("ctodesk-keys-" + std::to_string(getpid()) + "-" + info->test_suite_name() + "-" +
              info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::unique_ptr<Store> OpenStore(const std::filesystem::path& path) {
  auto s = OpenSqliteStore(path);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().message);
  return s ? std::move(*s) : nullptr;
}

inline TimePoint At(const char* s) { return *ParseTime(s); }

}  // namespace ctodesk::keys::testing
