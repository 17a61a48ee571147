#pragma once
// The c10d objects behind distributed::ProcessGroup, for the distributed layer's own files (the
// public header stays free of c10d's).
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "pfgm/core/error.h"
#include "pfgm/distributed/process_group.h"

namespace pfgm::distributed {

constexpr auto kBeat = std::chrono::milliseconds(500);
inline std::string beat_key(int rank) { return "pfgm/heartbeat/" + std::to_string(rank); }

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  std::thread heartbeat;
  std::atomic<bool> stop{false};
  int64_t waits = 0;  // wait_for calls so far: each has its own store key
  World world;

  // Which ranks stopped beating: read every counter, wait three beats, read again.
  std::string lost_ranks() {
    try {
      std::vector<int64_t> before(world.size), after(world.size);
      for (int r = 0; r < world.size; ++r) before[r] = store->add(beat_key(r), 0);
      std::this_thread::sleep_for(kBeat * 3);
      for (int r = 0; r < world.size; ++r) after[r] = store->add(beat_key(r), 0);
      std::string lost;
      for (int r = 0; r < world.size; ++r)
        if (r != world.rank && after[r] == before[r]) lost += (lost.empty() ? "" : ", ") + std::to_string(r);
      return lost.empty() ? "no rank stopped its heartbeat (one may be stuck in a computation)"
                          : "lost rank " + lost + " (its heartbeat stopped: it died or hangs)";
    } catch (const std::exception&) {
      return "lost rank 0 (the rendezvous host is unreachable: it died)";
    }
  }

  [[noreturn]] void fail(const char* what, const std::string& reason) {
    throw Error("[distributed] rank " + std::to_string(world.rank) + ": " + what + " failed, " + lost_ranks() + " (" +
                reason + ")");
  }

  // Gloo reports a lost peer as c10::Error (timeouts) or as its own std::runtime_error (a closed
  // connection); a pfgm::Error (from fail) passes unchanged.
  template <typename F>
  void run(const char* what, F&& collective) {
    try {
      collective();
    } catch (const Error&) {
      throw;
    } catch (const c10::Error& e) {
      fail(what, e.what_without_backtrace());
    } catch (const std::exception& e) {
      fail(what, e.what());
    }
  }
};

}  // namespace pfgm::distributed
