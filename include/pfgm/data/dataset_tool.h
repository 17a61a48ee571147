#pragma once
// dataset_tool.py's convert (spec 6.1): any source pfgm reads, or a folder / zip of PNGs of any
// size, → an EDM dataset: uncompressed PNGs named <idx/1000:05d>/img<idx:08d>.png with
// dataset.json, in a STORED zip or a folder, written whole or not at all.
#include <cstdint>
#include <string>

#include "pfgm/data/image_transform.h"

namespace pfgm::data {

struct DatasetToolOptions {
  std::string source;                    // anything load_image_dataset reads (training split)
  std::string dest;                      // a .zip, or a folder that is missing or empty
  int64_t max_images = -1;               // the first max_images of the source (−1: all)
  int64_t width = 0, height = 0;         // --resolution WxH (0: keep the source size)
  Transform transform = Transform::None; // --transform
};

struct DatasetToolSummary {
  int64_t images = 0;    // images written
  int64_t skipped = 0;   // too small for center-crop-wide
  int64_t channels = 0, width = 0, height = 0;
  int64_t label_dim = 0; // 0: dataset.json has "labels": null
};

// Converts o.source to o.dest; throws pfgm::Error (leaving nothing at o.dest) on any bad image.
DatasetToolSummary convert_dataset(const DatasetToolOptions& o);

}  // namespace pfgm::data
