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
    // Features a record names that this build's Xen does not know (written
    // by a newer one): this host cannot give them, so they count as missing.
    std::vector<std::string> unknown;
    bool compatible() const { return !vendor_mismatch && missing.empty() && limits.empty() && unknown.empty(); }
};

CompareResult compare(const Policy &guest, const Policy &host);

// One line for logs and refusals: "vendor AuthenticAMD, host GenuineIntel;
// missing: avx2 bmi2; max_leaf 0x10 > 0xd". "compatible" when it is.
std::string summary(const CompareResult &r, const Policy &guest, const Policy &host);

// Can a domain created with `recorded` (a cpucompat record's policy) be
// restored on a host whose max policy is `host_max`? Only the features a
// toolstack decides count: Xen recomputes the state and '!' bits itself.
// `unknown`: feature names of the record this build does not know; each
// makes the verdict incompatible (judged conservatively, and said so).
CompareResult restore_verdict(const Policy &recorded, const Policy &host_max, const std::vector<std::string> &unknown = {});

// Did Xen give a new domain what was asked? The toolstack-controlled
// features must be equal; limits may be lower (Xen trims empty leaves), not
// higher.
struct AppliedDiff {
    bool vendor_differs = false;
    std::vector<FeatureId> missing, extra;  // vs. the request
    std::vector<LimitExceeded> limits;      // `guest` = applied, `host` = requested
    bool ok() const { return !vendor_differs && missing.empty() && extra.empty() && limits.empty(); }
    std::string summary() const;
};
AppliedDiff check_applied(const Policy &requested, const Policy &applied);

}  // namespace cpucompat
