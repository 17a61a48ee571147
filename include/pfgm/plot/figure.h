#pragma once
// Small 2-D plotting on cairo: scatter, lines and arrows in one axes panel, saved as PNG; several
// panels can be saved side by side. Torch-free on purpose (plain std::vector<double>).
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pfgm::plot {

struct Color {
  double r = 0, g = 0, b = 0, a = 1.0;  // each in [0, 1]
};

// The i-th colour of a 10-colour qualitative palette (matplotlib's "tab10"), cycling.
Color palette(int i);

class Figure {
 public:
  explicit Figure(int width_px = 800, int height_px = 800);

  void set_title(std::string title);
  void set_labels(std::string x_label, std::string y_label);
  // Fixed axes limits; without them the limits fit the data with a 5% margin.
  void set_limits(double xmin, double xmax, double ymin, double ymax);
  // Logarithmic y axis with decade ticks (loss curves); points with y <= 0 are left out.
  void set_log_y(bool log_y);

  // Filled dots. Translucent colours accumulate where dots overlap (shows density).
  void scatter(const std::vector<double>& x, const std::vector<double>& y, Color color,
               double radius_px = 1.5, std::string label = "");
  // Polyline; a non-finite point breaks the line (so NaN can separate several curves).
  void line(const std::vector<double>& x, const std::vector<double>& y, Color color,
            double width_px = 1.0, std::string label = "");
  // Arrows from (x, y) to (x + dx, y + dy) in data units, e.g. a vector field.
  void arrows(const std::vector<double>& x, const std::vector<double>& y,
              const std::vector<double>& dx, const std::vector<double>& dy, Color color,
              double width_px = 1.0, std::string label = "");

  int width() const { return width_; }
  int height() const { return height_; }
  // Pixel position (from the image's top-left corner) of data point (x, y) in the saved picture.
  std::pair<double, double> to_pixel(double x, double y) const;

  // Writes the figure atomically; throws pfgm::Error when the file cannot be written.
  void save_png(const std::string& path) const;

 private:
  friend struct Painter;
  enum class Kind { Scatter, Line, Arrows };
  struct Series {
    Kind kind;
    std::vector<double> x, y, dx, dy;
    Color color;
    double size;  // radius for scatter, stroke width otherwise
    std::string label;
  };
  int width_, height_;
  std::string title_, x_label_, y_label_;
  std::optional<std::vector<double>> limits_;  // xmin, xmax, ymin, ymax
  bool log_y_ = false;
  std::vector<Series> series_;
};

// Saves `panels` in a grid with `columns` columns (row by row) into one PNG; each cell is as
// large as the largest panel.
void save_panels_png(const std::vector<const Figure*>& panels, int columns,
                     const std::string& path);

}  // namespace pfgm::plot
