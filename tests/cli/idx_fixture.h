#pragma once
// A small labelled idx dataset for the command-line tests, in the per-process scratch folder.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <sys/stat.h>

#include "cli/cli_runner.h"

namespace cli_test {

// 40 images of 28×28 (a bright square whose place depends on the index) and their labels.
inline std::string make_idx_dir(bool lying = false) {
  const std::string d = dir() + (lying ? "/idx_lying" : "/idx");
  ::mkdir(d.c_str(), 0755);
  auto header = [](std::vector<uint32_t> dims) {
    std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
    for (uint32_t v : dims)
      for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    return s;
  };
  std::string images = header({lying ? 41u : 40u, 28, 28}), labels = header({40});
  for (int i = 0; i < 40; ++i) {
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) images.push_back(static_cast<char>((y / 7 == i % 4 && x / 7 == i / 10) ? 230 : 10));
    labels.push_back(static_cast<char>(i % 10));
  }
  for (const auto& [name, bytes] : {std::pair{"train-images-idx3-ubyte.gz", images}, {"train-labels-idx1-ubyte.gz", labels}}) {
    gzFile f = gzopen((d + "/" + name).c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  }
  return d;
}

}  // namespace cli_test
