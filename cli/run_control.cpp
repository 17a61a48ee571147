#include "run_control.h"

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <cstdio>

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
  const bool tty = ::isatty(2);
  std::fprintf(stderr, "%sstep %lld/%lld  loss %.4f  %.2f it/s%s  ETA %s%s", tty ? "\r" : "", (long long)p.step,
               (long long)p.total, p.loss, p.steps_per_s, extra.c_str(), format_duration(p.eta_s).c_str(),
               tty ? "   " : "\n");
}

void end_progress() {
  if (::isatty(2)) std::fprintf(stderr, "\n");
}

}  // namespace pfgm::cli
