#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "core/size.h"

namespace ctodesk {

namespace {

std::string Clock(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

bool Progress::StderrIsTty() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string label, std::int64_t total_bytes)
    : Progress(std::move(label), total_bytes, StderrIsTty()) {}

Progress::Progress(std::string label, std::int64_t total_bytes, bool enabled)
    : enabled_(enabled), total_(total_bytes), started_(std::chrono::steady_clock::now()),
      label_(std::move(label)) {}

Progress::~Progress() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (drawn_width_ > 0) {
    std::fprintf(stderr, "\r%*s\r", static_cast<int>(drawn_width_), "");
    std::fflush(stderr);
  }
}

void Progress::Add(std::int64_t bytes) {
  done_.fetch_add(bytes);
  if (enabled_) Draw(false);
}

void Progress::SetLabel(std::string label) {
  {
    std::lock_guard lock(mu_);
    label_ = std::move(label);
  }
  if (enabled_) Draw(true);
}

std::string Progress::Line(std::chrono::steady_clock::time_point now) {
  const std::int64_t done = done_.load();
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  const double rate = elapsed > 0.05 ? static_cast<double>(done) / elapsed : 0;
  std::string label = label_.size() > 40 ? "…" + label_.substr(label_.size() - 39) : label_;
  std::string line = fmt::format("{:<40} {:>8}", label, HumanSize(done));
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    int filled = static_cast<int>(frac * 20);
    line += fmt::format(" [{}{}] {:3.0f}%", std::string(filled, '#'), std::string(20 - filled, '.'),
                        frac * 100);
  }
  line += fmt::format(" {:>8}/s", HumanSize(static_cast<std::int64_t>(rate)));
  if (total_ > 0 && rate > 0 && done < total_) {
    line += " ETA " + Clock(static_cast<double>(total_ - done) / rate);
  }
  return line;
}

void Progress::Draw(bool force) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  std::string line = Line(now);
  size_t width = line.size();
  std::fprintf(stderr, "\r%s%*s", line.c_str(),
               static_cast<int>(drawn_width_ > width ? drawn_width_ - width : 0), "");
  std::fflush(stderr);
  drawn_width_ = width;
}

}  // namespace ctodesk
