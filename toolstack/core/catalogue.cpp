#include "catalogue.h"

#include "text.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace cpucompat {

#include "catalogue_table.inc"

bool FeatureInfo::has_attr(char c) const { return std::strchr(attrs, c) != nullptr; }

bool FeatureInfo::guest_capable() const {
    for (const char *p = attrs; *p; ++p)
        if (std::strchr("AaSsHh", *p)) return true;
    return false;
}

bool FeatureInfo::guest_default() const {
    for (const char *p = attrs; *p; ++p)
        if (std::strchr("ASH", *p)) return true;
    return false;
}

const Catalogue &Catalogue::get() {
    static const Catalogue c;
    return c;
}

Catalogue::Catalogue()
    : features_(std::begin(kGenFeatures), std::end(kGenFeatures)),
      words_(std::begin(kGenWordInfo), std::end(kGenWordInfo)) {
    for (const auto &d : kGenDeepDeps) deps_.emplace_back(d.feature, Featureset(d.deps));
    std::sort(deps_.begin(), deps_.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    std::sort(features_.begin(), features_.end(), [](const FeatureInfo &a, const FeatureInfo &b) { return a.id < b.id; });
    for (const auto &f : features_) known_.set(f.id);
    for (const auto &f : features_) {
        by_name_.emplace_back(f.name, &f);
        if (*f.xen_cpuid) by_xen_cpuid_.emplace_back(fold_name(f.xen_cpuid), &f);
    }
    std::sort(by_name_.begin(), by_name_.end(), [](const auto &a, const auto &b) { return std::strcmp(a.first, b.first) < 0; });
    // Spellings are not unique (xen-cpuid says "ppin" for amd-ppin and
    // intel-ppin): equal keys in catalogue order, so the search finds the
    // first, as a scan would.
    std::sort(by_xen_cpuid_.begin(), by_xen_cpuid_.end(),
              [](const auto &a, const auto &b) { return a.first != b.first ? a.first < b.first : a.second->id < b.second->id; });
    // syscall and sep depend on the CPU mode as much as on the CPU: Intel
    // reports SYSCALL in 0x80000001.EDX only to 64-bit code (dumps taken by
    // 32-bit tools lack it), and AMD has no SYSENTER in long mode (Xen's PV
    // policies on AMD hosts lack sep).
    for (const char *n : {"apic", "htt", "x2apic", "cmp-legacy", "osxsave", "ospke", "hypervisor", "syscall", "sep"})
        if (const FeatureInfo *f = find(n)) state_.set(f->id);
    guest_default_ = state_;
    for (const auto &f : features_) {
        if (f.guest_default()) guest_default_.set(f.id);
        if (f.guest_capable() && !f.has_attr('A') && !f.has_attr('a')) hvm_only_.set(f.id);
        if (f.guest_capable() && !f.special() && !state_.test(f.id)) controlled_.set(f.id);
    }
}

namespace {

template <class Index>
const FeatureInfo *lookup(const Index &index, const std::string &key) {
    const auto it = std::lower_bound(index.begin(), index.end(), key, [](const auto &e, const std::string &k) { return k.compare(e.first) > 0; });
    return it != index.end() && key.compare(it->first) == 0 ? it->second : nullptr;
}

}  // namespace

// Names first, then xen-cpuid's spellings: every import and template reads
// its features through here, so it is a binary search, not a scan.
const FeatureInfo *Catalogue::find(std::string_view name) const {
    const std::string key = fold_name(name);
    if (const FeatureInfo *f = lookup(by_name_, key)) return f;
    return lookup(by_xen_cpuid_, key);
}

const FeatureInfo *Catalogue::by_id(FeatureId id) const {
    auto it = std::lower_bound(features_.begin(), features_.end(), id, [](const FeatureInfo &f, FeatureId v) { return f.id < v; });
    return it != features_.end() && it->id == id ? &*it : nullptr;
}

const Featureset *Catalogue::deep_deps(FeatureId f) const {
    auto it = std::lower_bound(deps_.begin(), deps_.end(), f, [](const auto &d, FeatureId v) { return d.first < v; });
    return it != deps_.end() && it->first == f ? &it->second : nullptr;
}

Featureset Catalogue::close_under_deps(Featureset fs) const {
    // Xen's deep-deps table is already transitively flattened, so one pass
    // over the absent features is enough.
    for (const auto &d : deps_)
        if (!fs.test(d.first)) fs = fs.minus(d.second);
    return fs;
}

Featureset Catalogue::with_attr(char c) const {
    Featureset fs;
    for (const auto &f : features_)
        if (f.has_attr(c)) fs.set(f.id);
    return fs;
}

std::vector<std::string> Catalogue::names(const Featureset &fs) const {
    std::vector<std::string> out;
    for (const auto &f : features_)
        if (fs.test(f.id)) out.emplace_back(f.name);
    return out;
}

}  // namespace cpucompat
