#include "desks/backups/cadence.h"

namespace ctodesk::backups {

Cadence Cadence::Every(Duration d, std::string text) {
  Cadence c;
  c.every_ = d;
  c.text_ = text.empty() ? FormatDuration(d) : std::move(text);
  return c;
}

Result<Cadence> Cadence::Parse(std::string_view text, std::string_view time_zone) {
  if (auto d = ParseDuration(text); d && d->count() > 0) {
    return Every(*d, std::string(text));
  }
  auto cron = CronSchedule::Parse(text, time_zone);
  if (!cron) return Fail(cron.error());
  Cadence c;
  c.text_ = std::string(text);
  c.cron_ = std::move(*cron);
  return c;
}

TimePoint Cadence::DueBy(TimePoint now, Duration grace) const {
  auto g = std::chrono::duration_cast<std::chrono::seconds>(grace);
  if (every_) return now - std::chrono::duration_cast<std::chrono::seconds>(*every_) - g;
  return cron_->Previous(now - g);
}

}  // namespace ctodesk::backups
