#pragma once
// The ODE solvers a sampler or encoder may use, by name. What each one integrates, and how, is one
// entry of the solver table (solver_table.h).
#include <string>

namespace pfgm::samplers {

enum class Solver { Heun, Euler, RK45 };

Solver parse_solver(const std::string& name);  // a table name; pfgm::Error naming [solver] otherwise
std::string to_string(Solver s);
std::string solver_names(const char* separator = " | ");  // "heun | euler | rk45", for help texts

}  // namespace pfgm::samplers
