#include "to_xl.h"

#include "catalogue.h"
#include "cpuid_filters.h"

namespace cpucompat {

std::string XlCpuid::config_value() const {
    std::string out;
    if (form == Form::libxl_string) {
        for (const auto &i : items) out += (out.empty() ? "" : ",") + i;
        return "\"" + out + "\"";
    }
    for (const auto &i : items) out += std::string(out.empty() ? "" : ", ") + "\"" + i + "\"";
    return "[" + out + "]";
}

char feature_request(const FeatureInfo &f, const Policy &policy, const Policy &host) {
    if (!f.guest_capable() || Catalogue::get().state_bits().test(f.id)) return 'x';  // Xen decides these
    // Xen's default is the host's default-on features; write only the
    // differences from it.
    if (!policy.features.test(f.id)) return f.guest_default() && host.features.test(f.id) ? '0' : 'x';
    return f.guest_default() ? 'x' : '1';
}

namespace {

XlCpuid string_form(const Policy &policy, const Policy &host) {
    XlCpuid x;
    x.items.push_back("host");
    for (const auto &f : Catalogue::get().features()) {
        const char r = feature_request(f, policy, host);
        if (r != 'x') x.items.push_back(std::string(f.name) + "=" + r);
    }
    if (policy.max_leaf < host.max_leaf) x.items.push_back("maxleaf=" + std::to_string(policy.max_leaf));
    return x;
}

XlCpuid xend_form(const Policy &policy, const Policy &host) {
    CpuidFilters filters;
    for (const auto &f : Catalogue::get().features())
        if (const char r = feature_request(f, policy, host); r != 'x') filters.set_cpuid_feature(f, r);  // MSR features: string form only
    filters.lower_limits(policy, host);
    XlCpuid x;
    x.form = XlCpuid::Form::xend_list;
    x.items = filters.xend_items();
    return x;
}

}  // namespace

XlCpuid to_xl(const Policy &policy, const Policy &host) {
    if (policy.max_extd_leaf < host.max_extd_leaf || policy.max_subleaf7 < host.max_subleaf7) return xend_form(policy, host);
    return string_form(policy, host);
}

}  // namespace cpucompat
