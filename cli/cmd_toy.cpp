// `pfgm toy …`: PFGM / PFGM++ on vector data (built-in 2-D distributions or CSV points):
// train, sample, evaluate (MMD, sliced Wasserstein against a data-vs-data baseline) and plot.
// The flags; toy_run.cpp runs them.
#include <memory>
#include <string>

#include "commands.h"
#include "flag_names.h"
#include "toy_run.h"
#include "pfgm/data/toy2d.h"
#include "pfgm/samplers/solver_table.h"

namespace pfgm::cli {

namespace {
void add_train_flags(CLI::App* c, ToyOptions& o) {
  c->add_option("--data", o.data, "built-in distribution (" + [] {
    std::string s;
    for (const auto& n : data::toy2d_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }() + ") or a CSV file of points")->capture_default_str();
  c->add_option("--objective", o.recipe.objective, "pfgmpp (PFGM++, any D) or pfgm (original PFGM, D = 1)")
      ->check(CLI::IsMember({"pfgmpp", "pfgm"}))->capture_default_str();
  c->add_option("--aug_dim", o.aug_dim, "D: augmented dimensions, a real number > 0 or inf")->capture_default_str();
  c->add_option("--pfgmpp", o.pfgmpp, "1: finite D (PFGM++), 0: D = inf (EDM)")->check(CLI::Range(0, 1))->capture_default_str();
  c->add_option("--kappa", o.recipe.kappa, "down-weight loss inputs beyond |x| = kappa*sqrt(N)*sigma_data (helps D <= 2); 0 = off")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--radius_quantile", o.recipe.radius_quantile,
                 "truncate the radius law R/r of the training kernel and of the prior at this quantile (finite D and pfgm; 1: exact law)")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  c->add_option("--upper_norm", o.recipe.upper_norm, "PFGM: clip the prior radius at this value (-1: the App. B.2 formula; 0: exact law)");
  c->add_flag("--official_clip", o.recipe.official_clip, "clip the Beta draw to [1e-3, 1-1e-3] as the official training code");
  c->add_option("--iters", o.recipe.iters, "training steps")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--batch", o.recipe.batch, "batch size (PFGM: the small batch)")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--large_batch", o.recipe.large_batch, "PFGM: charges per step for the field target")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--lr", o.recipe.lr, "Adam learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--lr_rampup", o.recipe.lr_rampup, "steps of linear lr ramp-up")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--ema", o.recipe.ema, "EMA half-life in samples")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--n_train", o.n_train, "training points drawn from a built-in distribution")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--hidden", o.recipe.hidden, "MLP width")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--blocks", o.recipe.blocks, "MLP residual blocks")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--sigma_data", o.recipe.sigma_data, "sigma_data of the preconditioning")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--P_mean", o.recipe.P_mean, "mean of ln(sigma) in training")->capture_default_str();
  c->add_option("--P_std", o.recipe.P_std, "std of ln(sigma) in training")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--resume", o.resume, "training-state-*.safetensors to continue from, or a run directory: its newest "
                "state that loads (the run continues there)");
  c->add_option("--dump", o.recipe.dump, "training state every this many ticks (0: at the end only)")->check(CLI::NonNegativeNumber);
  c->add_option("--keep", o.recipe.keep, "keep only the newest this many training states (0: all)")->check(CLI::NonNegativeNumber);
  c->add_option("--outdir", o.outdir, "run directory")->capture_default_str();
}

void add_sample_flags(CLI::App* c, ToyOptions& o, bool with_range) {
  if (with_range) {
    c->add_option("--sigma_min", o.recipe.sigma_min, "smallest sigma of the schedule")->check(CLI::PositiveNumber)->capture_default_str();
    c->add_option("--sigma_max", o.recipe.sigma_max, "largest sigma of the schedule (prior radius r = sigma_max*sqrt(D))")->check(CLI::PositiveNumber)->capture_default_str();
  }
  c->add_option("--steps", o.steps, "sampler steps (default: 32 Heun steps; PFGM 100 Euler steps)")->check(CLI::PositiveNumber);
  c->add_option("--solver", o.solver, samplers::solver_names() + " (default: heun; PFGM euler)")
      ->check([](const std::string& s) { return samplers::find_solver(s) ? "" : "expected " + samplers::solver_names(", "); });
  c->add_option("--rho", o.rho, "time-step exponent rho")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--z_exp", o.z_exp, "PFGM: below z = z_exp take v_z from E_z = -z and |v_x| (official sampling.z_exp); "
                "0 = off; default the model's (1 for pfgm toy train's unit-scale data)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--rtol", o.rtol, "RK45 relative tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--atol", o.atol, "RK45 absolute tolerance")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--S_churn", o.S_churn, "stochasticity strength")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_option("--S_min", o.S_min, "churn only for sigma >= S_min")->capture_default_str();
  c->add_option("--S_max", o.S_max, "churn only for sigma <= S_max")->capture_default_str();
  c->add_option("--S_noise", o.S_noise, "churn noise inflation")->capture_default_str();
  c->add_option("--sample_batch", o.sample_batch, "samples integrated together (results do not depend on it)")->check(CLI::PositiveNumber)->capture_default_str();
}

void add_common_flags(CLI::App* c, ToyOptions& o) {
  c->add_option("--seed", o.recipe.seed, "random seed")->capture_default_str();
  c->add_option("--device", o.device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", o.threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber)->capture_default_str();
  c->add_flag("--json", o.json, "print the figures as one JSON line");
}

void add_eval_flags(CLI::App* c, ToyOptions& o) {
  c->add_option("--num", o.num, "samples per MMD/SWD estimate")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_option("--repeats", o.repeats, "estimates averaged")->check(CLI::PositiveNumber)->capture_default_str();
  c->add_flag("!--no-plots", o.plots, "skip the pictures");
}
}  // namespace

void add_toy_command(CLI::App& app) {
  auto* toy = app.add_subcommand("toy", "PFGM / PFGM++ on vector data: 2-D distributions or CSV points");
  toy->require_subcommand(1);
  auto o = std::make_shared<ToyOptions>();

  auto* train = toy->add_subcommand("train", "train a model, then evaluate it and draw its pictures");
  add_train_flags(train, *o);
  add_sample_flags(train, *o, true);
  add_eval_flags(train, *o);
  add_common_flags(train, *o);
  name_fields(train, {{"total_nimg", "--iters"}, {"lr_rampup_nimg", "--lr_rampup"}, {"D", "--aug_dim"}});
  train->callback([o] { run_toy_train(*o); });

  auto* demo = toy->add_subcommand("demo", "the 2-D demo: PFGM++ (D = 128) on the heart, with pictures, in runs/demo");
  add_common_flags(demo, *o);
  demo->add_option("--outdir", o->outdir, "run directory")->default_str("runs/demo");
  demo->callback([o] {
    if (o->outdir == "runs/toy") o->outdir = "runs/demo";
    run_toy_train(*o);
  });

  auto* sample = toy->add_subcommand("sample", "generate points from a snapshot into a CSV file");
  sample->add_option("--network", o->network, "network-snapshot-*.safetensors")->required();
  sample->add_option("--seeds", o->seeds, "seeds, e.g. 0-999 (one point each)")->capture_default_str();
  sample->add_option("--out", o->out, "output CSV file")->required();
  add_sample_flags(sample, *o, false);
  add_common_flags(sample, *o);
  sample->callback([o] { run_toy_sample(*o); });

  auto* ev = toy->add_subcommand("eval", "MMD and sliced Wasserstein of a snapshot against its data");
  ev->add_option("--network", o->network, "network-snapshot-*.safetensors")->required();
  ev->add_option("--data", o->data, "built-in distribution or CSV file")->capture_default_str();
  ev->add_option("--out", o->out, "folder for pictures (none if empty)");
  add_sample_flags(ev, *o, false);
  add_eval_flags(ev, *o);
  add_common_flags(ev, *o);
  ev->callback([o] { run_toy_eval(*o); });
}

}  // namespace pfgm::cli
