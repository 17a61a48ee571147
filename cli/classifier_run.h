#pragma once
// What `pfgm classifier train | eval` run, behind the flags of cmd_classifier.cpp.
#include <cstdint>
#include <string>

#include "pfgm/networks/classifier.h"
#include "pfgm/training/classifier_training.h"

namespace pfgm::cli {

struct ClassifierTrainArgs {
  std::string data, dest, device = "auto";
  training::ClassifierTrainOptions train;
  networks::ClassifierConfig net;
  int64_t max_images = -1;
  int threads = 0;
};

struct ClassifierEvalArgs {
  std::string classifier, data, device = "auto", split = "test";
  int64_t batch = 1000, max_images = -1;
  int threads = 0;
};

// Trains on --data and writes --dest and its per-epoch log (classifier_train.cpp).
void run_classifier_train(ClassifierTrainArgs a);

// Prints accuracy (with labels) and confidence of --classifier on --data (classifier_eval.cpp).
void run_classifier_eval(const ClassifierEvalArgs& a);

}  // namespace pfgm::cli
