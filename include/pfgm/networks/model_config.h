#pragma once
// One configuration schema for every model: the preconditioner's constructor arguments as the
// official EDMPrecond takes them (model_type, D, pfgmpp, sigma_data, network arguments), plus the
// physics a checkpoint needs to be sampled without flags. Stored as JSON in checkpoint metadata.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pfgm::networks {

enum class Precond { EDM, PFGM };  // PFGM++/EDM denoiser D(x; σ), or the original PFGM field v(x, z)

// The network family, stored as the official class name in "model_type": the vector MLP, EDM's
// DDPM++/NCSN++ (SongUNet) and ADM (DhariwalUNet), and the original PFGM's NCSN++ (NCSNpp).
enum class NetworkFamily { ToyMLP, SongUNet, DhariwalUNet, NCSNpp };

struct ModelConfig {
  NetworkFamily family = NetworkFamily::ToyMLP;  // "model_type"
  Precond precond = Precond::EDM;
  int64_t N = 2;                       // data dimension
  double D = 128;                      // augmented dimensions (kInfiniteD: diffusion); PFGM: 1
  double sigma_data = 0.5;             // σ_data of the preconditioning
  double sigma_min = 0.002;            // sampling range of σ (EDM/PFGM++)
  double sigma_max = 80;
  double P_mean = -1.2, P_std = 1.2;   // training σ distribution
  double radius_quantile = 1;          // finite D / PFGM: training kernel and prior truncated at R ≤ k_q·r; 1 = exact
  double z_max = 40, z_min = 1e-3;     // PFGM sampling range of z
  double gamma = 5;                    // PFGM field normalisation γ
  double upper_norm = 0;               // PFGM prior clip R ≤ upper_norm (official sampling); 0 = exact law
  double z_exp = 0;                    // PFGM: below z = z_exp, v_z is recomputed from ‖v_x‖ (spec 7.5); 0 = off
  nlohmann::json network;              // the network's own arguments (all other keys)

  bool is_image() const { return family != NetworkFamily::ToyMLP; }
  int64_t img_resolution() const;             // image networks: H = W; 0 for vector data
  int64_t img_channels() const;               // image networks: C; 0 for vector data
  std::vector<int64_t> sample_shape() const;  // [C, H, W] for images, [N] for vector data
  int64_t label_dim() const;                  // classes of a conditional model, 0 if unconditional

  void check() const;  // every physics value in its range; throws pfgm::Error naming the key
  nlohmann::json to_json() const;
  static ModelConfig from_json(const nlohmann::json& j);  // unknown keys go to `network`; throws pfgm::Error
};

std::string to_string(Precond p);
std::string to_string(NetworkFamily f);  // the official class name
NetworkFamily parse_network_family(const std::string& model_type);  // throws pfgm::Error

}  // namespace pfgm::networks
