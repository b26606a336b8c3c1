// The policy model: what a CPU (or a domain) shows through CPUID, reduced to
// what compatibility depends on, plus the raw leaves where they are known.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "featureset.h"
#include "vendor.h"

namespace cpucompat {

struct Regs {
    uint32_t a = 0, b = 0, c = 0, d = 0;
    bool operator==(const Regs &o) const { return a == o.a && b == o.b && c == o.c && d == o.d; }
};

// (leaf, subleaf); subleaf is kNoSubleaf for leaves that have none.
using LeafKey = std::pair<uint32_t, uint32_t>;
using Leaves = std::map<LeafKey, Regs>;
using Msrs = std::map<uint32_t, uint64_t>;

// Subleaf of leaves that have none (XEN_CPUID_NO_SUBLEAF).
inline constexpr uint32_t kNoSubleaf = 0xffffffffu;
inline constexpr uint32_t kMsrArchCaps = 0x10a;
inline constexpr uint32_t kExtdBase = 0x80000000u;

struct Policy {
    std::string vendor_id;  // 12 characters from leaf 0, e.g. "GenuineIntel"
    uint32_t family = 0, model = 0, stepping = 0;
    uint32_t max_leaf = 0;       // leaf 0 EAX
    uint32_t max_extd_leaf = 0;  // leaf 0x80000000 EAX
    uint32_t max_subleaf7 = 0;   // leaf 7:0 EAX
    Featureset features;         // named features only
    Leaves leaves;               // raw CPUID as imported; empty when derived
    Msrs msrs;                   // raw MSRs as imported (0x10a when known)

    Vendor vendor() const { return vendor_from_id(vendor_id); }

    // Equal as a guest would see them: vendor, signature, limits, features.
    // Raw leaves are provenance, not identity.
    bool same_guest_view(const Policy &o) const;
    // Exactly equal, raw leaves included (for round-trip checks).
    bool operator==(const Policy &o) const;
};

// Looks up a leaf, treating "no subleaf" and subleaf 0 as the same when only
// one of them is present (dumps differ in how they write it).
const Regs *find_leaf(const Leaves &leaves, uint32_t leaf, uint32_t subleaf);

// Builds a policy from raw leaves and MSRs: vendor, family/model/stepping,
// limits, and the featureset (bits of leaves beyond the CPU's own limits are
// not read). Throws Error when leaf 0 is missing or its vendor id is not 12
// printable ASCII characters.
Policy policy_from_leaves(Leaves leaves, Msrs msrs);

// Is (leaf, subleaf) within what `p`'s limits let a guest read? Basic leaves
// up to max_leaf, extended ones up to max_extd_leaf (0x80000000 itself
// always), leaf 7 subleaves up to max_subleaf7; nothing else (hypervisor,
// Transmeta, Centaur ranges). Xen serialises exactly these leaves.
bool leaf_in_range(const Policy &p, uint32_t leaf, uint32_t subleaf);

// Every named feature whose CPUID word lies within `p`'s limits (MSR words
// always): a guest cannot see a feature outside this mask, so a policy that
// lists one contradicts its own limits.
Featureset reachable_features(const Policy &p);

// The feature-carrying leaves (Catalogue::words()) within `p`'s limits that
// `leaves` lacks. A raw CPU dump prints every leaf up to its limits, so a
// missing one means the file was cut or edited.
std::vector<LeafKey> missing_feature_leaves(const Policy &p, const Leaves &leaves);

// A sane subleaf: kNoSubleaf, or below 256 (Xen's largest, leaf 0xd, has 64).
inline bool plausible_subleaf(uint32_t subleaf) { return subleaf == kNoSubleaf || subleaf < 0x100; }

// family/model/stepping decoded from leaf 1 EAX as both vendors define it.
void decode_signature(uint32_t eax, uint32_t &family, uint32_t &model, uint32_t &stepping);

}  // namespace cpucompat
