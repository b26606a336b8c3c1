#include "cpuid_merge.h"

#include "catalogue.h"
#include "error.h"
#include "to_xl.h"

namespace cpucompat {

MergedCpuid merge_cpuid(const CpuidFilters &user, const Policy &policy, const Policy &host) {
    const Catalogue &cat = Catalogue::get();
    CpuidFilters out{user.cpuid, {}};
    MergedCpuid m;
    m.expected = policy;
    std::string refused;
    for (const FeatureInfo &f : cat.features()) {
        const char u = user.feature_char(f.id);
        const bool shown = policy.features.test(f.id);
        if (u == '0') {
            m.expected.features.clear(f.id);
            continue;
        }
        if (u == '1' || ((u == 'k' || u == 's') && host.features.test(f.id))) {
            if (!shown && cat.toolstack_controlled().test(f.id)) refused += std::string(refused.empty() ? "" : " ") + f.name;
            continue;
        }
        const char r = feature_request(f, policy, host);
        if (r == 'x') continue;
        if (!out.set_cpuid_feature(f, r)) m.msr_items.push_back(std::string(f.name) + "=" + r);
    }
    if (!refused.empty())
        throw Error("cpuid= asks for feature(s) that cpu_compat hides: " + refused +
                    " (remove them from cpuid=, or choose a mode that has them)");
    // Limits: lowered where the user left the register alone (no feature
    // lives in a limit register, so a written one is the user's).
    out.lower_limits(policy, host);
    m.expected.features = cat.close_under_deps(m.expected.features);
    m.xend_items = out.xend_items();
    return m;
}

}  // namespace cpucompat
