#pragma once
// `pfgm bench train` and `pfgm bench sample`: images per second of whole training steps (the
// perturbation draw, forward, backward, Adam and EMA) and of Heun/Euler sampling from the prior,
// for a network given by train.py's flags, on random data. The last stdout line is one JSON object.
#include <cstdint>
#include <string>
#include <vector>

namespace pfgm::cli {

struct LoopBenchArgs {
  std::string arch = "ddpmpp";             // ddpmpp | ncsnpp | adm
  std::string objective = "pfgmpp";        // pfgmpp | pfgm (the original PFGM: NCSNpp on z, large-batch field)
  int64_t cbase = 32, nblock = 2;          // the main job's network by default
  std::vector<int64_t> cres{1, 2, 2};
  std::string attn = "8";                  // attention resolutions, comma list ("" for none)
  int64_t res = 32, channels = 1, batch = 64;
  std::string aug_dim = "128";             // D
  int steps = 18;                          // sampler steps (Heun: NFE = 2·steps − 1)
  std::string dtype = "fp32";              // autocast: fp32 | bf16 | fp16
  int channels_last = 0;
  std::string solver = "heun";             // heun | euler
  int threads = 0;
  std::string device = "cpu";
  int iters = 5, warmup = 1;
  int nproc = 1;                           // bench train: also in this many processes (scaling efficiency)
};

// The flags that reproduce `a` on another command line (for the processes of --nproc).
std::vector<std::string> loop_bench_flags(const LoopBenchArgs& a);

// `pfgm bench train --nproc K`: the 1-process figure here, the K-process one through `pfgm launch`,
// and the scaling efficiency img/s(K) / (K · img/s(1)).
void run_bench_train_scaling(const LoopBenchArgs& a);

void run_bench_train(const LoopBenchArgs& a);
void run_bench_sample(const LoopBenchArgs& a);

}  // namespace pfgm::cli
