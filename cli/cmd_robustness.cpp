// `pfgm robustness`: FD under noise injection, fewer steps and quantised weights, for several
// networks (robustness_run.h).
#include <memory>

#include "commands.h"
#include "robustness_run.h"

namespace pfgm::cli {

void add_robustness_command(CLI::App& app) {
  auto a = std::make_shared<RobustnessArgs>();
  auto* c = app.add_subcommand("robustness", "FD of samples under noise injection, fewer steps and quantised weights "
                                             "(the PFGM++ paper's robustness study), one line per network");
  c->add_option("--network", a->networks, "network snapshots or run directories (one line each)")->required();
  c->add_option("--labels", a->labels, "their labels in the table and plot (default D = …, or PFGM)")->delimiter(',');
  c->add_option("--data", a->data, "the training dataset (FD reference, held-out images, nearest neighbours)")
      ->capture_default_str();
  c->add_option("--classifier", a->classifier, "feature classifier (default <outdir>/classifier.safetensors, trained "
                "on the dataset's labels when missing)");
  c->add_option("--outdir", a->outdir, "where robustness.jsonl, .csv and .png go")->capture_default_str();
  c->add_option("--alpha", a->alphas, "noise injection strengths besides 0: x += alpha*t_i*eps each step")
      ->delimiter(',')->capture_default_str();
  c->add_option("--steps", a->steps, "sampling step counts besides --base_steps (Heun; PFGM: Euler)")
      ->delimiter(',')->capture_default_str();
  c->add_option("--bits", a->bits, "weight bits besides float32 (per-tensor min-max fake quantisation)")
      ->delimiter(',')->capture_default_str();
  c->add_option("--base_steps", a->base_steps, "the baseline's steps (PFGM++: Heun, as generate.py; PFGM: Euler)")
      ->capture_default_str();
  c->add_option("--fd", a->count, "samples per setting, seeds 0 … fd-1")->capture_default_str();
  c->add_option("--batch", a->batch, "images sampled together (results do not depend on it)")->capture_default_str();
  c->add_option("--amp", a->amp, "autocast of the network: fp32 | bf16 | fp16 | auto")->capture_default_str();
  c->add_option("--channels_last", a->channels_last, "0 | 1: channels-last network")->check(CLI::Range(0, 1))
      ->capture_default_str();
  c->add_option("--device", a->device, "auto | cpu | cuda")->capture_default_str();
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run_robustness(*a); });
}

}  // namespace pfgm::cli
