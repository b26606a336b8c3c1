// plan_evacuation(): where each domain of a host goes when the host is to
// be emptied (maintenance, rolling upgrades), decided before anything
// moves. Pure: facts in, placements out.
//
// Each domain goes to a target with memory for it, by decide() (decision.h)
// against that target's max policy for its guest type: a live move first,
// else a restart (vendors differ, or --allow-restart); among equals, the
// target with the most memory left. Larger domains are placed first, so they
// find room before small ones fill it. A domain no target takes stays where
// it is, with every target's reason. A restart is chosen only onto a target
// where the domain's mode gives it a policy its guest boots with
// (restart_refusal, decision.h; `lib` holds the modes' templates).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../toolstack/core/cpu_template.h"
#include "decision.h"

namespace cpucompat {

struct Evacuee {
    std::string name;
    GuestType guest = GuestType::pv;
    Policy policy;  // its record's, else what Xen applied
    uint64_t memory_kb = 0;
    LiveCapability live;  // whether this host can move it live
    RestartFit restart = {};  // what a restart must give it (its record's mode and guest)
};

struct EvacuationTarget {
    std::string host;
    std::optional<Policy> pv_max, hvm_max;  // nullopt: it runs no such guests
    uint64_t free_kb = 0;
    std::string unavailable;  // why it takes nothing (unreachable, ...), if so
};

struct Placement {
    std::string domain;
    std::string host;   // "" when no target takes it
    Decision decision;  // towards `host`; kind refuse when none
    std::vector<std::pair<std::string, std::string>> rejected;  // target, why not
};

// Placements in the order of `domains`.
std::vector<Placement> plan_evacuation(const std::vector<Evacuee> &domains, const std::vector<EvacuationTarget> &targets,
                                       const MoveOptions &o, const TemplateLibrary &lib);

}  // namespace cpucompat
