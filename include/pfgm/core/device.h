#pragma once
// Device selection and process-wide settings (threads, TF32), made once by the CLI.
#include <string>

#include <c10/core/Device.h>

namespace pfgm::core {

// Parses "auto" | "cpu" | "cuda" | "cuda:K"; "auto" picks CUDA when available.
c10::Device parse_device(const std::string& name);

// Sets LibTorch's intra-op threads (0 = all cores of the machine) and turns TF32 off so float32
// results match the reference. Returns the thread count in use.
int configure_process(int threads = 0);

// The CPU's bfloat16 instruction sets among avx512_bf16 and amx_bf16, comma-separated ("" for none).
std::string cpu_bf16_flags();

}  // namespace pfgm::core
