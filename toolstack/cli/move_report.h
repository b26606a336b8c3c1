// How `cpucompat migrate` and `cpucompat evacuate` tell people what they
// do: one line per decision, a line per phase as it ends, the outcome.
// (With --json they print the move's JSON record instead.)
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "../../migration/decision.h"
#include "../../migration/restart.h"
#include "../../migration/xl_moves.h"

namespace cpucompat {

void print_decision(const std::string &domain, const std::string &host, const Decision &dec);
void print_phase(const PhaseRecord &p);
// The plan --dry-run shows for a live or restart move.
std::string plan_text(const MoveRequest &req, const std::string &domain, MoveKind kind, bool force_shutdown);
// The outcome line of a carried-out move (its JSON record).
void print_outcome(const std::string &domain, const nlohmann::ordered_json &record);

}  // namespace cpucompat
