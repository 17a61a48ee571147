// The `pfgm` command: a table of subcommands; every pfgm::Error or bad flag becomes one line on
// stderr and a non-zero exit status.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "dist_flags.h"
#include "flag_names.h"
#include "pfgm/core/error.h"

int main(int argc, char** argv) {
  // A write beyond the file-size limit (RLIMIT_FSIZE) fails with EFBIG and is reported like a full
  // disk, instead of killing the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"pfgm: Poisson Flow Generative Models (PFGM and PFGM++) — train, sample, evaluate"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pfgm 0.1.0");
  pfgm::cli::add_toy_command(app);
  pfgm::cli::add_golden_command(app);
  pfgm::cli::add_info_command(app);
  pfgm::cli::add_bench_command(app);
  pfgm::cli::add_train_command(app);
  pfgm::cli::add_generate_command(app);
  pfgm::cli::add_dataset_command(app);
  pfgm::cli::add_likelihood_command(app);
  pfgm::cli::add_latent_commands(app);
  pfgm::cli::add_fid_command(app);
  pfgm::cli::add_classifier_command(app);
  pfgm::cli::add_robustness_command(app);
  pfgm::cli::add_hparams_command(app);
  pfgm::cli::add_launch_command(app);
  try {
    pfgm::cli::check_command_runs_distributed(argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "pfgm: error: " << e.what() << "\n";
    return 2;
  } catch (const pfgm::Error& e) {
    std::cerr << "pfgm: error: " << pfgm::cli::with_flag_names(app, e.what()) << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {  // e.g. an output folder that cannot be made
    std::cerr << "pfgm: error: [" << e.path1().string() << "] " << e.code().message() << " (" << e.what() << ")\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "pfgm: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
