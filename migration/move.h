// The move of one domain once it is decided: what `cpucompat migrate` and
// `cpucompat evacuate` both do after their decision.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "decision.h"
#include "restart.h"
#include "xl_moves.h"

namespace cpucompat {

// The exit status of a restart's outcome: 0 moved; 1 not moved, the domain
// runs here; 3 running nowhere known (down, unknown).
int exit_status(RestartOutcome o);

// Runs a live move (xl migrate, its progress on this terminal) or a restart
// (restart.h), as `dec` says (live or restart). Tells on_phase of each phase
// as it ends; puts the phases, the outcome and any failure into `record`
// (what is printed and audited). Returns the exit status.
int carry_out_move(const MoveRequest &req, const DomainFacts &d, const ReceiverFacts &r, const Decision &dec,
                   bool force_shutdown, const std::function<void(const PhaseRecord &)> &on_phase,
                   nlohmann::ordered_json &record);

nlohmann::ordered_json phase_json(const PhaseRecord &p);

}  // namespace cpucompat
