#include "run_control.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "pfgm/core/error.h"

namespace pfgm::cli {

void print_progress(const training::Progress& p, const std::string& extra) {
  // On a terminal: a "\r"-updated line at most 4 times a second; otherwise one line per tick.
  static std::chrono::steady_clock::time_point last{};
  const bool tty = ::isatty(2);
  const auto now = std::chrono::steady_clock::now();
  const bool last_step = p.step == p.total_steps;
  if (!last_step && (tty ? now - last < std::chrono::milliseconds(250) : !p.tick_end)) return;
  last = now;
  std::fprintf(stderr, "%sstep %lld/%lld  kimg %.1f  loss %.4f  %.2f it/s%s  ETA %s%s", tty ? "\r" : "",
               (long long)p.step, (long long)p.total_steps, p.nimg / 1e3, p.loss, p.steps_per_s, extra.c_str(),
               format_duration(p.eta_s).c_str(), tty ? "   " : "\n");
}

namespace {
double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

CountProgress::CountProgress(std::string what, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), start_(seconds_now()), last_line_(start_) {}

void CountProgress::operator()(int64_t done, int64_t total) {
  // On a terminal a "\r"-updated line; otherwise a line every 30 s (short jobs stay quiet).
  const bool tty = ::isatty(2);
  const double now = seconds_now(), elapsed = now - start_, rate = done / std::max(elapsed, 1e-9);
  if (!tty && now - last_line_ < 30) return;
  last_line_ = now;
  std::fprintf(stderr, "%s%s  %lld/%lld %s  %.1f %s/s  ETA %s%s", tty ? "\r" : "", what_.c_str(), (long long)done,
               (long long)total, unit_.c_str(), rate, unit_.c_str(),
               format_duration((total - done) / std::max(rate, 1e-9)).c_str(), tty ? "   " : "\n");
}

void check_not_interrupted(const training::DriverResult& result, const training::Trainer& trainer) {
  if (!result.interrupted) return;
  throw Error("[train] interrupted at kimg " + std::to_string(trainer.nimg() / 1000) + " (step " +
              std::to_string(trainer.step()) + "); continue with --resume " + trainer.last_state());
}

void end_progress() {
  if (::isatty(2)) std::fprintf(stderr, "\n");
}

}  // namespace pfgm::cli
