// level(policies): the policy every member of a same-vendor group can run.
// Features are ANDed, except '|' features (absence-of-a-problem bits), which
// are ORed; limits are the minimum; the result is closed under Xen's deep
// dependencies, as Xen would sanitise it.
#pragma once

#include <vector>

#include "policy.h"

namespace cpucompat {

// Throws Error when `policies` is empty, or when vendors are mixed (the
// message lists each vendor with the indexes of its members).
Policy level(const std::vector<Policy> &policies);
// The same with an explicit set of OR-accumulated features (tests use it;
// level() passes the catalogue's '|' features).
Policy level(const std::vector<Policy> &policies, const Featureset &or_features);

// The other bound: everything any member has, limits at the maximum. It is
// the reference host of a level's cpuid= line (to_xl(level, union_of)),
// so the line hides the same features on every member. Throws Error when
// `policies` is empty.
Policy union_of(const std::vector<Policy> &policies);

}  // namespace cpucompat
