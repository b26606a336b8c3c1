// A pool as cpucompat judges it: its hosts (each by the max policy it
// publishes) and domains running on them. Pure: values in, values out; the
// CLI (`cpucompat pool status|what-if`) gathers the values.
//
//   pool_levels   the level of each vendor's hosts, as mode `pool` takes it
//   mobility      where a domain could go now: live, by restart, or not
//   what_if       the same pool after hosts are added and removed: how each
//                 vendor's level moves, and every domain that loses a live
//                 target, must leave a removed host, or whose guest would
//                 not boot at its vendor's new level on its next start
//
// Invariants the tests pin:
//   - levels are per vendor (never across vendors) and are level() of that
//     vendor's hosts, in vendor-id order;
//   - a domain is never judged movable to its own host;
//   - a change that adds and removes nothing yields no impact;
//   - nothing is guessed: a host named twice, a removal of a host not in the
//     pool, or an addition under a name already in it is an Error.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../toolstack/core/cpu_template.h"
#include "../toolstack/core/policy.h"
#include "decision.h"

namespace cpucompat {

struct PoolHost {
    std::string name;
    Policy max;  // the host's max policy (its published fingerprint)
};

struct PoolDomain {
    std::string name, host;  // host: the pool host it runs on
    GuestType guest = GuestType::hvm;
    Policy policy;  // what it runs (its record's)
    LiveCapability live;
    RestartFit restart;  // its record's mode and guest
};

struct VendorLevel {
    std::string vendor_id;
    std::vector<std::string> hosts;  // in pool order
    Policy level;
};

// Throws Error when two hosts share a name (or the pool is empty).
std::vector<VendorLevel> pool_levels(const std::vector<PoolHost> &hosts);

struct Mobility {
    std::vector<std::string> live, restart;                    // host names
    std::vector<std::pair<std::string, std::string>> refused;  // host, why not
};

// Every host of `hosts` but the domain's own, judged as `cpucompat migrate
// --allow-restart` would (decide() and the restart's fit). A domain in mode
// `pool` would get the level of that host's vendor in `hosts` there.
Mobility mobility(const PoolDomain &d, const std::vector<PoolHost> &hosts, const TemplateLibrary &lib);

struct PoolChange {
    std::vector<PoolHost> add;
    std::vector<std::string> remove;
};

struct LevelShift {
    std::string vendor_id;
    std::optional<Policy> before, after;  // none: no host of this vendor
    Featureset lost, gained;              // features of the level
    std::vector<LimitExceeded> lowered;   // `guest` = before, `host` = after
    bool changed() const { return !lost.empty() || !gained.empty() || !lowered.empty() || before.has_value() != after.has_value(); }
};

struct DomainImpact {
    std::string domain, host;
    std::vector<std::string> live_lost;    // took it live before, not after (removed hosts too)
    std::vector<std::string> live_gained;  // added hosts that take it live
    bool host_removed = false;             // it must leave its host
    Mobility after;                        // where it could go after the change
    // Mode `pool`: its guest's missing features at its vendor's level after
    // the change (its next start there); guest_refusal()'s line, or "".
    std::string guest_after;
    bool affected() const { return !live_lost.empty() || host_removed || !guest_after.empty(); }
};

struct WhatIf {
    std::vector<VendorLevel> before, after;
    std::vector<LevelShift> shifts;     // every vendor of before or after, in vendor-id order
    std::vector<DomainImpact> domains;  // in the order given
};

WhatIf what_if(const std::vector<PoolHost> &hosts, const std::vector<PoolDomain> &domains, const PoolChange &change,
               const TemplateLibrary &lib);

}  // namespace cpucompat
