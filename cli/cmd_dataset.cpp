// `pfgm dataset`: dataset_tool.py's convert (spec 6.1) — any source pfgm reads, or a folder/zip of
// PNGs of any size, → a STORED zip or folder of uncompressed PNGs with dataset.json.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "pfgm/core/device.h"
#include "pfgm/core/error.h"
#include "pfgm/data/dataset_tool.h"

namespace pfgm::cli {

namespace {

struct DatasetArgs {
  data::DatasetToolOptions tool;
  std::string resolution, transform;
  int threads = 0;
};

// "WxH" → width, height (positive).
void parse_resolution(const std::string& s, int64_t& width, int64_t& height) {
  long long w = 0, h = 0;
  char end = 0;
  PFGM_CHECK(std::sscanf(s.c_str(), "%lldx%lld%c", &w, &h, &end) == 2 && w > 0 && h > 0, "[--resolution] got ", s,
             ", expected WxH such as 64x64");
  width = w, height = h;
}

void run(DatasetArgs& a) {
  core::configure_process(a.threads);
  if (!a.resolution.empty()) parse_resolution(a.resolution, a.tool.width, a.tool.height);
  a.tool.transform = data::parse_transform(a.transform);
  const auto s = data::convert_dataset(a.tool);
  std::printf("Wrote %lld images to %s: %lld channels, %lldx%lld, labels: %s", static_cast<long long>(s.images),
              a.tool.dest.c_str(), static_cast<long long>(s.channels), static_cast<long long>(s.width),
              static_cast<long long>(s.height), s.label_dim ? "" : "none");
  if (s.label_dim) std::printf("%lld classes", static_cast<long long>(s.label_dim));
  if (s.skipped) std::printf(" (%lld skipped: smaller than --resolution)", static_cast<long long>(s.skipped));
  std::printf("\n");
}

}  // namespace

void add_dataset_command(CLI::App& app) {
  auto a = std::make_shared<DatasetArgs>();
  auto* c = app.add_subcommand("dataset", "Convert images to EDM's dataset format (a zip or folder of PNGs + dataset.json)");
  c->add_option("--source", a->tool.source,
                "fashion-mnist, a folder of MNIST idx files, cifar-10-binary.tar.gz (or its folder), "
                "or a .zip or folder of PNG images of any size")
      ->required();
  c->add_option("--dest", a->tool.dest, "output: a .zip (stored, uncompressed) or a missing or empty folder")->required();
  c->add_option("--max-images", a->tool.max_images, "write at most this many images (the first ones)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--resolution", a->resolution, "output size WxH, e.g. 64x64 (Lanczos resize)");
  c->add_option("--transform", a->transform, "center-crop | center-crop-wide (needs --resolution)");
  c->add_option("--threads", a->threads, "CPU threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  c->callback([a] { run(*a); });
}

}  // namespace pfgm::cli
