#include "cpuid_merge.h"

#include <cstdio>

#include "catalogue.h"
#include "error.h"
#include "to_xl.h"

namespace cpucompat {

namespace {

const char *const kRegs[4] = {"eax", "ebx", "ecx", "edx"};

unsigned reg_index(const char *reg) {
    for (unsigned i = 0; i < 4; ++i)
        if (std::string(reg) == kRegs[i]) return i;
    return 0;
}

// The filter string a character of feature `f` sits in, and its position.
struct Slot {
    bool msr;
    uint32_t index;      // leaf or MSR
    uint32_t subleaf;
    unsigned reg;
    std::size_t pos;     // in the string
};

Slot slot_of(const FeatureInfo &f) {
    const WordInfo &w = Catalogue::get().words().at(f.word());
    if (w.source == WordSource::msr) {
        const unsigned bit = (reg_index(w.reg) == 3 ? 32 : 0) + f.bit();
        return {true, w.msr, 0, 0, 63 - std::size_t{bit}};
    }
    return {false, w.leaf, w.subleaf, reg_index(w.reg), 31 - std::size_t{f.bit()}};
}

}  // namespace

char CpuidFilters::feature_char(FeatureId id) const {
    const FeatureInfo *f = Catalogue::get().by_id(id);
    if (!f) return 'x';
    const Slot s = slot_of(*f);
    const std::string *str = nullptr;
    if (s.msr) {
        auto it = msr.find(s.index);
        if (it != msr.end()) str = &it->second;
    } else {
        auto it = cpuid.find({s.index, s.subleaf, s.reg});
        if (it != cpuid.end()) str = &it->second;
    }
    return str && s.pos < str->size() ? (*str)[s.pos] : 'x';
}

MergedCpuid merge_cpuid(const CpuidFilters &user, const Policy &policy, const Policy &host) {
    const Catalogue &cat = Catalogue::get();
    CpuidFilters out{user.cpuid, {}};
    MergedCpuid m;
    m.expected = policy;
    std::string refused;
    auto reg = [&out](uint32_t leaf, uint32_t sub, unsigned r) -> std::string & {
        auto [it, fresh] = out.cpuid.try_emplace({leaf, sub, r}, std::string(32, 'x'));
        (void)fresh;
        return it->second;
    };
    for (const FeatureInfo &f : cat.features()) {
        const char u = user.feature_char(f.id);
        const bool shown = policy.features.test(f.id);
        if (u == '0') {
            m.expected.features.clear(f.id);
            continue;
        }
        if (u == '1' || ((u == 'k' || u == 's') && host.features.test(f.id))) {
            if (!shown && cat.toolstack_controlled().test(f.id)) refused += std::string(refused.empty() ? "" : " ") + f.name;
            continue;
        }
        const char r = feature_request(f, policy, host);
        if (r == 'x') continue;
        const Slot s = slot_of(f);
        if (s.msr) m.msr_items.push_back(std::string(f.name) + "=" + r);
        else reg(s.index, s.subleaf, s.reg)[s.pos] = r;
    }
    if (!refused.empty())
        throw Error("cpuid= asks for feature(s) that cpu_compat hides: " + refused +
                    " (remove them from cpuid=, or choose a mode that has them)");
    // Limits: lowered where the user left the register alone.
    auto limit = [&](uint32_t leaf, uint32_t sub, uint32_t want, uint32_t have) {
        if (want >= have || user.cpuid.count({leaf, sub, 0})) return;
        reg(leaf, sub, 0) = filter_bits(want);
    };
    limit(0, kNoSubleaf, policy.max_leaf, host.max_leaf);
    limit(7, 0, policy.max_subleaf7, host.max_subleaf7);
    limit(kExtdBase, kNoSubleaf, policy.max_extd_leaf, host.max_extd_leaf);
    m.expected.features = cat.close_under_deps(m.expected.features);

    // One xend item per (leaf, subleaf), registers in order.
    std::map<std::pair<uint32_t, uint32_t>, std::string> items;
    for (const auto &[key, bits] : out.cpuid) {
        const auto [leaf, sub, r] = key;
        std::string &item = items[{leaf, sub}];
        if (item.empty()) {
            char head[32];
            if (sub == kNoSubleaf) std::snprintf(head, sizeof head, "0x%x:", leaf);
            else std::snprintf(head, sizeof head, "0x%x,%u:", leaf, sub);
            item = head;
        } else {
            item += ",";
        }
        item += std::string(kRegs[r]) + "=" + bits;
    }
    for (auto &[key, item] : items) m.xend_items.push_back(std::move(item));
    return m;
}

}  // namespace cpucompat
