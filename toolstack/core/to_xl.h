// to_xl(policy, host): the xl.cfg `cpuid=` setting that makes Xen give a
// domain created on `host` the features and limits of `policy`.
//
// Two forms, as xl accepts exactly one per config:
//  - the libxl string form, "host,avx=0,...,maxleaf=11", when only features
//    and the basic leaf limit change (the common case);
//  - the xend list form, ["0x80000000:eax=...", "7,0:eax=...,ebx=..."], when
//    the extended or leaf-7 limits must be lowered too, which the string
//    form cannot express.
// Only differences from Xen's default are written: '=0' for the host's
// default-on features the policy lacks; '=1' for opt-in features (lower-case
// attributes) the policy has. State bits are Xen's and never written. MSR-based
// features (MSR_ARCH_CAPS) appear in the string form only.
#pragma once

#include <string>
#include <vector>

#include "policy.h"

namespace cpucompat {

struct XlCpuid {
    enum class Form { libxl_string, xend_list } form = Form::libxl_string;
    // String form: "host" then "name=value" items. Xend form: one
    // "leaf[,subleaf]:reg=32 bits,..." item per leaf.
    std::vector<std::string> items;

    // The value as written in xl.cfg: "host,avx=0" or ["1:ecx=...", ...].
    std::string config_value() const;
    // `cpuid=<value>`, one line.
    std::string config_line() const { return "cpuid=" + config_value(); }
};

XlCpuid to_xl(const Policy &policy, const Policy &host);

struct FeatureInfo;
// What `policy` asks of one feature on `host`, as a libxl filter character:
// 'x' leave it to Xen's default, '0' remove it, '1' opt in.
char feature_request(const FeatureInfo &f, const Policy &policy, const Policy &host);

}  // namespace cpucompat
