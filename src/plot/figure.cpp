// Cairo rendering of pfgm::plot::Figure: layout (margins from measured text), 1-2-5 and decade
// ticks, one cairo path per series, legend, and atomic PNG output.
#include "pfgm/plot/figure.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include <cairo.h>

#include "pfgm/core/error.h"
#include "pfgm/io/atomic_file.h"

namespace pfgm::plot {

namespace {

constexpr const char* kFont = "sans-serif";
constexpr double kPi = 3.14159265358979323846;

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using ContextPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

SurfacePtr make_surface(int w, int h) {
  SurfacePtr s(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h), cairo_surface_destroy);
  PFGM_CHECK(cairo_surface_status(s.get()) == CAIRO_STATUS_SUCCESS, "[plot] figure: cannot create a ",
             w, "x", h, " image (", cairo_status_to_string(cairo_surface_status(s.get())), ")");
  return s;
}

ContextPtr make_context(cairo_surface_t* s) {
  ContextPtr cr(cairo_create(s), cairo_destroy);
  cairo_set_antialias(cr.get(), CAIRO_ANTIALIAS_GOOD);
  return cr;
}

void write_png(cairo_surface_t* surface, const std::string& path) {
  const std::string tmp = io::temporary_path(path);
  cairo_status_t st = cairo_surface_write_to_png(surface, tmp.c_str());
  if (st != CAIRO_STATUS_SUCCESS) {
    std::remove(tmp.c_str());
    throw Error("[plot] " + path + ": cannot write PNG (" + cairo_status_to_string(st) + ")");
  }
  io::commit_file(tmp, path);
}

void set_color(cairo_t* cr, Color c) { cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a); }

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  return e.x_advance;
}

// Draws `text` with its baseline at y; halign 0 = left, 0.5 = centre, 1 = right.
void show_text(cairo_t* cr, const std::string& text, double x, double y, double halign) {
  cairo_move_to(cr, x - halign * text_width(cr, text), y);
  cairo_show_text(cr, text.c_str());
}

// A tick label: `base` optionally followed by a superscript (for 10^k).
struct Label {
  std::string base, sup;
};

double label_width(cairo_t* cr, const Label& l, double size) {
  set_font(cr, size);
  double w = text_width(cr, l.base);
  if (!l.sup.empty()) {
    set_font(cr, 0.7 * size);
    w += text_width(cr, l.sup);
  }
  return w;
}

void show_label(cairo_t* cr, const Label& l, double x, double y, double halign, double size) {
  x -= halign * label_width(cr, l, size);
  set_font(cr, size);
  cairo_move_to(cr, x, y);
  cairo_show_text(cr, l.base.c_str());
  if (!l.sup.empty()) {
    x += text_width(cr, l.base);
    set_font(cr, 0.7 * size);
    cairo_move_to(cr, x, y - 0.45 * size);
    cairo_show_text(cr, l.sup.c_str());
  }
}

struct Axis {
  double lo = 0, hi = 1;  // data limits
  bool log = false;
  std::vector<double> ticks, minor;  // data values
  std::vector<Label> labels;
  double to_unit(double v) const {  // 0 at lo, 1 at hi
    return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
               : (v - lo) / (hi - lo);
  }
};

double nice_step(double span, int target) {
  double raw = span / std::max(target, 1);
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  double m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

void linear_ticks(Axis& a, int target) {
  double step = nice_step(a.hi - a.lo, target);
  a.ticks.clear();
  a.labels.clear();
  double biggest = 0;
  for (double k = std::ceil(a.lo / step - 1e-9); k * step <= a.hi + 1e-9 * step; k += 1) {
    a.ticks.push_back(k == 0 ? 0.0 : k * step);
    biggest = std::max(biggest, std::abs(k * step));
  }
  const bool general = biggest >= 1e6 || step < 1e-4;
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  for (double v : a.ticks) {
    char buf[64];
    if (general) std::snprintf(buf, sizeof buf, "%.4g", v);
    else std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    a.labels.push_back({buf, ""});
  }
}

void log_ticks(Axis& a, int target) {
  const int klo = static_cast<int>(std::ceil(std::log10(a.lo) - 1e-9));
  const int khi = static_cast<int>(std::floor(std::log10(a.hi) + 1e-9));
  if (khi - klo + 1 < 2) {  // less than two decades shown: plain numbers read better
    linear_ticks(a, target);
    return;
  }
  const int stride = std::max(1, (khi - klo + target) / std::max(target, 1));
  a.ticks.clear();
  a.labels.clear();
  a.minor.clear();
  for (int k = klo; k <= khi; ++k) {
    if (((k % stride) + stride) % stride != 0) continue;
    a.ticks.push_back(std::pow(10.0, k));
    a.labels.push_back({"10", std::to_string(k)});
  }
  if (stride == 1 && khi - klo <= 8) {
    for (int k = klo - 1; k <= khi; ++k)
      for (int m = 2; m <= 9; ++m) {
        double v = m * std::pow(10.0, k);
        if (v >= a.lo && v <= a.hi) a.minor.push_back(v);
      }
  }
}

// Widens [lo, hi] by 5% on each side, or around a single value.
void pad(double& lo, double& hi) {
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {
    double d = lo == 0 ? 0.5 : 0.1 * std::abs(lo);
    lo -= d;
    hi += d;
  } else {
    double m = 0.05 * (hi - lo);
    lo -= m;
    hi += m;
  }
}

// Liang-Barsky: clips segment (x0,y0)-(x1,y1) to the box; returns false when nothing is left.
// t0/t1 receive the kept parameter range.
bool clip_segment(double x0, double y0, double x1, double y1, const std::array<double, 4>& box,
                  double& t0, double& t1) {
  t0 = 0;
  t1 = 1;
  const double dx = x1 - x0, dy = y1 - y0;
  auto edge = [&](double p, double q) {
    if (p == 0) return q >= 0;
    double r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      t0 = std::max(t0, r);
    } else {
      if (r < t0) return false;
      t1 = std::min(t1, r);
    }
    return true;
  };
  return edge(-dx, x0 - box[0]) && edge(dx, box[2] - x0) && edge(-dy, y0 - box[1]) &&
         edge(dy, box[3] - y0);
}

void check_color(Color c, const char* what) {
  for (double v : {c.r, c.g, c.b, c.a})
    PFGM_CHECK(v >= 0 && v <= 1, "[plot] ", what, ": colour components must be in [0, 1], got (",
               c.r, ", ", c.g, ", ", c.b, ", ", c.a, ")");
}

void check_same_size(const std::vector<double>& a, const std::vector<double>& b, const char* what,
                     const char* names) {
  PFGM_CHECK(a.size() == b.size(), "[plot] ", what, ": ", names, " differ in length: got ",
             a.size(), " and ", b.size());
}

}  // namespace

Color palette(int i) {
  static const std::array<Color, 10> tab10 = {{{0.122, 0.467, 0.706},
                                                {1.000, 0.498, 0.055},
                                                {0.173, 0.627, 0.173},
                                                {0.839, 0.153, 0.157},
                                                {0.580, 0.404, 0.741},
                                                {0.549, 0.337, 0.294},
                                                {0.890, 0.467, 0.761},
                                                {0.498, 0.498, 0.498},
                                                {0.737, 0.741, 0.133},
                                                {0.090, 0.745, 0.812}}};
  return tab10[((i % 10) + 10) % 10];
}

// ---------------------------------------------------------------------------------------------
// Figure setters

Figure::Figure(int width_px, int height_px) : width_(width_px), height_(height_px) {
  PFGM_CHECK(width_px >= 64 && width_px <= 16384 && height_px >= 64 && height_px <= 16384,
             "[plot] figure: size must be 64..16384 px per side, got ", width_px, "x", height_px);
}

void Figure::set_title(std::string title) { title_ = std::move(title); }

void Figure::set_labels(std::string x_label, std::string y_label) {
  x_label_ = std::move(x_label);
  y_label_ = std::move(y_label);
}

void Figure::set_limits(double xmin, double xmax, double ymin, double ymax) {
  PFGM_CHECK(std::isfinite(xmin) && std::isfinite(xmax) && std::isfinite(ymin) &&
                 std::isfinite(ymax) && xmin < xmax && ymin < ymax,
             "[plot] figure: limits need xmin < xmax and ymin < ymax, all finite; got x [", xmin,
             ", ", xmax, "], y [", ymin, ", ", ymax, "]");
  limits_ = std::vector<double>{xmin, xmax, ymin, ymax};
}

void Figure::set_log_y(bool log_y) { log_y_ = log_y; }

void Figure::scatter(const std::vector<double>& x, const std::vector<double>& y, Color color,
                     double radius_px, std::string label) {
  check_same_size(x, y, "scatter", "x and y");
  check_color(color, "scatter");
  PFGM_CHECK(radius_px > 0 && radius_px < 1000, "[plot] scatter: radius must be in (0, 1000) px, got ",
             radius_px);
  series_.push_back({Kind::Scatter, x, y, {}, {}, color, radius_px, std::move(label)});
}

void Figure::line(const std::vector<double>& x, const std::vector<double>& y, Color color,
                  double width_px, std::string label) {
  check_same_size(x, y, "line", "x and y");
  check_color(color, "line");
  PFGM_CHECK(width_px > 0 && width_px < 1000, "[plot] line: width must be in (0, 1000) px, got ",
             width_px);
  series_.push_back({Kind::Line, x, y, {}, {}, color, width_px, std::move(label)});
}

void Figure::arrows(const std::vector<double>& x, const std::vector<double>& y,
                    const std::vector<double>& dx, const std::vector<double>& dy, Color color,
                    double width_px, std::string label) {
  check_same_size(x, y, "arrows", "x and y");
  check_same_size(x, dx, "arrows", "x and dx");
  check_same_size(x, dy, "arrows", "x and dy");
  check_color(color, "arrows");
  PFGM_CHECK(width_px > 0 && width_px < 1000, "[plot] arrows: width must be in (0, 1000) px, got ",
             width_px);
  series_.push_back({Kind::Arrows, x, y, dx, dy, color, width_px, std::move(label)});
}

// ---------------------------------------------------------------------------------------------
// Painter: layout and drawing of one figure at the origin of a cairo context.

struct Painter {
  const Figure& f;
  cairo_t* cr;
  double s;  // scale of fonts and margins
  double fs_tick, fs_label, fs_title, tick_len;
  Axis xa, ya;
  double left = 0, top = 0, pw = 1, ph = 1;  // plot rectangle

  Painter(const Figure& fig, cairo_t* context) : f(fig), cr(context) {
    s = std::clamp(std::sqrt(std::sqrt(double(f.width_) * f.height_) / 600.0), 0.75, 2.0);
    fs_tick = 12 * s;
    fs_label = 14 * s;
    fs_title = 16 * s;
    tick_len = 5 * s;
    limits();
    layout();
  }

  bool usable(double x, double y) const {
    return std::isfinite(x) && std::isfinite(y) && (!f.log_y_ || y > 0);
  }

  void limits() {
    xa.log = false;
    ya.log = f.log_y_;
    if (f.limits_) {
      const auto& l = *f.limits_;
      PFGM_CHECK(!f.log_y_ || l[2] > 0, "[plot] figure: a log y axis needs ymin > 0, got ", l[2]);
      xa.lo = l[0], xa.hi = l[1], ya.lo = l[2], ya.hi = l[3];
      return;
    }
    const double inf = std::numeric_limits<double>::infinity();
    double x0 = inf, x1 = -inf, y0 = inf, y1 = -inf;
    auto add = [&](double x, double y) {
      if (!usable(x, y)) return;
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    };
    for (const auto& sr : f.series_)
      for (size_t i = 0; i < sr.x.size(); ++i) {
        add(sr.x[i], sr.y[i]);
        if (sr.kind == Figure::Kind::Arrows) add(sr.x[i] + sr.dx[i], sr.y[i] + sr.dy[i]);
      }
    if (x0 > x1) {  // nothing to show
      xa.lo = 0, xa.hi = 1;
      ya.lo = f.log_y_ ? 1 : 0, ya.hi = f.log_y_ ? 10 : 1;
      return;
    }
    pad(x0, x1);
    if (f.log_y_) {
      y0 = std::log10(y0), y1 = std::log10(y1);
      pad(y0, y1);
      y0 = std::pow(10.0, y0), y1 = std::pow(10.0, y1);
    } else {
      pad(y0, y1);
    }
    xa.lo = x0, xa.hi = x1, ya.lo = y0, ya.hi = y1;
  }

  void make_ticks(Axis& a, int target) {
    if (a.log) log_ticks(a, target);
    else linear_ticks(a, target);
  }

  void layout() {
    const double W = f.width_, H = f.height_;
    const double edge = 10 * s, gap = 4 * s;
    top = std::round(edge + (f.title_.empty() ? 0.5 * fs_tick : 1.8 * fs_title));
    double bottom = edge + tick_len + gap + fs_tick + (f.x_label_.empty() ? 0 : gap + 1.3 * fs_label);
    ph = std::max(1.0, std::round(H - top - bottom));
    make_ticks(ya, std::clamp(static_cast<int>(ph / (60 * s)), 2, 10));
    double widest = 0;
    for (const auto& l : ya.labels) widest = std::max(widest, label_width(cr, l, fs_tick));
    left = std::round(edge + (f.y_label_.empty() ? 0 : 1.3 * fs_label + gap) + widest + gap + tick_len);
    pw = std::max(1.0, std::round(W - left - 20 * s));
    // Fewer x ticks until their labels fit side by side.
    for (int target = std::clamp(static_cast<int>(pw / (90 * s)), 2, 10);; --target) {
      make_ticks(xa, target);
      double total = 0;
      for (const auto& l : xa.labels) total += label_width(cr, l, fs_tick) + 2 * fs_tick;
      if (total <= pw || target <= 1) break;
    }
  }

  double px(double x) const { return left + xa.to_unit(x) * pw; }
  double py(double y) const { return top + ph - ya.to_unit(y) * ph; }
  static double crisp(double v) { return std::round(v) + 0.5; }

  void draw() {
    cairo_save(cr);
    draw_grid();
    cairo_save(cr);
    cairo_rectangle(cr, left, top, pw, ph);
    cairo_clip(cr);
    for (const auto& sr : f.series_) {
      switch (sr.kind) {
        case Figure::Kind::Scatter: draw_scatter(sr); break;
        case Figure::Kind::Line: draw_line(sr); break;
        case Figure::Kind::Arrows: draw_arrows(sr); break;
      }
    }
    cairo_restore(cr);  // drops the plot-area clip
    draw_axes();
    draw_legend();
    cairo_restore(cr);
  }

  void draw_grid() {
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    for (double t : xa.ticks) {
      cairo_move_to(cr, crisp(px(t)), top);
      cairo_line_to(cr, crisp(px(t)), top + ph);
    }
    for (double t : ya.ticks) {
      cairo_move_to(cr, left, crisp(py(t)));
      cairo_line_to(cr, left + pw, crisp(py(t)));
    }
    cairo_stroke(cr);
  }

  void draw_scatter(const Figure::Series& sr) {
    const double r = sr.size;
    const bool each = sr.color.a < 1;  // translucent dots accumulate, so fill them one by one
    set_color(cr, sr.color);
    cairo_new_path(cr);
    for (size_t i = 0; i < sr.x.size(); ++i) {
      if (!usable(sr.x[i], sr.y[i])) continue;
      const double x = px(sr.x[i]), y = py(sr.y[i]);
      if (!(x > left - r && x < left + pw + r && y > top - r && y < top + ph + r)) continue;
      cairo_new_sub_path(cr);
      cairo_arc(cr, x, y, r, 0, 2 * kPi);
      if (each) cairo_fill(cr);
    }
    cairo_fill(cr);
  }

  void draw_line(const Figure::Series& sr) {
    set_color(cr, sr.color);
    cairo_set_line_width(cr, sr.size);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_new_path(cr);
    const double m = 10 + sr.size;
    const std::array<double, 4> box = {left - m, top - m, left + pw + m, top + ph + m};
    bool have_prev = false, pen_at_prev = false;
    double x0 = 0, y0 = 0;
    for (size_t i = 0; i < sr.x.size(); ++i) {
      const bool ok = usable(sr.x[i], sr.y[i]);
      const double x1 = ok ? px(sr.x[i]) : 0, y1 = ok ? py(sr.y[i]) : 0;
      if (!ok || !std::isfinite(x1) || !std::isfinite(y1)) {
        have_prev = pen_at_prev = false;  // break the line
        continue;
      }
      if (have_prev) {
        double t0, t1;
        if (clip_segment(x0, y0, x1, y1, box, t0, t1)) {
          if (!(pen_at_prev && t0 == 0)) cairo_move_to(cr, x0 + t0 * (x1 - x0), y0 + t0 * (y1 - y0));
          cairo_line_to(cr, x0 + t1 * (x1 - x0), y0 + t1 * (y1 - y0));
          pen_at_prev = t1 == 1;
        } else {
          pen_at_prev = false;
        }
      }
      have_prev = true, x0 = x1, y0 = y1;
    }
    cairo_stroke(cr);
  }

  // Adds an arrow's shaft (to stroke) or head (to fill) to the path; skips arrows under 0.5 px.
  void arrow_path(double x0, double y0, double x1, double y1, double w, bool shaft) {
    const double len = std::hypot(x1 - x0, y1 - y0);
    if (len < 0.5) return;
    const double head = std::min(4.0 + 3.0 * w, 0.5 * len);
    const double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
    const double bx = x1 - head * ux, by = y1 - head * uy, hw = 0.45 * head;
    if (shaft) {
      cairo_move_to(cr, x0, y0);
      cairo_line_to(cr, bx, by);
    } else {
      cairo_move_to(cr, x1, y1);
      cairo_line_to(cr, bx - hw * uy, by + hw * ux);
      cairo_line_to(cr, bx + hw * uy, by - hw * ux);
      cairo_close_path(cr);
    }
  }

  void draw_arrows(const Figure::Series& sr) {
    set_color(cr, sr.color);
    cairo_set_line_width(cr, sr.size);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    const double far = 1e5;
    for (bool shaft : {true, false}) {
      cairo_new_path(cr);
      for (size_t i = 0; i < sr.x.size(); ++i) {
        const double xe = sr.x[i] + sr.dx[i], ye = sr.y[i] + sr.dy[i];
        if (!usable(sr.x[i], sr.y[i]) || !usable(xe, ye)) continue;
        const double x0 = px(sr.x[i]), y0 = py(sr.y[i]), x1 = px(xe), y1 = py(ye);
        if (std::max({std::abs(x0), std::abs(y0), std::abs(x1), std::abs(y1)}) > far) continue;
        arrow_path(x0, y0, x1, y1, sr.size, shaft);
      }
      if (shaft) cairo_stroke(cr);
      else cairo_fill(cr);
    }
  }

  void draw_axes() {
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE);
    cairo_rectangle(cr, left + 0.5, top + 0.5, pw - 1, ph - 1);
    for (double t : xa.ticks) {
      cairo_move_to(cr, crisp(px(t)), top + ph);
      cairo_line_to(cr, crisp(px(t)), top + ph + tick_len);
    }
    for (double t : ya.ticks) {
      cairo_move_to(cr, left, crisp(py(t)));
      cairo_line_to(cr, left - tick_len, crisp(py(t)));
    }
    for (double t : ya.minor) {
      cairo_move_to(cr, left, crisp(py(t)));
      cairo_line_to(cr, left - 0.6 * tick_len, crisp(py(t)));
    }
    cairo_stroke(cr);

    const double gap = 4 * s, digit_h = 0.72 * fs_tick;
    for (size_t i = 0; i < xa.ticks.size(); ++i)
      show_label(cr, xa.labels[i], px(xa.ticks[i]), top + ph + tick_len + gap + digit_h, 0.5,
                 fs_tick);
    for (size_t i = 0; i < ya.ticks.size(); ++i)
      show_label(cr, ya.labels[i], left - tick_len - gap, py(ya.ticks[i]) + digit_h / 2, 1.0,
                 fs_tick);

    const double edge = 10 * s;
    set_font(cr, fs_label);
    if (!f.x_label_.empty())
      show_text(cr, f.x_label_, left + pw / 2, f.height_ - edge - 0.25 * fs_label, 0.5);
    if (!f.y_label_.empty()) {
      cairo_save(cr);
      cairo_translate(cr, edge + 0.95 * fs_label, top + ph / 2);
      cairo_rotate(cr, -kPi / 2);
      show_text(cr, f.y_label_, 0, 0, 0.5);
      cairo_restore(cr);
    }
    if (!f.title_.empty()) {
      set_font(cr, fs_title, true);
      show_text(cr, f.title_, left + pw / 2, edge + fs_title, 0.5);
    }
  }

  void draw_legend() {
    std::vector<const Figure::Series*> items;
    for (const auto& sr : f.series_)
      if (!sr.label.empty()) items.push_back(&sr);
    if (items.empty()) return;
    const double fs = fs_tick, row = 1.5 * fs, swatch = 22 * s, gap = 6 * s;
    set_font(cr, fs);
    double widest = 0;
    for (const auto* sr : items) widest = std::max(widest, text_width(cr, sr->label));
    const double w = gap + swatch + gap + widest + gap, h = row * items.size() + gap;
    const double x = left + pw - w - gap, y = top + gap;
    cairo_rectangle(cr, crisp(x), crisp(y), std::round(w), std::round(h));
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& sr = *items[i];
      const double cy = y + gap / 2 + row * (i + 0.5), sx = x + gap;
      Color c = sr.color;
      c.a = std::max(c.a, 0.8);
      set_color(cr, c);
      if (sr.kind == Figure::Kind::Scatter) {
        cairo_arc(cr, sx + swatch / 2, cy, std::clamp(sr.size, 2.5 * s, 5 * s), 0, 2 * kPi);
        cairo_fill(cr);
      } else {
        cairo_set_line_width(cr, std::min(sr.size, 0.4 * row));
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
        if (sr.kind == Figure::Kind::Line) {
          cairo_move_to(cr, sx, cy);
          cairo_line_to(cr, sx + swatch, cy);
          cairo_stroke(cr);
        } else {
          arrow_path(sx, cy, sx + swatch, cy, sr.size, true);
          cairo_stroke(cr);
          arrow_path(sx, cy, sx + swatch, cy, sr.size, false);
          cairo_fill(cr);
        }
      }
      cairo_set_source_rgb(cr, 0, 0, 0);
      set_font(cr, fs);
      show_text(cr, sr.label, sx + swatch + gap, cy + 0.36 * fs, 0);
    }
  }
};

std::pair<double, double> Figure::to_pixel(double x, double y) const {
  SurfacePtr surface = make_surface(1, 1);
  ContextPtr cr = make_context(surface.get());
  Painter p(*this, cr.get());
  return {p.px(x), p.py(y)};
}

void Figure::save_png(const std::string& path) const { save_panels_png({this}, 1, path); }

void save_panels_png(const std::vector<const Figure*>& panels, int columns,
                     const std::string& path) {
  PFGM_CHECK(!panels.empty(), "[plot] ", path, ": no panels to save");
  PFGM_CHECK(columns >= 1, "[plot] ", path, ": columns must be >= 1, got ", columns);
  int cell_w = 0, cell_h = 0;
  for (const Figure* f : panels) {
    PFGM_CHECK(f != nullptr, "[plot] ", path, ": null panel");
    cell_w = std::max(cell_w, f->width()), cell_h = std::max(cell_h, f->height());
  }
  const int n = static_cast<int>(panels.size());
  const int cols = std::min(columns, n), rows = (n + cols - 1) / cols;
  PFGM_CHECK(cols * cell_w <= 32767 && rows * cell_h <= 32767, "[plot] ", path,
             ": picture too large (", cols * cell_w, "x", rows * cell_h, " px)");
  SurfacePtr surface = make_surface(cols * cell_w, rows * cell_h);
  ContextPtr cr = make_context(surface.get());
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  for (int i = 0; i < n; ++i) {
    cairo_save(cr.get());
    cairo_translate(cr.get(), (i % cols) * cell_w, (i / cols) * cell_h);
    cairo_rectangle(cr.get(), 0, 0, panels[i]->width(), panels[i]->height());
    cairo_clip(cr.get());
    Painter(*panels[i], cr.get()).draw();
    cairo_restore(cr.get());
  }
  cairo_surface_flush(surface.get());
  write_png(surface.get(), path);
}

}  // namespace pfgm::plot
