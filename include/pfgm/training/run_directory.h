#pragma once
// Run directories as train.py names them (spec 5.1): <outdir>/<next id>-<description>, the id one
// above the largest numbered entry already in outdir, five digits.
#include <string>

namespace pfgm::training {

std::string numbered_run_directory(const std::string& outdir, const std::string& description);

}  // namespace pfgm::training
