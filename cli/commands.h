#pragma once
// Registration of the CLI's subcommands (one cmd_<verb>.cpp each).
#include <CLI/CLI.hpp>

namespace pfgm::cli {

void add_toy_command(CLI::App& app);
void add_golden_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_dataset_command(CLI::App& app);
void add_likelihood_command(CLI::App& app);
void add_latent_commands(CLI::App& app);  // encode, decode, interpolate, temperature
void add_fid_command(CLI::App& app);
void add_classifier_command(CLI::App& app);
void add_robustness_command(CLI::App& app);
void add_hparams_command(CLI::App& app);
void add_launch_command(CLI::App& app);  // K processes with torchrun's environment

}  // namespace pfgm::cli
