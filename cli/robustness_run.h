#pragma once
// `pfgm robustness`: the robustness study of PFGM++ (Xu et al. 2023, Sec. 5.3, Fig. 4; spec 4.6)
// for one or more networks: noise injected into every sampling step (α), fewer sampling steps,
// and weights fake-quantised to fewer bits, each setting judged by the quality report's FD and
// the outlier share. PFGM++ networks sample with Heun on the σ-ODE as the official scripts; the
// original PFGM with Euler on the z-ODE, the noise scaled by z (its σ at D = 1).
#include <string>
#include <vector>

namespace pfgm::cli {

struct RobustnessArgs {
  std::vector<std::string> networks;  // snapshots or run directories
  std::vector<std::string> labels;    // one per network ("" or absent: "D = …" or "PFGM")
  std::string data = "fashion-mnist", classifier, outdir = "robustness", device = "auto", amp = "fp32";
  std::vector<double> alphas{0.1, 0.2};                    // besides α = 0, the baseline
  std::vector<int> steps{10, 12, 14, 16, 20, 22, 24};      // besides base_steps
  std::vector<int> bits{5, 6, 7, 8, 9};                    // besides float32
  int base_steps = 18;                                     // the baseline's sampler steps
  int64_t count = 1000;                                    // samples per setting (seeds 0 … count−1)
  int64_t batch = 250;
  int channels_last = 0;
  int threads = 0;
};

// Writes <outdir>/robustness.jsonl (one line per setting as it finishes; settings already there
// are not run again), robustness.csv and robustness.png (FD against α, steps and bits, one line
// per network).
void run_robustness(const RobustnessArgs& args);

// robustness.csv and robustness.png from <outdir>/robustness.jsonl (robustness_table.cpp).
void write_robustness_table(const std::string& outdir);

}  // namespace pfgm::cli
