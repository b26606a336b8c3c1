#include "cpu_template.h"

#include <algorithm>

#include "catalogue.h"

namespace cpucompat {

Policy apply_template(const Policy &host, const CpuTemplate &t, GuestType guest) {
    if (!t.vendor_id.empty() && t.vendor_id != host.vendor_id)
        throw Error("template \"" + t.name + "\" is for " + t.vendor_id + " CPUs; this host is " + host.vendor_id);
    Policy out;
    out.vendor_id = host.vendor_id;
    out.family = host.family;
    out.model = host.model;
    out.stepping = host.stepping;
    out.features = host.features & Catalogue::get().guest_default_view();
    if (t.require) {
        const Featureset require = guest == GuestType::pv ? t.require->minus(Catalogue::get().hvm_only()) : *t.require;
        const Featureset missing = require.minus(host.features).minus(Catalogue::get().state_bits());
        if (!missing.empty()) {
            std::vector<FeatureId> ids;
            std::string names;
            for (const auto &f : Catalogue::get().features())
                if (missing.test(f.id)) {
                    ids.push_back(f.id);
                    names += std::string(names.empty() ? "" : " ") + f.name;
                }
            throw BelowFloorError("host is below the floor of \"" + t.name + "\": it lacks " + names, std::move(ids));
        }
        out.features = require;
    }
    const Catalogue &cat = Catalogue::get();
    out.features = cat.close_under_deps(out.features.minus(t.hide).minus(cat.state_bits()) | (host.features & cat.state_bits()));
    out.max_leaf = std::min(host.max_leaf, t.max_leaf.value_or(host.max_leaf));
    out.max_extd_leaf = std::min(host.max_extd_leaf, t.max_extd_leaf.value_or(host.max_extd_leaf));
    out.max_subleaf7 = std::min(host.max_subleaf7, t.max_subleaf7.value_or(host.max_subleaf7));
    return out;
}

}  // namespace cpucompat
