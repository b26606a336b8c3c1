// compare(guest, host): can a domain with policy `guest` run on `host`
// without losing anything it was shown? Vendor, features and CPUID limits,
// every reason listed, in a fixed order (vendor, features by featureset
// position, limits basic/leaf-7/extended).
#pragma once

#include <string>
#include <vector>

#include "policy.h"

namespace cpucompat {

struct LimitExceeded {
    const char *what;  // "max_leaf", "max_subleaf7", "max_extd_leaf"
    uint32_t guest, host;
};

// Only the differences: who the vendors are is in the policies compared.
struct CompareResult {
    bool vendor_mismatch = false;
    std::vector<FeatureId> missing;  // in guest, not in host
    std::vector<LimitExceeded> limits;
    bool compatible() const { return !vendor_mismatch && missing.empty() && limits.empty(); }
};

CompareResult compare(const Policy &guest, const Policy &host);

}  // namespace cpucompat
