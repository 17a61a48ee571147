#pragma once
// Inception Score (Salimans et al. 2016): IS = exp(E_x KL(p(y|x) ‖ p(y))), computed on each of
// `num_splits` consecutive parts of the samples and reported as mean and (population) standard
// deviation over the parts, as StyleGAN's inception_score and tfgan's classifier score do.
#include <cstdint>

#include <torch/types.h>

namespace pfgm::eval {

struct InceptionScore {
  double mean = 0, std = 0;
};

// probs [n, classes], rows summing to 1.
InceptionScore inception_score(const torch::Tensor& probs, int64_t num_splits = 10);

}  // namespace pfgm::eval
