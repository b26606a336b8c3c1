#include "compare.h"

#include "catalogue.h"

namespace cpucompat {

CompareResult compare(const Policy &guest, const Policy &host) {
    CompareResult r;
    r.vendor_mismatch = guest.vendor_id != host.vendor_id;
    const Featureset missing = guest.features.minus(host.features);
    if (!missing.empty())
        for (const auto &f : Catalogue::get().features())
            if (missing.test(f.id)) r.missing.push_back(f.id);
    if (guest.max_leaf > host.max_leaf) r.limits.push_back({"max_leaf", guest.max_leaf, host.max_leaf});
    if (guest.max_subleaf7 > host.max_subleaf7) r.limits.push_back({"max_subleaf7", guest.max_subleaf7, host.max_subleaf7});
    if (guest.max_extd_leaf > host.max_extd_leaf) r.limits.push_back({"max_extd_leaf", guest.max_extd_leaf, host.max_extd_leaf});
    return r;
}

}  // namespace cpucompat
