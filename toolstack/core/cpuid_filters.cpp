#include "cpuid_filters.h"

#include <cstdio>

#include "catalogue.h"

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
    uint32_t index;  // leaf or MSR
    uint32_t subleaf;
    unsigned reg;
    std::size_t pos;  // in the string
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

std::string filter_bits(uint32_t v) {
    std::string s(32, '0');
    for (int i = 0; i < 32; ++i)
        if (v >> i & 1u) s[31 - i] = '1';
    return s;
}

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

bool CpuidFilters::set_cpuid_feature(const FeatureInfo &f, char c) {
    const Slot s = slot_of(f);
    if (s.msr) return false;
    auto [it, fresh] = cpuid.try_emplace({s.index, s.subleaf, s.reg}, std::string(32, 'x'));
    (void)fresh;
    it->second[s.pos] = c;
    return true;
}

void CpuidFilters::lower_limits(const Policy &policy, const Policy &host) {
    const auto limit = [this](uint32_t leaf, uint32_t sub, uint32_t want, uint32_t have) {
        if (want < have) cpuid.try_emplace({leaf, sub, 0}, filter_bits(want));
    };
    limit(0, kNoSubleaf, policy.max_leaf, host.max_leaf);
    limit(7, 0, policy.max_subleaf7, host.max_subleaf7);
    limit(kExtdBase, kNoSubleaf, policy.max_extd_leaf, host.max_extd_leaf);
}

std::vector<std::string> CpuidFilters::xend_items() const {
    std::map<std::pair<uint32_t, uint32_t>, std::string> items;
    for (const auto &[key, bits] : cpuid) {
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
    std::vector<std::string> out;
    for (auto &[key, item] : items) out.push_back(std::move(item));
    return out;
}

}  // namespace cpucompat
