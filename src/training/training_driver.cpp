#include "pfgm/training/training_driver.h"

#include <chrono>
#include <filesystem>
#include <memory>

#include "pfgm/core/duration.h"
#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/training/state_files.h"
#include "pfgm/training/stop_on_signal.h"
#include "pfgm/io/output_folder.h"

namespace pfgm::training {

DriverResult drive(Trainer& trainer, const DriverOptions& options, RunLog* log,
                   const std::function<void(const Progress&)>& on_progress) {
  if (!options.resume.empty()) {
    PFGM_CHECK(std::filesystem::is_regular_file(options.resume), "[resume] ", options.resume, ": no such file");
    trainer.load_state(options.resume);
  }
  const std::filesystem::path dir = trainer.options().outdir;
  if (!dir.empty()) {
    io::make_output_folder(dir.string(), "outdir");
    remove_stale_temporary_files(dir.string());  // of writes a killed run left behind
    // The statistics of this run only: a resume keeps the ticks up to its state, a fresh start in a
    // used folder (a killed first attempt) none.
    rewind_stats((dir / "stats.jsonl").string(), trainer.step());
    for (const auto& file : options.files)
      io::write_atomically((dir / file.first).string(), [&](std::ostream& f) { f << file.second; });
    if (log) log->open((dir / "log.txt").string());
  }
  if (log && !options.log_header.empty()) log->say("%s", options.log_header.c_str());
  std::unique_ptr<StopOnSignal> signals;
  if (options.stop_on_signal) signals = std::make_unique<StopOnSignal>();
  const auto t0 = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  trainer.run(
      [&](const Progress& p) {
        if (on_progress) on_progress(p);
        if (log && p.tick_end)
          log->say("tick %-5lld kimg %-9.1f time %-8s sec/tick %-7.1f sec/kimg %-7.2f maintenance %-5.1f cpumem %-5.2f "
                   "loss %.4f\n",
                   (long long)p.tick, p.nimg / 1e3, core::format_duration(seconds()).c_str(), p.tick_s,
                   p.tick_s / std::max(double(p.tick_nimg) / 1e3, 1e-9), p.maintenance_s, p.cpu_mem_gb, p.loss);
      },
      [&] {
        return (signals && StopOnSignal::requested()) || (options.stop && options.stop());
      });
  DriverResult r;
  r.seconds = seconds();
  // Stopped early (here, or on another rank: all ranks stop after the same step).
  if (trainer.nimg() < trainer.options().total_nimg) {
    trainer.checkpoint();
    r.interrupted = true;
  }
  return r;
}

}  // namespace pfgm::training
