// `pfgm bench train --nproc K`: data-parallel scaling. The same training steps (the same global
// batch) in one process and in K processes started by `pfgm launch`, each with --threads threads.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bench_loop.h"
#include "pfgm/core/error.h"

namespace pfgm::cli {

std::vector<std::string> loop_bench_flags(const LoopBenchArgs& a) {
  std::string cres;
  for (const auto c : a.cres) cres += (cres.empty() ? "" : ",") + std::to_string(c);
  return {"--arch", a.arch, "--objective", a.objective, "--cbase", std::to_string(a.cbase), "--cres", cres,
          "--nblock", std::to_string(a.nblock), "--attn", a.attn.empty() ? "''" : a.attn, "--res", std::to_string(a.res),
          "--channels", std::to_string(a.channels), "--batch", std::to_string(a.batch), "--aug_dim", a.aug_dim,
          "--dtype", a.dtype, "--channels_last", std::to_string(a.channels_last), "--threads", std::to_string(a.threads),
          "--device", a.device, "--iters", std::to_string(a.iters), "--warmup", std::to_string(a.warmup)};
}

namespace {
// Runs `pfgm <args>` and returns the last JSON line it prints.
nlohmann::json run_json(const std::string& args) {
  char self[4096] = {0};  // this program's path (in the shell, /proc/self/exe would be the shell)
  PFGM_CHECK(::readlink("/proc/self/exe", self, sizeof self - 1) > 0, "[bench] cannot find this program's path");
  const std::string cmd = std::string("'") + self + "' " + args + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  PFGM_CHECK(pipe, "[bench] cannot run ", cmd);
  char line[8192];
  std::string last, all;
  while (std::fgets(line, sizeof line, pipe.get())) {
    all += line;
    if (line[0] == '{') last = line;
  }
  PFGM_CHECK(!last.empty(), "[bench] ", args, " printed no figures: ", all.substr(0, 400));
  return nlohmann::json::parse(last);
}
}  // namespace

void run_bench_train_scaling(const LoopBenchArgs& a) {
  PFGM_CHECK(a.batch % a.nproc == 0, "[--batch] ", a.batch, " does not split over ", a.nproc, " processes");
  std::string flags;
  for (const auto& f : loop_bench_flags(a)) flags += " " + f;
  const auto one = run_json("bench train" + flags);
  const auto many = run_json("launch --nproc " + std::to_string(a.nproc) + " -- bench train" + flags);
  const double r1 = one["train_img_per_s"].get<double>(), rk = many["train_img_per_s"].get<double>();
  const double efficiency = rk / (a.nproc * r1);
  std::printf("train, global batch %lld, %d thread(s) per process: 1 process %.1f img/s, %d processes %.1f img/s; "
              "scaling efficiency %.0f%%\n",
              (long long)a.batch, a.threads, r1, a.nproc, rk, 100 * efficiency);
  nlohmann::json j{{"nproc", a.nproc}, {"batch", a.batch}, {"threads_per_process", a.threads}, {"img_per_s_1", r1},
                   {"img_per_s_n", rk}, {"scaling_efficiency", efficiency}};
  std::puts(j.dump().c_str());
}

}  // namespace pfgm::cli
