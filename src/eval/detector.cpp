#include "pfgm/eval/detector.h"

#include <sys/stat.h>

#include "pfgm/core/error.h"

namespace pfgm::eval {

bool is_classifier_file(const std::string& path) {
  const std::string ext = ".safetensors";
  return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

std::unique_ptr<Detector> load_detector(const std::string& path, c10::Device device, bool class_probs) {
  struct stat s;
  PFGM_CHECK(::stat(path.c_str(), &s) == 0 && S_ISREG(s.st_mode), "[detector] ", path,
             ": no such file; expected a TorchScript detector (.pt) or a classifier from pfgm classifier train");
  if (is_classifier_file(path)) return make_classifier_detector(path, device);
  return make_torchscript_detector(path, device, class_probs);
}

}  // namespace pfgm::eval
