#pragma once
// The training states of a run directory (training-state-<kimg>.safetensors): the newest one that
// loads, for `--resume RUN_DIR` (requeue-friendly: a damaged newest state falls back to the one
// before), pruning to the newest K (`--keep`), and removing the temporary files of writes that a
// killed process left behind ("<name>.tmp-<pid>", see io/atomic_file.h), and the statistics log
// rewound to the state a run continues from.
#include <string>
#include <vector>

namespace pfgm::training {

// training-state-*.safetensors in `dir`, oldest first (by the kimg in the name).
std::vector<std::string> training_states(const std::string& dir);

// The newest state in `dir` that reads as a pfgm training state; each skipped newer file is named
// on stderr. Throws pfgm::Error naming `dir` when none does.
std::string newest_training_state(const std::string& dir);

// Deletes all but the newest `keep` states (keep ≤ 0: deletes nothing).
void prune_training_states(const std::string& dir, int64_t keep);

// Deletes "*.tmp-<pid>" files in `dir` whose process is gone; returns how many.
int remove_stale_temporary_files(const std::string& dir);

// Rewrites stats.jsonl (atomically) to the ticks a run resumed at `step` keeps: lines of later
// steps (trained again after the resume) and a line cut short by a kill are dropped. No file: nothing.
void rewind_stats(const std::string& path, int64_t step);

}  // namespace pfgm::training
