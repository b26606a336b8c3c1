#include "domain_policy.h"

namespace cpucompat {

DomainPlan plan_domain_policy(const Mode &mode, const Policy &host_default, const CpuidFilters &user, GuestType guest,
                              const TemplateLibrary &lib, const std::vector<Policy> &pool) {
    DomainPlan p;
    p.template_name = mode.kind == Mode::Kind::pool ? "pool" : template_key(mode, host_default.vendor_id);
    const Policy normalized = normalize(host_default, mode, lib, pool, guest);
    p.cpuid = merge_cpuid(user, normalized, host_default);
    return p;
}

}  // namespace cpucompat
