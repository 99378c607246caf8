// A progress bar for long work (verifying archives, scanning history): one
// line on stderr, redrawn at most ten times a second, with the bytes done, the
// rate (bytes/s) and, when the total is known, the percentage and an ETA. When
// stderr is not a terminal it prints nothing at all, so cron mail and CI logs
// stay quiet.
//
// Thread-safe: Add() and SetLabel() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace ctodesk {

class Progress {
 public:
  // `total_bytes` 0 means unknown (no percentage, no ETA). `enabled` defaults
  // to "stderr is a terminal"; tests pass false or true explicitly.
  Progress(std::string label, std::int64_t total_bytes);
  Progress(std::string label, std::int64_t total_bytes, bool enabled);
  ~Progress();  // clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(std::int64_t bytes);
  void SetLabel(std::string label);
  std::int64_t done() const { return done_.load(); }
  bool enabled() const { return enabled_; }

  // The line as it would be drawn now, without the leading "\r" (for tests).
  std::string Line(std::chrono::steady_clock::time_point now);

  // True when stderr is a terminal.
  static bool StderrIsTty();

 private:
  void Draw(bool force);

  const bool enabled_;
  const std::int64_t total_;
  const std::chrono::steady_clock::time_point started_;
  std::atomic<std::int64_t> done_{0};
  std::mutex mu_;  // guards label_, last_draw_ and the terminal line
  std::string label_;
  std::chrono::steady_clock::time_point last_draw_{};
  size_t drawn_width_ = 0;
};

}  // namespace ctodesk
