// A CPU template: the data behind every normalization mode. Baselines in
// toolstack/data/baselines/ and custom `file:PATH` templates share this form:
//
//   name: nehalem                 # how modes refer to it (level:nehalem)
//   description: Intel Nehalem-EP (Xeon 5500)
//   source: derived from the InstLatx64 dump GenuineIntel00106A2_Nehalem-EP
//   vendor: GenuineIntel          # optional: only hosts of this vendor
//   require: [fpu, sse4-2, ...]   # optional: the exact features a guest gets;
//                                 # a host lacking any is below the floor
//   hide: [avx, xsave]            # optional: removed from what is offered
//   max_leaf: 0xb                 # optional caps on the CPUID limits
//   max_extd_leaf: 0x80000008
//   max_subleaf7: 0
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "error.h"
#include "policy.h"

namespace cpucompat {

struct CpuTemplate {
    std::string name, description, source;
    std::string vendor_id;  // empty: any vendor
    std::optional<Featureset> require;
    Featureset hide;
    std::optional<uint32_t> max_leaf, max_extd_leaf, max_subleaf7;
};

// Templates by name; the edge fills it from the data directory and from
// `file:PATH` templates, the core only looks names up.
using TemplateLibrary = std::map<std::string, CpuTemplate>;

// The kind of guest a policy is for. A PV guest never has HVM-only features
// (Catalogue::hvm_only()), so a template's `require` asks none of them of a
// PV host policy.
enum class GuestType { hvm, pv };

// The host lacks features the template requires.
class BelowFloorError : public Error {
public:
    BelowFloorError(const std::string &msg, std::vector<FeatureId> missing) : Error(msg), missing_(std::move(missing)) {}
    const std::vector<FeatureId> &missing() const { return missing_; }

private:
    std::vector<FeatureId> missing_;
};

// What makes a template contradict itself, and the key it is about. A
// template is checked as a whole, so a file that loads is one whose policy
// is what it says:
//  - a feature both required and hidden (key "hide");
//  - a required feature that cannot be given: one of its prerequisites in
//    Xen's dependency rules is hidden or not required, so closing the set
//    under those rules would drop it silently (key "require");
//  - a required feature whose CPUID leaf lies beyond the template's own
//    max_leaf / max_extd_leaf / max_subleaf7 (key: that limit).
// State bits (Catalogue::state_bits()) come from the host and count as given.
struct TemplateProblem {
    std::string key, message;
};
std::optional<TemplateProblem> template_problem(const CpuTemplate &t);

// The guest policy a template gives on `host`: vendor and signature of the
// host; features = require (or, when absent, the host's features that Xen
// gives guests by default: Catalogue::guest_default_view()) minus hide, closed
// under Xen's dependencies, with the host's state bits passed through
// (Catalogue::state_bits()); limits capped, and features beyond the capped
// limits dropped (a guest cannot read them; Xen clears them too). Throws
// BelowFloorError naming every missing feature, or Error on a vendor mismatch.
Policy apply_template(const Policy &host, const CpuTemplate &t, GuestType guest = GuestType::hvm);

}  // namespace cpucompat
