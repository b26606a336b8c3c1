// merge_cpuid(user, policy, host): the domain's own `cpuid=` settings
// combined with a normalized policy, as libxl filters.
//
// Rules (xl.cfg's filter characters: '0' '1' 'x' 'k' 's'):
//  - every character the user wrote stays as written: explicit zeros hide
//    features the mode would show, fields such as family or maxleaf keep
//    the user's value;
//  - a user's '1' (or 'k'/'s' on a host that has it) for a feature the
//    policy hides is an error naming the feature: the mode promised it away;
//  - where the user wrote 'x' (or nothing), the policy's request goes in.
// The result replaces whole CPUID registers (libxl's xend form), so it is
// exact whatever was there; MSR features go as "name=value" items, which
// libxl merges bit by bit.
#pragma once

#include <string>
#include <vector>

#include "cpuid_filters.h"
#include "policy.h"

namespace cpucompat {

struct MergedCpuid {
    std::vector<std::string> xend_items;  // "0x1:ecx=...,edx=..." (whole registers)
    std::vector<std::string> msr_items;   // "rsba=0"
    Policy expected;                      // what Xen should then give the domain
};

// Throws Error naming every feature the user asks for that `policy` hides.
MergedCpuid merge_cpuid(const CpuidFilters &user, const Policy &policy, const Policy &host);

}  // namespace cpucompat
