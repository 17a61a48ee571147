#pragma once
// What `pfgm train` does around the library's training driver: the run directory and its
// training_options.json as train.py writes them, and the samples and quality report after training.
#include <string>

#include <CLI/CLI.hpp>
#include <c10/core/Device.h>
#include <nlohmann/json.hpp>

#include "dist_flags.h"
#include "pfgm/data/image_dataset.h"
#include "pfgm/training/run_log.h"
#include "pfgm/training/train_config.h"

namespace pfgm::cli {

struct TrainArgs {
  training::TrainOverrides o;  // train.py's model and training flags
  std::string outdir = "runs", desc, name, resume, transfer, device = "auto", classifier, precond = "edm";
  bool nosubdir = false, dry_run = false, bench = true, cache = true;
  int workers = 1, threads = 0;
  int world = 1;  // processes (the run directory's gpus<K>)
  DistArgs dist;
  int64_t grid = 64;
};

// --objective, the original PFGM's settings, STF and --lsun (train_objective_flags.cpp).
void add_objective_train_flags(CLI::App* command, training::TrainOverrides& overrides);

std::string dataset_name(const std::string& path);  // "fashion-mnist", or the file's stem

// <outdir>/<id>-<data>-<cond|uncond>-<arch>-<precond>-gpus1-batch<B>-<fp16|fp32>[-<desc>] (spec 5.1).
std::string run_directory(const TrainArgs& a, const training::TrainConfig& c, const networks::ModelConfig& model);

// The options as train.py prints and saves them.
nlohmann::json training_options_json(const TrainArgs& a, const training::TrainConfig& c,
                                     const networks::ModelConfig& model, const data::ImageDataset& dataset,
                                     c10::Device device, int threads);

// The grid of samples from the EMA network and, with fd_count > 0, the quality report (quality.json).
void sample_and_report(networks::Model& ema, const TrainArgs& a, const training::TrainConfig& c,
                       const data::ImageDataset& dataset, c10::Device device, training::RunLog& log,
                       distributed::ProcessGroup* group = nullptr);

}  // namespace pfgm::cli
