// The record of what cpucompat applied to a domain: mode, template, the
// policy Xen was asked for, where and when. It travels in the domain's own
// libxl config (c_info.xsdata, key kRecordKey), so save images and migration
// streams carry it, and is mirrored in xenstore (xenstore/layout.h).
//
//   {"format":"cpucompat-record/2","mode":"level:x86-64-v2","template":"x86-64-v2",
//    "guest":"pv","host":"xen1","time":"2026-11-22T06:00:00Z",
//    "guest_os":"rhel-9","hash":"5f3a...","policy":{fingerprint without raw leaves}}
//
// "guest_os" (the domain's cpu_compat_guest, from its config or the host's
// default) is optional: absent when nothing named the guest. Builds that
// predate it ignore it, as they ignore every key they do not read.
//
// The record is canonical, so any build reads it: the policy is by feature
// names, and the hash is over the vendor, the limits and the sorted names as
// written, not over this build's featureset words (whose count changes with
// Xen: a rolling upgrade). Records of format /1 (hash over the writer's
// words) are still read, for any word count. A feature name this build does
// not know is kept (DomainRecord::unknown_features) and judged incompatible.
#pragma once

#include <string>
#include <vector>

#include "../core/cpu_template.h"
#include "../core/policy.h"

namespace cpucompat {

inline constexpr const char *kRecordFormat = "cpucompat-record/2";
inline constexpr const char *kRecordFormatV1 = "cpucompat-record/1";
inline constexpr const char *kRecordKey = "cpucompat";

struct DomainRecord {
    std::string mode, template_name, host, time;
    GuestType guest = GuestType::hvm;
    Policy policy;
    // Names in the record this build's Xen does not know (see above).
    std::vector<std::string> unknown_features = {};
    std::string guest_os = {};  // the guest table's name (plain_guest_name), or "" when none was given
};

// A stable digest of what the guest sees (vendor, limits, the sorted feature
// names): equal hashes, equal guest views, whatever the build. 16 hex
// digits (FNV-1a 64).
std::string policy_hash(const Policy &p);
std::string policy_hash(const std::string &vendor_id, uint32_t max_leaf, uint32_t max_subleaf7, uint32_t max_extd_leaf,
                        std::vector<std::string> feature_names);

// One line of JSON (it is a xenstore value, so kept compact).
std::string record_to_json(const DomainRecord &r);
// Throws Error naming `where` on malformed records or a hash that does not
// match the policy (a record edited by hand).
DomainRecord record_from_json(const std::string &text, const std::string &where);

const char *guest_type_name(GuestType g);  // "pv", "hvm"

}  // namespace cpucompat
