// libxl's cpuid filters as values: 32 filter characters per CPUID register
// (bit 31 first), 64 per MSR (bit 63 first); '0' '1' 'x' 'k' 's' as in
// xl.cfg. The one builder of xend-form `cpuid=` items: to_xl() writes a
// policy with it, merge_cpuid() a policy merged with the user's own.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "policy.h"

namespace cpucompat {

struct FeatureInfo;

struct CpuidFilters {
    // (leaf, subleaf or kNoSubleaf, register 0..3 = eax..edx)
    std::map<std::tuple<uint32_t, uint32_t, unsigned>, std::string> cpuid;
    std::map<uint32_t, std::string> msr;

    // The character written for a feature; 'x' where nothing was written.
    char feature_char(FeatureId id) const;

    // Writes `c` for a feature that lives in a CPUID register (creating
    // the register, all 'x', if absent). Returns false, writing nothing,
    // for an MSR feature: the xend form has no place for it (callers give
    // those as "name=value" items).
    bool set_cpuid_feature(const FeatureInfo &f, char c);

    // Lowers the basic, leaf 7 and extended limits of `host` to those of
    // `policy` (a limit register holds the value itself), leaving alone a
    // limit register already written.
    void lower_limits(const Policy &policy, const Policy &host);

    // One xend item per (leaf, subleaf) in order, registers eax..edx:
    // "0x7,0:eax=...,ebx=...". MSRs are not part of it.
    std::vector<std::string> xend_items() const;
};

// v as 32 filter characters, bit 31 first.
std::string filter_bits(uint32_t v);

}  // namespace cpucompat
