#include "level.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "catalogue.h"
#include "error.h"

namespace cpucompat {

Policy level(const std::vector<Policy> &policies) { return level(policies, Catalogue::get().with_attr('|')); }

Policy level(const std::vector<Policy> &policies, const Featureset &or_features) {
    if (policies.empty()) throw Error("level needs at least one policy");
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < policies.size(); ++i) groups[policies[i].vendor_id].push_back(i);
    if (groups.size() > 1) {
        std::string msg = "cannot level across vendors:";
        for (const auto &[vendor, idx] : groups) {
            msg += " " + vendor + " (inputs";
            for (std::size_t i : idx) msg += " " + std::to_string(i + 1);
            msg += ")";
        }
        throw Error(msg);
    }
    Policy out;
    const Policy &first = policies.front();
    out.vendor_id = first.vendor_id;
    out.max_leaf = first.max_leaf;
    out.max_extd_leaf = first.max_extd_leaf;
    out.max_subleaf7 = first.max_subleaf7;
    Featureset all = first.features, any = first.features;
    // The signature shown is the oldest member's: the level is what that
    // CPU (and so every member) can offer.
    const Policy *oldest = &first;
    for (const Policy &p : policies) {
        all &= p.features;
        any |= p.features;
        out.max_leaf = std::min(out.max_leaf, p.max_leaf);
        out.max_extd_leaf = std::min(out.max_extd_leaf, p.max_extd_leaf);
        out.max_subleaf7 = std::min(out.max_subleaf7, p.max_subleaf7);
        if (std::tie(p.family, p.model, p.stepping) < std::tie(oldest->family, oldest->model, oldest->stepping)) oldest = &p;
    }
    out.family = oldest->family;
    out.model = oldest->model;
    out.stepping = oldest->stepping;
    out.features = Catalogue::get().close_under_deps(all | (any & or_features));
    return out;
}

Policy union_of(const std::vector<Policy> &policies) {
    if (policies.empty()) throw Error("union_of needs at least one policy");
    Policy u = policies.front();
    for (const auto &p : policies) {
        u.features |= p.features;
        u.max_leaf = std::max(u.max_leaf, p.max_leaf);
        u.max_extd_leaf = std::max(u.max_extd_leaf, p.max_extd_leaf);
        u.max_subleaf7 = std::max(u.max_subleaf7, p.max_subleaf7);
    }
    return u;
}

}  // namespace cpucompat
