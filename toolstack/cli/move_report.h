// How `cpucompat migrate` and `cpucompat evacuate` tell people what they
// do: one line per decision, a line per phase as it ends, the outcome.
// (With --json they print the move's JSON record instead.)
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "../../migration/decision.h"
#include "../../migration/move.h"
#include "../../migration/restart.h"
#include "../../migration/xl_moves.h"

namespace cpucompat {

void print_decision(const std::string &domain, const std::string &host, const Decision &dec);
void print_phase(const PhaseRecord &p);
// The plan --dry-run shows for a live or restart move.
std::string plan_text(const MoveRequest &req, const std::string &domain, MoveKind kind, bool force_shutdown);
// The outcome line of a carried-out move.
void print_outcome(const std::string &domain, const MoveResult &m);
// Progress of a move: each phase as it starts and ends (quiet with --json,
// where stdout is the record; the phases are in it), the current phase
// told to StopSignals, and StopSignals asked whether to stop.
MoveProgress move_progress(const std::string &domain, bool json);

}  // namespace cpucompat
