// plan_domain_policy: everything the plugin decides for a new domain, from
// values: the normalized policy for this host and mode, merged with the
// domain's own cpuid= settings (cpuid_merge.h).
#pragma once

#include <string>
#include <vector>

#include "cpuid_merge.h"
#include "normalize.h"

namespace cpucompat {

struct DomainPlan {
    std::string template_name;  // template_key(): "vendor-amd", "x86-64-v2", "pool"
    MergedCpuid cpuid;          // cpuid.expected is what Xen must then apply
};

// host_default: Xen's PV or HVM default policy of this host (what a domain
// gets without cpuid=). Throws BelowFloorError (host lacks what the mode
// requires) or Error (unknown template, user asks for hidden features).
DomainPlan plan_domain_policy(const Mode &mode, const Policy &host_default, const CpuidFilters &user, GuestType guest,
                              const TemplateLibrary &lib, const std::vector<Policy> &pool = {});

}  // namespace cpucompat
