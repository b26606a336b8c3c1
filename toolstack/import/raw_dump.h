// What the raw CPU dumps (InstLatx64, cpuid -r) share once their lines are
// read: a CPU prints every leaf up to its limits, so a feature leaf missing
// within them means the file was cut or edited, and leaves outside them
// (hypervisor 0x4000xxxx, AMD's 0x8fffffff, Centaur's 0xc000xxxx) are not
// part of the CPUID a guest can be shown.
#pragma once

#include <string>

#include "../core/policy.h"

namespace cpucompat {

// The policy of these leaves, keeping only the leaves within its limits.
// Throws Error naming `file` when leaf 0 is missing or unprintable, or when
// a leaf that carries features and lies within the limits is missing.
Policy policy_from_raw_dump(Leaves leaves, Msrs msrs, const std::string &file);

}  // namespace cpucompat
