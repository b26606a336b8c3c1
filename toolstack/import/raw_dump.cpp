#include "raw_dump.h"

#include "../core/error.h"
#include "../core/text.h"

namespace cpucompat {

Policy policy_from_raw_dump(Leaves leaves, Msrs msrs, const std::string &file) {
    Policy p;
    try {
        p = policy_from_leaves(std::move(leaves), std::move(msrs));
    } catch (const Error &e) {
        throw Error(file, 0, e.message());
    }
    for (auto it = p.leaves.begin(); it != p.leaves.end();)
        it = leaf_in_range(p, it->first.first, it->first.second) ? std::next(it) : p.leaves.erase(it);
    const auto missing = missing_feature_leaves(p, p.leaves);
    if (!missing.empty()) {
        const LeafKey &k = missing.front();
        const std::string leaf = hex(k.first, 8) + (k.second == kNoSubleaf ? "" : " subleaf " + std::to_string(k.second));
        const std::string limit = k.first >= kExtdBase ? "max extended leaf " + hex(p.max_extd_leaf)
                                  : k.first == 7 && k.second > 0 ? "leaf 7's max subleaf " + std::to_string(p.max_subleaf7)
                                                                 : "max leaf " + hex(p.max_leaf);
        throw Error(file, 0, "CPUID " + leaf + " is missing although the " + limit +
                                 " includes it: the dump is cut short or edited (its features would be lost)");
    }
    return p;
}

}  // namespace cpucompat
