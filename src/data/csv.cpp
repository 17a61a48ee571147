// Reading and writing point sets as CSV (one point per row) with line-numbered error messages
// and exact float64 round trips.
#include "pfgm/data/csv.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <vector>

#include <torch/types.h>

#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"
#include "pfgm/io/input_file.h"

namespace pfgm::data {
namespace {

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\f\v";
  const size_t a = s.find_first_not_of(ws);
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(ws) - a + 1);
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

// The value of `field` when the whole field is a number (strtod syntax, NaN/Inf included).
std::optional<double> parse_number(const std::string& field) {
  if (field.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(field.c_str(), &end);  // overflow gives +-Inf, rejected later
  if (end != field.c_str() + field.size()) return std::nullopt;
  return v;
}

}  // namespace

torch::Tensor read_points_csv(const std::string& path) {
  io::check_input_file(path, "csv");
  std::ifstream in(path);
  PFGM_CHECK(in.is_open(), "[csv] ", path, ": cannot open for reading (", std::strerror(errno), ")");
  std::vector<double> values;
  size_t width = 0;
  int64_t rows = 0, line_no = 0, first_line = 0;
  bool seen_content = false;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    const auto fields = split_fields(text);
    if (!seen_content) {  // the first content row may be a header when no field is numeric
      seen_content = true;
      bool any_numeric = false;
      for (const auto& f : fields) any_numeric = any_numeric || parse_number(f).has_value();
      if (!any_numeric) continue;
    }
    if (rows == 0) {
      width = fields.size();
      first_line = line_no;
    }
    PFGM_CHECK(fields.size() == width, "[csv] ", path, ":", line_no, ": ragged row: got ", fields.size(),
               " values, expected ", width, " (as on line ", first_line, ")");
    for (size_t k = 0; k < fields.size(); ++k) {
      const auto v = parse_number(fields[k]);
      PFGM_CHECK(v.has_value(), "[csv] ", path, ":", line_no, ": field ", k + 1, ": got '", fields[k],
                 "', expected a number");
      PFGM_CHECK(std::isfinite(*v), "[csv] ", path, ":", line_no, ": field ", k + 1, ": got '", fields[k],
                 "', expected a finite number (NaN/Inf are not allowed)");
      values.push_back(*v);
    }
    ++rows;
  }
  PFGM_CHECK(!in.bad(), "[csv] ", path, ":", line_no, ": read error (", std::strerror(errno), ")");
  PFGM_CHECK(rows > 0, "[csv] ", path, ":", std::max<int64_t>(line_no, 1), ": got no points",
             line_no == 0 ? " (empty file)" : "", ", expected at least one row of numbers");
  return torch::tensor(values, torch::dtype(torch::kFloat64)).reshape({rows, static_cast<int64_t>(width)});
}

void write_points_csv(const std::string& path, const torch::Tensor& points) {
  PFGM_CHECK(points.defined() && points.dim() == 2, "[csv] ", path, ": got a tensor of rank ",
             points.defined() ? points.dim() : -1, ", expected [n, N] points");
  PFGM_CHECK(points.size(1) > 0, "[csv] ", path, ": got points of dimension 0, expected >= 1");
  auto p = points.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  PFGM_CHECK(torch::isfinite(p).all().item<bool>(), "[csv] ", path,
             ": got non-finite values, expected finite points");
  const auto a = p.accessor<double, 2>();
  io::write_atomically(path, [&](std::ostream& out) {
    char buf[32];
    for (int64_t i = 0; i < a.size(0); ++i) {
      for (int64_t k = 0; k < a.size(1); ++k) {
        std::snprintf(buf, sizeof buf, "%.17g", a[i][k]);
        if (k > 0) out << ',';
        out << buf;
      }
      out << '\n';
    }
  });
}

}  // namespace pfgm::data
