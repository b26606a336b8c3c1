#include "policy.h"

#include <cstring>

#include "catalogue.h"
#include "error.h"
#include "text.h"

namespace cpucompat {

bool Policy::same_guest_view(const Policy &o) const {
    return vendor_id == o.vendor_id && family == o.family && model == o.model && stepping == o.stepping &&
           max_leaf == o.max_leaf && max_extd_leaf == o.max_extd_leaf && max_subleaf7 == o.max_subleaf7 &&
           features == o.features;
}

bool Policy::operator==(const Policy &o) const { return same_guest_view(o) && leaves == o.leaves && msrs == o.msrs; }

const Regs *find_leaf(const Leaves &leaves, uint32_t leaf, uint32_t subleaf) {
    auto it = leaves.find({leaf, subleaf});
    if (it != leaves.end()) return &it->second;
    if (subleaf == 0) it = leaves.find({leaf, kNoSubleaf});
    else if (subleaf == kNoSubleaf) it = leaves.find({leaf, 0});
    return it != leaves.end() ? &it->second : nullptr;
}

void decode_signature(uint32_t eax, uint32_t &family, uint32_t &model, uint32_t &stepping) {
    const uint32_t base_family = (eax >> 8) & 0xf;
    family = base_family == 0xf ? base_family + ((eax >> 20) & 0xff) : base_family;
    model = (eax >> 4) & 0xf;
    if (base_family == 0x6 || base_family == 0xf) model |= ((eax >> 16) & 0xf) << 4;
    stepping = eax & 0xf;
}

namespace {

uint32_t reg_of(const Regs &r, const char *name) {
    if (!std::strcmp(name, "eax")) return r.a;
    if (!std::strcmp(name, "ebx")) return r.b;
    if (!std::strcmp(name, "ecx")) return r.c;
    return r.d;
}

}  // namespace

bool leaf_in_range(const Policy &p, uint32_t leaf, uint32_t subleaf) {
    if (leaf == 0 || leaf == kExtdBase) return true;
    if (leaf >= kExtdBase) return leaf <= p.max_extd_leaf;
    if (leaf > p.max_leaf) return false;
    return leaf != 7 || subleaf == kNoSubleaf || subleaf <= p.max_subleaf7;
}

Featureset reachable_features(const Policy &p) {
    Featureset::Words words{};
    for (const WordInfo &w : Catalogue::get().words())
        if (w.index < words.size() && (w.source == WordSource::msr || leaf_in_range(p, w.leaf, w.subleaf))) words[w.index] = ~0u;
    return Featureset(words) & Catalogue::get().known();
}

std::vector<LeafKey> missing_feature_leaves(const Policy &p, const Leaves &leaves) {
    std::vector<LeafKey> out;
    for (const WordInfo &w : Catalogue::get().words())
        if (w.source == WordSource::cpuid && leaf_in_range(p, w.leaf, w.subleaf) && !find_leaf(leaves, w.leaf, w.subleaf))
            out.push_back({w.leaf, w.subleaf});
    return out;
}

Policy policy_from_leaves(Leaves leaves, Msrs msrs) {
    Policy p;
    const Regs *l0 = find_leaf(leaves, 0, kNoSubleaf);
    if (!l0) throw Error("no CPUID leaf 0 (vendor and maximum leaf)");
    p.vendor_id = vendor_id_from_regs(l0->b, l0->c, l0->d);
    if (!printable_vendor_id(p.vendor_id))
        throw Error("leaf 0's vendor id " + quote_text(p.vendor_id) + " is not 12 printable ASCII characters");
    p.max_leaf = l0->a;
    if (const Regs *l1 = find_leaf(leaves, 1, kNoSubleaf); l1 && p.max_leaf >= 1)
        decode_signature(l1->a, p.family, p.model, p.stepping);
    if (const Regs *l7 = find_leaf(leaves, 7, 0); l7 && p.max_leaf >= 7) p.max_subleaf7 = l7->a;
    if (const Regs *e0 = find_leaf(leaves, kExtdBase, kNoSubleaf); e0 && (e0->a & 0xffff0000u) == kExtdBase)
        p.max_extd_leaf = e0->a;

    Featureset::Words words{};
    for (const WordInfo &w : Catalogue::get().words()) {
        if (w.index >= words.size()) continue;
        if (w.source == WordSource::msr) {
            auto m = msrs.find(w.msr);
            if (m != msrs.end()) words[w.index] = static_cast<uint32_t>(std::strcmp(w.reg, "eax") ? m->second >> 32 : m->second);
            continue;
        }
        if (!leaf_in_range(p, w.leaf, w.subleaf)) continue;
        if (const Regs *r = find_leaf(leaves, w.leaf, w.subleaf)) words[w.index] = reg_of(*r, w.reg);
    }
    p.features = Featureset(words) & Catalogue::get().known();
    p.leaves = std::move(leaves);
    p.msrs = std::move(msrs);
    return p;
}

}  // namespace cpucompat
