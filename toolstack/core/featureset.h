// A featureset: Xen's bitmap of x86 features, one bit per XEN_CPUFEATURE
// value (word = value / 32, bit = value % 32). Its length is the one of the
// Xen the project was built against, so words line up with libxc's.
#pragma once

#include <array>
#include <cstdint>

#include "catalogue_size.h"

namespace cpucompat {

using FeatureId = unsigned;  // word * 32 + bit, as in cpufeatureset.h

class Featureset {
public:
    using Words = std::array<uint32_t, kFeaturesetWords>;

    Featureset() : w_{} {}
    explicit Featureset(const Words &w) : w_(w) {}

    bool test(FeatureId f) const { return f / 32 < w_.size() && (w_[f / 32] >> (f % 32)) & 1u; }
    void set(FeatureId f) { if (f / 32 < w_.size()) w_[f / 32] |= 1u << (f % 32); }
    void clear(FeatureId f) { if (f / 32 < w_.size()) w_[f / 32] &= ~(1u << (f % 32)); }

    const Words &words() const { return w_; }
    Words &words() { return w_; }

    Featureset &operator&=(const Featureset &o) { for (unsigned i = 0; i < w_.size(); ++i) w_[i] &= o.w_[i]; return *this; }
    Featureset &operator|=(const Featureset &o) { for (unsigned i = 0; i < w_.size(); ++i) w_[i] |= o.w_[i]; return *this; }
    // Bits of *this that are not in o.
    Featureset minus(const Featureset &o) const {
        Featureset r(*this);
        for (unsigned i = 0; i < w_.size(); ++i) r.w_[i] &= ~o.w_[i];
        return r;
    }
    bool subset_of(const Featureset &o) const {
        for (unsigned i = 0; i < w_.size(); ++i) if (w_[i] & ~o.w_[i]) return false;
        return true;
    }
    bool empty() const { for (uint32_t x : w_) if (x) return false; return true; }
    bool operator==(const Featureset &o) const { return w_ == o.w_; }
    bool operator!=(const Featureset &o) const { return w_ != o.w_; }

private:
    Words w_;
};

inline Featureset operator&(Featureset a, const Featureset &b) { return a &= b; }
inline Featureset operator|(Featureset a, const Featureset &b) { return a |= b; }

}  // namespace cpucompat
