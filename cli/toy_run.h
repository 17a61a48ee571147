#pragma once
// What `pfgm toy train|demo|sample|eval` run, behind the flags of cmd_toy.cpp.
#include <cmath>
#include <string>

#include "pfgm/training/vector_recipe.h"

namespace pfgm::cli {

struct ToyOptions {
  std::string data = "heart";  // built-in name or CSV file
  training::VectorRecipe recipe;
  std::string aug_dim = "128";  // D (recipe.D once parsed)
  int pfgmpp = 1;               // 0: D = ∞ (EDM)
  int64_t n_train = 20000;      // points drawn from a built-in distribution
  // sampling and evaluation
  std::string network, solver, seeds = "0-1999", out, resume, device = "auto";
  int steps = 0;
  double z_exp = -1;  // PFGM: v_z substituted below z = z_exp (< 0: the model's, VectorRecipe::z_exp when trained)
  double rtol = 1e-4, atol = 1e-4, S_churn = 0, S_min = 0, S_max = INFINITY, S_noise = 1, rho = 7;
  int64_t num = 2000, repeats = 5, sample_batch = 4096;
  std::string outdir = "runs/toy";
  bool json = false, plots = true;
  int threads = 0;
};

void run_toy_train(ToyOptions o);
void run_toy_sample(const ToyOptions& o);
void run_toy_eval(const ToyOptions& o);

}  // namespace pfgm::cli
