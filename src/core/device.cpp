#include "pfgm/core/device.h"

#include <malloc.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/types.h>

#include "pfgm/core/error.h"

namespace pfgm::core {

c10::Device parse_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? c10::Device(c10::kCUDA) : c10::Device(c10::kCPU);
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    PFGM_CHECK(torch::cuda::is_available(), "[device] ", name, ": no CUDA device is available, expected cpu or auto");
    try {
      return c10::Device(name);
    } catch (const std::exception&) {
    }
  }
  throw Error("[device] got '" + name + "', expected auto, cpu, cuda or cuda:K");
}

int configure_process(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  // Keep freed activation buffers in the heap instead of returning them to the kernel after
  // every step (glibc's default unmaps large blocks, and the page faults cost ~10% on the CPU).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
  at::globalContext().setAllowTF32CuBLAS(false);
  at::globalContext().setAllowTF32CuDNN(false);
  return threads;
}

std::string cpu_bf16_flags() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, flags;
  while (std::getline(f, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      std::set<std::string> have{std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
      for (const char* isa : {"avx512_bf16", "amx_bf16"})
        if (have.count(isa)) flags += std::string(flags.empty() ? "" : ",") + isa;
      break;
    }
  return flags;
}

}  // namespace pfgm::core
