// The record of what cpucompat applied to a domain: mode, template, the
// policy Xen was asked for, where and when. It travels in the domain's own
// libxl config (c_info.xsdata, key kRecordKey), so save images and migration
// streams carry it, and is mirrored in xenstore (xenstore/layout.h).
//
//   {"format":"cpucompat-record/1","mode":"level:x86-64-v2","template":"x86-64-v2",
//    "guest":"pv","host":"xen1","time":"2026-11-22T06:00:00Z",
//    "hash":"5f3a...","policy":{fingerprint without raw leaves}}
#pragma once

#include <string>

#include "../core/cpu_template.h"
#include "../core/policy.h"

namespace cpucompat {

inline constexpr const char *kRecordFormat = "cpucompat-record/1";
inline constexpr const char *kRecordKey = "cpucompat";

struct DomainRecord {
    std::string mode, template_name, host, time;
    GuestType guest = GuestType::hvm;
    Policy policy;
};

// A stable digest of what the guest sees (vendor, features, limits): equal
// hashes, equal guest views. 16 hex digits (FNV-1a 64).
std::string policy_hash(const Policy &p);

// One line of JSON (it is a xenstore value, so kept compact).
std::string record_to_json(const DomainRecord &r);
// Throws Error naming `where` on malformed records or a hash that does not
// match the policy (a record edited by hand).
DomainRecord record_from_json(const std::string &text, const std::string &where);

const char *guest_type_name(GuestType g);  // "pv", "hvm"

}  // namespace cpucompat
