// The feature catalogue: every feature of the installed
// <xen/arch-x86/cpufeatureset.h>, where it lives in CPUID, its attributes and
// Xen's deep dependencies. Generated at build time (toolstack/gen/); this is
// the read-only view the rest of the project uses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "featureset.h"

namespace cpucompat {

enum class WordSource { cpuid, msr };

struct WordInfo {
    unsigned index;
    WordSource source;
    uint32_t leaf;     // for cpuid words
    uint32_t subleaf;  // kNoSubleaf when the leaf has none
    uint32_t msr;      // for msr words (MSR_ARCH_CAPS)
    const char *reg;   // "eax".."edx" (for msr words: eax = low half, edx = high)
};


struct FeatureInfo {
    const char *name;       // libxl spelling: lower case, '_' -> '-' ("sse4-1")
    const char *xen_name;   // cpufeatureset.h spelling ("SSE4_1")
    FeatureId id;
    const char *attrs;      // attribute characters from the header comment ("!A", "h", "")
    const char *xen_cpuid;  // xen-cpuid 4.17's spelling, "" if it has none ("sse41")
    const char *description;

    unsigned word() const { return id / 32; }
    unsigned bit() const { return id % 32; }
    bool has_attr(char c) const;
    // '!': Xen computes or overrides the bit; it is not a plain capability.
    bool special() const { return has_attr('!'); }
    // '|': a pool may OR this bit (it reports an absence of a problem, e.g. *_NO).
    bool or_accumulated() const { return has_attr('|'); }
    // Any of A/S/H (upper or lower case): Xen can give it to some guest.
    bool guest_capable() const;
    // Upper-case A/S/H: given to guests by default.
    bool guest_default() const;
};

struct DeepDepInfo {
    FeatureId feature;
    Featureset::Words deps;
};

class Catalogue {
public:
    static const Catalogue &get();

    const std::vector<FeatureInfo> &features() const { return features_; }
    const std::vector<WordInfo> &words() const { return words_; }

    // Accepts libxl ("sse4-1"), cpufeatureset ("SSE4_1" / "sse4_1") and
    // xen-cpuid ("sse41") spellings, case-insensitively.
    const FeatureInfo *find(std::string_view name) const;
    const FeatureInfo *by_id(FeatureId id) const;

    // Every feature that Xen clears when `f` is cleared (not including f).
    const Featureset *deep_deps(FeatureId f) const;
    // Clears the deep dependencies of every feature absent from fs (Xen's
    // sanitise step), so fs is closed under Xen's dependency rules.
    Featureset close_under_deps(Featureset fs) const;
    // Featureset restricted to the named features.
    const Featureset &known() const { return known_; }
    Featureset with_attr(char c) const;
    // Bits that describe the platform, the guest OS or the topology rather
    // than a CPU capability (apic, htt, x2apic, cmp-legacy, osxsave, ospke,
    // hypervisor, and syscall and sep, which depend on the CPU mode). Xen
    // recomputes them for every guest, so normalization passes them through
    // and to_xl never writes them.
    const Featureset &state_bits() const { return state_; }

    std::vector<std::string> names(const Featureset &fs) const;
    // Features Xen gives a guest by default (upper-case A/S/H) plus the
    // state bits: a host policy seen through this is what plain xl offers.
    const Featureset &guest_default_view() const { return guest_default_; }
    // Features only HVM guests can have (attributes S/s/H/h, no A/a): Xen's
    // PV policies never contain them.
    const Featureset &hvm_only() const { return hvm_only_; }
    // What a toolstack's cpuid= really decides: features Xen can give a
    // guest, minus the state bits and the '!' bits, which the header says
    // Xen "may override toolstack settings completely". A policy read back
    // from Xen is checked against the requested one on these.
    const Featureset &toolstack_controlled() const { return controlled_; }

private:
    Catalogue();
    std::vector<FeatureInfo> features_;
    std::vector<WordInfo> words_;
    std::vector<std::pair<FeatureId, Featureset>> deps_;  // sorted by feature
    // find()'s indexes: names (unique) and folded xen-cpuid spellings
    // (equal ones in catalogue order), sorted.
    std::vector<std::pair<const char *, const FeatureInfo *>> by_name_;           // names are stored folded
    std::vector<std::pair<std::string, const FeatureInfo *>> by_xen_cpuid_;
    Featureset known_;
    Featureset state_;
    Featureset guest_default_;
    Featureset hvm_only_;
    Featureset controlled_;
};

}  // namespace cpucompat
