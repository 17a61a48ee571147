#include "run_control.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <utility>

namespace pfgm::cli {

namespace {
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_signal(int) { g_stop = 1; }
}  // namespace

StopOnSignal::StopOnSignal() {
  g_stop = 0;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}
StopOnSignal::~StopOnSignal() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}
bool StopOnSignal::requested() { return g_stop != 0; }

std::string format_duration(double s) {
  char b[32];
  if (s >= 3600) std::snprintf(b, sizeof b, "%dh%02dm", int(s / 3600), int(std::fmod(s, 3600) / 60));
  else std::snprintf(b, sizeof b, "%dm%02ds", int(s / 60), int(std::fmod(s, 60)));
  return b;
}

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
    : what_(std::move(what)), unit_(std::move(unit)), start_(seconds_now()) {}

void CountProgress::operator()(int64_t done, int64_t total) {
  if (!::isatty(2)) return;
  const double elapsed = seconds_now() - start_, rate = done / std::max(elapsed, 1e-9);
  std::fprintf(stderr, "\r%s  %lld/%lld %s  %.1f %s/s  ETA %s   ", what_.c_str(), (long long)done, (long long)total,
               unit_.c_str(), rate, unit_.c_str(), format_duration((total - done) / std::max(rate, 1e-9)).c_str());
}

void end_progress() {
  if (::isatty(2)) std::fprintf(stderr, "\n");
}

}  // namespace pfgm::cli
