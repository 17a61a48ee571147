// The objective's flags of `pfgm train`: --objective, the original PFGM's settings under the names
// of its configs (configs/poisson/*.py, spec 7.6; each defaults to the preset's, the official
// value unless the preset says otherwise), and PFGM++'s STF and --lsun (train.py, spec 1.5).
#include "train_run.h"

namespace pfgm::cli {

void add_objective_train_flags(CLI::App* c, training::TrainOverrides& o) {
  auto& p = o.pfgm;
  c->add_option("--objective", o.objective, "pfgmpp (PFGM++, any D) | pfgm (original PFGM, D = 1; default preset "
                "fashion-mnist-pfgm); default the preset's")->check(CLI::IsMember({"pfgmpp", "pfgm"}));
  c->add_option("--large_batch", p.large_batch, "PFGM: images whose field is the target (training.batch_size; "
                "official 4096)")->check(CLI::PositiveNumber);
  c->add_option("--tau", p.tau, "PFGM: growth rate τ of the perturbation (official 0.03)")->check(CLI::PositiveNumber);
  c->add_option("--sigma_end", p.sigma_end, "PFGM: smallest perturbation σ (official 0.01)")->check(CLI::PositiveNumber);
  c->add_option("--M", p.M, "PFGM: m ~ U[0, M) (0: App. B.2 from the data; CIFAR-10 291)")->check(CLI::NonNegativeNumber);
  c->add_option("--restrict_M", p.restrict_M, "PFGM: 0 | 1, m ~ U[0, 0.7M) where z0 < 0.005 (official 1)")
      ->check(CLI::Range(0, 1));
  c->add_option("--gamma", p.gamma, "PFGM: γ of the field normalisation (official 5)")->check(CLI::NonNegativeNumber);
  c->add_option("--reduce_mean", p.reduce_mean, "PFGM: 0 | 1, loss per image averaged over coordinates instead of "
                "summed (official 0; LSUN 1)")->check(CLI::Range(0, 1));
  c->add_option("--z_max", p.z_max, "PFGM: the prior's hyperplane (0: App. B.2 from the data; CIFAR-10 40)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--z_exp", p.z_exp, "PFGM: v_z from |v_x| below this z when sampling (spec 7.5; 0: off; CIFAR-10 5; "
                "z_max from the data: z_max/8)")->check(CLI::NonNegativeNumber);
  c->add_option("--upper_norm", p.upper_norm, "PFGM: clip of the prior radius (0: the exact law; CIFAR-10 3000; z_max "
                "from the data: App. B.2)")->check(CLI::NonNegativeNumber);
  c->add_option("--grad_clip", p.grad_clip, "PFGM: clip of the gradients' norm (official 1; 0: off)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--ema_rate", p.ema_rate, "PFGM: score_sde's EMA rate, decay min(rate, (1+n)/(10+n)) (official "
                "0.9999; 0: --ema's half-life)")->check(CLI::Range(0.0, 0.999999999));
  c->add_option("--radius_quantile", o.radius_quantile, "finite D and PFGM: the perturbation radius law and the prior "
                "truncated at this quantile, the same for both (default 1: the exact law; pfgm toy uses 0.9)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--stf", o.stf, "PFGM++: 0 | 1, the stable target field over --rbatch reference images (spec 1.5)");
  c->add_option("--rbatch", o.rbatch, "PFGM++ --stf: reference images per round (official 4096)")
      ->check(CLI::PositiveNumber);
  c->add_option("--lsun", o.lsun, "PFGM++: 0 | 1, training sigma x 380/80 and the sampling sigma_max with it "
                "(the official setting for 256x256 data)");
}

}  // namespace pfgm::cli
